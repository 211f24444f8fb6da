package dev.kfp.operator;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunSchedule;
import dev.kfp.operator.peers.ControlPlaneBinaries;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.peers.RealKubernetes;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The one real API server (etcd + kube-apiserver, RBAC on) of a test JVM, started on first use and stopped when
 * the JVM exits. Tests share it: {@link #lease()} hands out a view whose {@code close()} wipes what tests leave
 * behind (Runs with their finalizers, RunQueues, RunSchedules, events, ConfigMaps, Leases, service accounts and RBAC objects in every
 * namespace but Kubernetes' own) instead of stopping the server, which takes seconds to start.
 *
 * <p>The binaries come from {@code src/test/go/control-plane/build.sh} (or {@code KUBEBUILDER_ASSETS}); when
 * they cannot be had, every test that asks for the real server fails with the reason: the real tier is never
 * skipped.
 */
public final class RealCluster {

  private static RealKubernetes shared;

  private RealCluster() {}

  /** The shared real API server, started on first use. */
  public static synchronized RealKubernetes shared() {
    if (shared == null) {
      ControlPlaneBinaries binaries = ControlPlaneBinaries.locate(Path.of("")).orElseThrow();
      RealKubernetes started = RealKubernetes.start(binaries);
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "stop-real-kubernetes"));
      shared = started;
    }
    return shared;
  }

  /** The namespaces tests put their objects in; they exist before any test runs. */
  public static final java.util.List<String> TEST_NAMESPACES = java.util.List.of("team-a", "team-b", "team-c");

  /**
   * The shared server for one test, with {@link #TEST_NAMESPACES} in place (a real server, unlike the mock, refuses
   * objects in a namespace that does not exist); closing the view wipes the test's objects.
   */
  public static LocalKubernetes lease() {
    RealKubernetes kubernetes = shared();
    for (String namespace : TEST_NAMESPACES) {
      ensureNamespace(kubernetes.client(), namespace);
    }
    return new LocalKubernetes() {
      @Override
      public NamespacedKubernetesClient client() {
        return kubernetes.client();
      }

      @Override
      public Path kubeconfig() {
        return kubernetes.kubeconfig();
      }

      @Override
      public String description() {
        return kubernetes.description();
      }

      @Override
      public void close() {
        wipe(kubernetes);
      }
    };
  }

  /** Creates the namespace unless it exists. */
  public static void ensureNamespace(NamespacedKubernetesClient client, String namespace) {
    if (client.namespaces().withName(namespace).get() == null) {
      client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
          .withNewMetadata().withName(namespace).endMetadata().build()).create();
    }
  }

  /** Removes what tests create, so that the next test starts from an empty cluster. */
  static void wipe(RealKubernetes kubernetes) {
    NamespacedKubernetesClient client = kubernetes.client();
    client.resources(RunSchedule.class).inAnyNamespace().delete();
    for (Run run : client.resources(Run.class).inAnyNamespace().list().getItems()) {
      var one = client.resources(Run.class).inNamespace(run.getMetadata().getNamespace())
          .withName(run.getMetadata().getName());
      if (run.getMetadata().getFinalizers() != null && !run.getMetadata().getFinalizers().isEmpty()) {
        one.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
      }
      one.withTimeout(10, TimeUnit.SECONDS).delete();
    }
    Awaitility.await("every Run gone").atMost(Duration.ofSeconds(30))
        .until(() -> client.resources(Run.class).inAnyNamespace().list().getItems().isEmpty());
    for (String namespace : kubernetes.userNamespaces()) {
      client.resources(RunQueue.class).inNamespace(namespace).delete();
      client.v1().events().inNamespace(namespace).delete();
      client.configMaps().inNamespace(namespace).withLabelSelector("!kubernetes.io/system").list().getItems().stream()
          .filter(cm -> !"kube-root-ca.crt".equals(cm.getMetadata().getName()))
          .forEach(cm -> client.configMaps().resource(cm).delete());
      client.leases().inNamespace(namespace).delete();
      client.rbac().roleBindings().inNamespace(namespace).delete();
      client.rbac().roles().inNamespace(namespace).delete();
      client.serviceAccounts().inNamespace(namespace).list().getItems().stream()
          .filter(sa -> !"default".equals(sa.getMetadata().getName()))
          .forEach(sa -> client.serviceAccounts().resource(sa).delete());
    }
  }
}
