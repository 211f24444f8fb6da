package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.peers.RealKubernetes;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chart installed, upgraded and uninstalled by the real Helm engine (helm-java) on the real kube-apiserver,
 * and {@code deploy/} applied by the real kubectl. That server has no kubelet, scheduler or controller manager:
 * no pod is ever created or run, and a Deployment never gets a status. What is checked is what the API server
 * accepts and stores: the Deployment and its pod template (service account, environment, probes), the
 * ServiceAccount, RBAC, the metrics Service and the CRD. The operator running under the chart's RBAC is
 * {@code ChartRbacRunLifecycleTest}.
 */
@RealApiTier
class RealServerInstallTest {

  private static final String RELEASE = HelmChart.RELEASE;
  private static final String NAMESPACE = HelmChart.NAMESPACE;
  private static final String CRD = "runs.pipelines.kfp.dev";
  private static final String QUEUE_CRD = "runqueues.pipelines.kfp.dev";
  private static final String SCHEDULE_CRD = "runschedules.pipelines.kfp.dev";

  private LocalKubernetes kubernetes;
  private NamespacedKubernetesClient admin;

  @BeforeEach
  void lease() {
    kubernetes = RealCluster.lease();
    admin = kubernetes.client();
  }

  /** Leaves the shared server as the other tests expect it: no release, the CRDs from crds/ in place. */
  @AfterEach
  void restore() {
    new Helm(HelmChart.DIR).uninstall(RELEASE).withNamespace(NAMESPACE).withKubeConfig(kubernetes.kubeconfig())
        .ignoreNotFound().call();
    RealCluster.shared().installCrd(EmbeddedKubernetes.runCrd());
    RealCluster.shared().installCrd(EmbeddedKubernetes.runQueueCrd());
    RealCluster.shared().installCrd(EmbeddedKubernetes.runScheduleCrd());
    kubernetes.close();
  }

  @Test
  void helmInstallUpgradeAndUninstallOnTheRealServerKeepTheCrd() {
    assertThatThrownBy(() -> new Helm(HelmChart.DIR).install().withName(RELEASE).withNamespace(NAMESPACE)
        .createNamespace().withKubeConfig(kubernetes.kubeconfig()).call())
        .as("a CRD applied from crds/ is not Helm's: install with crd.install=false then, as docs/operating/install.md says")
        .hasMessageContaining(".pipelines.kfp.dev\"")
        .hasMessageContaining("exists and cannot be imported into the current release");
    for (String crd : List.of(CRD, QUEUE_CRD, SCHEDULE_CRD)) {
      admin.apiextensions().v1().customResourceDefinitions().withName(crd).withTimeout(30, TimeUnit.SECONDS).delete();
    }

    Release installed = new Helm(HelmChart.DIR).install().withName(RELEASE).withNamespace(NAMESPACE)
        .createNamespace().withKubeConfig(kubernetes.kubeconfig()).call();

    assertThat(installed.getStatus()).isEqualTo("deployed");
    List<JsonNode> rendered = HelmChart.render(Map.of());
    Deployment deployment = admin.apps().deployments().inNamespace(NAMESPACE).withName(RELEASE).get();
    assertThat(deployment).as("the Deployment is stored").isNotNull();
    assertThat(deployment.getStatus() == null || deployment.getStatus().getReplicas() == null)
        .as("no controller manager: nothing ever acts on the Deployment").isTrue();
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo(RELEASE);
    Container operator = pod.getContainers().get(0);
    assertThat(env(operator)).isEqualTo(HelmChart.deploymentEnv(rendered));
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(operator.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("monitoring");
    assertThat(operator.getPorts()).singleElement().satisfies(p -> assertThat(p.getName()).isEqualTo("monitoring"));
    assertThat(admin.serviceAccounts().inNamespace(NAMESPACE).withName(RELEASE).get()).isNotNull();
    assertThat(admin.rbac().clusterRoles().withName(RELEASE).get().getRules())
        .hasSize(HelmChart.only(rendered, "ClusterRole").path("rules").size());
    assertThat(admin.rbac().clusterRoleBindings().withName(RELEASE).get().getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getNamespace() + "/" + s.getName()).isEqualTo(NAMESPACE + "/" + RELEASE));
    assertThat(admin.rbac().roles().inNamespace(NAMESPACE).withName(RELEASE + "-leader-election").get()).isNotNull();
    assertThat(admin.rbac().roleBindings().inNamespace(NAMESPACE).withName(RELEASE + "-leader-election").get())
        .isNotNull();
    assertThat(admin.services().inNamespace(NAMESPACE).withName(RELEASE + "-metrics").get()).isNotNull();
    for (String crd : List.of(CRD, QUEUE_CRD, SCHEDULE_CRD)) {
      assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(crd).get().getMetadata()
          .getAnnotations()).as(crd).containsEntry("helm.sh/resource-policy", "keep");
    }

