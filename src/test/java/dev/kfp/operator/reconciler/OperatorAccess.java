package dev.kfp.operator.reconciler;

import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.sandbox.LocalKubernetes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.net.URI;
import java.util.Set;

/**
 * Who the operator under test is on the Kubernetes API: the client it uses (the test itself keeps the
 * administrator's), the JOSDK settings that go with that identity (leader election) and the KFP clients it
 * gives each namespace. {@link #ADMINISTRATOR}, the default, is the administrator's client, no leader election
 * and the harness's one KFP client.
 */
public interface OperatorAccess extends AutoCloseable {

  /** The administrator's client (every permission), no leader election, one KFP client for all namespaces. */
  OperatorAccess ADMINISTRATOR = LocalKubernetes::client;

  /** The client the operator uses; asked at each start of the operator, so it may set things up first. */
  KubernetesClient client(LocalKubernetes kubernetes);

  /** JOSDK settings for this identity, applied after the harness's own. */
  default void configure(ConfigurationServiceOverrider operator) {
  }

  /** The namespaces the operator watches; empty (the default): all. */
  default Set<String> namespaces() {
    return Set.of();
  }

  /**
   * The KFP clients per namespace, given the operator's Kubernetes client, the simulator's address and the
   * harness's own KFP client (the default, for every namespace).
   */
  default KfpClientProvider kfp(KubernetesClient operatorClient, URI kfpBaseUrl, KfpClient shared) {
    return KfpClientProvider.shared(shared);
  }

  /** Undoes what {@link #client} set up; called when the harness closes, before the test's objects are wiped. */
  @Override
  default void close() {
  }
}
