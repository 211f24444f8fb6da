package dev.kfp.operator.reconciler;

import dev.kfp.operator.peers.LocalKubernetes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.util.Map;

/**
 * Who the operator under test is on the Kubernetes API: the client it uses (the test itself keeps the
 * administrator's), the JOSDK settings that go with that identity (leader election) and the settings it runs with
 * (watched namespaces, KFP auth mode). {@link #ADMINISTRATOR}, the default, is the administrator's client, no
 * leader election and one KFP client for all namespaces.
 */
public interface OperatorAccess extends AutoCloseable {

  /** The administrator's client (every permission), no leader election, one KFP client for all namespaces. */
  OperatorAccess ADMINISTRATOR = LocalKubernetes::client;

  /** The client the operator uses; asked at each start of the operator, so it may set things up first. */
  KubernetesClient client(LocalKubernetes kubernetes);

  /** JOSDK settings for this identity, applied after the harness's own. */
  default void configure(ConfigurationServiceOverrider operator) {
  }

  /**
   * The operator's settings that go with this identity (by environment variable name, over the harness's own),
   * such as the watched namespaces and the KFP auth mode; none by default: all namespaces, no KFP auth.
   */
  default Map<String, String> settings() {
    return Map.of();
  }

  /** Undoes what {@link #client} set up; called when the harness closes, before the test's objects are wiped. */
  @Override
  default void close() {
  }
}