    Release upgraded = new Helm(HelmChart.DIR).upgrade().withName(RELEASE).withNamespace(NAMESPACE)
        .withKubeConfig(kubernetes.kubeconfig())
        .set("operator.pollInterval", "30s")
        .set("operator.watchNamespaces[0]", "team-a")
        .set("operator.metricsEnabled", false)
        .call();

    assertThat(upgraded.getRevision()).isEqualTo("2");
    Container changed = admin.apps().deployments().inNamespace(NAMESPACE).withName(RELEASE).get()
        .getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(env(changed)).containsEntry("POLL_INTERVAL", "30s").containsEntry("WATCH_NAMESPACES", "team-a")
        .containsEntry("METRICS_ENABLED", "false");
    assertThat(admin.rbac().clusterRoles().withName(RELEASE).get()).as("one namespace: no ClusterRole").isNull();
    assertThat(admin.rbac().clusterRoleBindings().withName(RELEASE).get()).isNull();
    assertThat(admin.rbac().roles().inNamespace("team-a").withName(RELEASE).get()).isNotNull();
    assertThat(admin.rbac().roleBindings().inNamespace("team-a").withName(RELEASE).get()).isNotNull();
    assertThat(admin.services().inNamespace(NAMESPACE).withName(RELEASE + "-metrics").get())
        .as("metrics off: no Service").isNull();

    new Helm(HelmChart.DIR).uninstall(RELEASE).withNamespace(NAMESPACE).withKubeConfig(kubernetes.kubeconfig())
        .call();

    await().atMost(Duration.ofSeconds(30)).until(() ->
        admin.apps().deployments().inNamespace(NAMESPACE).withName(RELEASE).get() == null
            && admin.serviceAccounts().inNamespace(NAMESPACE).withName(RELEASE).get() == null
            && admin.rbac().roles().inNamespace("team-a").withName(RELEASE).get() == null
            && admin.rbac().roleBindings().inNamespace("team-a").withName(RELEASE).get() == null
            && admin.rbac().roles().inNamespace(NAMESPACE).withName(RELEASE + "-leader-election").get() == null);
    assertThat(admin.secrets().inNamespace(NAMESPACE).withLabel("owner", "helm").list().getItems())
        .as("Helm's release records").isEmpty();
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD).get())
        .as("the CRD is kept, and with it every Run").isNotNull();
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(QUEUE_CRD).get())
        .as("the RunQueue CRD is kept, and with it every queue").isNotNull();
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(SCHEDULE_CRD).get())
        .as("the RunSchedule CRD is kept, and with it every schedule").isNotNull();
  }

  @Test
  void kubectlApplyKustomizeOfDeployIsAcceptedByTheServer() throws Exception {
    // A dry run stores nothing, so it cannot create the namespace the other objects go to: it must exist.
    RealCluster.ensureNamespace(admin, NAMESPACE);
    RealKubernetes server = RealCluster.shared();

    Process kubectl = new ProcessBuilder(server.kubectl().toString(), "--kubeconfig",
        kubernetes.kubeconfig().toString(), "apply", "-k", "deploy/", "--dry-run=server", "--validate=strict")
        .redirectErrorStream(true).start();
    String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(kubectl.exitValue()).as(output).isZero();
    Map<String, String> applied = new LinkedHashMap<>();
    output.lines().filter(l -> l.endsWith(" (server dry run)"))
        .map(l -> l.substring(0, l.length() - " (server dry run)".length()).split(" ", 2))
        .forEach(l -> applied.put(l[0], l[1]));
    assertThat(applied).as(output).containsOnlyKeys("namespace/kfp-system",
        "serviceaccount/kfp-run-operator",
        "customresourcedefinition.apiextensions.k8s.io/runs.pipelines.kfp.dev",
        "customresourcedefinition.apiextensions.k8s.io/runqueues.pipelines.kfp.dev",
        "customresourcedefinition.apiextensions.k8s.io/runschedules.pipelines.kfp.dev",
        "clusterrole.rbac.authorization.k8s.io/kfp-run-operator",
        "clusterrolebinding.rbac.authorization.k8s.io/kfp-run-operator",
        "role.rbac.authorization.k8s.io/kfp-run-operator-leader-election",
        "rolebinding.rbac.authorization.k8s.io/kfp-run-operator-leader-election",
        "service/kfp-run-operator-metrics",
        "deployment.apps/kfp-run-operator");
    assertThat(applied.values()).allMatch(v -> List.of("created", "configured", "unchanged").contains(v));
    assertThat(applied).as("new objects are created").containsEntry("deployment.apps/kfp-run-operator", "created")
        .containsEntry("clusterrole.rbac.authorization.k8s.io/kfp-run-operator", "created");
  }

  /** The container's environment; the API server stores an empty value by leaving it out. */
  private static Map<String, String> env(Container container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar variable : container.getEnv()) {
      env.put(variable.getName(), variable.getValue() == null ? "" : variable.getValue());
    }
    return env;
  }
}
