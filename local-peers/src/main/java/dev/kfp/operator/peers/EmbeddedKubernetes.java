package dev.kfp.operator.peers;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * An in-process Kubernetes API (Fabric8's mock server in CRUD mode) with the Run CRD installed. It stores
 * objects and serves watches; it does not run admission, CEL rules, server-side apply or garbage collection.
 * Tests may queue scripted answers ({@link #server()}{@code .expect()}) that take precedence over CRUD.
 */
public final class EmbeddedKubernetes implements LocalKubernetes {

  private final KubernetesMockServer server;
  private final NamespacedKubernetesClient client;
  private Path kubeconfig;

  private EmbeddedKubernetes(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  /** Starts the server on a free loopback port and creates the Run CRD in it. */
  public static EmbeddedKubernetes start() {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
        new KubernetesMixedDispatcher(expectations), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    EmbeddedKubernetes kubernetes = new EmbeddedKubernetes(server);
    kubernetes.client.apiextensions().v1().customResourceDefinitions().resource(runCrd()).create();
    kubernetes.client.apiextensions().v1().customResourceDefinitions().resource(runQueueCrd()).create();
    kubernetes.client.apiextensions().v1().customResourceDefinitions().resource(runScheduleCrd()).create();
    return kubernetes;
  }

  /** The Run CRD as committed in crds/ and packaged into the jar. */
  public static CustomResourceDefinition runCrd() {
    return crd("runs.pipelines.kfp.dev-v1.yml");
  }

  /** The RunQueue CRD as committed in crds/ and packaged into the jar. */
  public static CustomResourceDefinition runQueueCrd() {
    return crd("runqueues.pipelines.kfp.dev-v1.yml");
  }

  /** The RunSchedule CRD as committed in crds/ and packaged into the jar. */
  public static CustomResourceDefinition runScheduleCrd() {
    return crd("runschedules.pipelines.kfp.dev-v1.yml");
  }

  private static CustomResourceDefinition crd(String file) {
    try (InputStream in = EmbeddedKubernetes.class.getResourceAsStream("/crds/" + file)) {
      if (in == null) {
        throw new IllegalStateException("crds/" + file + " is missing from the classpath (crds/ is packaged as a"
            + " resource)");
      }
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Answers JOSDK's question whether it may use Leases (a SelfSubjectRulesReview) with yes: the mock has no
   * authorizer, and leader election will not start without the answer.
   */
  public EmbeddedKubernetes allowLeaderElection() {
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
            .withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("get", "create", "update")
            .endResourceRule().withIncomplete(false).endStatus().build())
        .always();
    return this;
  }

  /** The mock server, for tests that script failures of particular requests. */
  public KubernetesMockServer server() {
    return server;
  }

  /** A client for the embedded API; it stays owned by this object. */
  @Override
  public NamespacedKubernetesClient client() {
    return client;
  }

  /** The URL other tools (kubectl) can reach the embedded API at. */
  public String url() {
    return client.getMasterUrl().toString();
  }

  /** A kubeconfig for the embedded API (it takes any token); written on first use. */
  @Override
  public synchronized Path kubeconfig() {
    if (kubeconfig == null) {
      try {
        kubeconfig = Files.createTempFile("kfp-run-operator-mock-", ".kubeconfig");
        kubeconfig.toFile().deleteOnExit();
        Files.writeString(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: embedded
              cluster: {server: "%s"}
            users:
            - name: embedded
              user: {token: embedded}
            contexts:
            - name: embedded
              context: {cluster: embedded, user: embedded}
            current-context: embedded
            """.formatted(url()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return kubeconfig;
  }

  @Override
  public String description() {
    return "Fabric8 mock API server (CRUD) at " + url();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
