package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorCommand;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.argocd.ArgoCdLua;
import dev.kfp.operator.tiers.ClusterTier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator as users install it, on a real single-node cluster ({@code src/test/cluster/cluster.sh}): the image
 * built from the Dockerfile under the README's name for it and handed to the node (in place of {@code docker build}
 * and {@code docker push}), then the README's {@code helm install} command run word for word by the helm built from
 * Helm's module, and what the pod shows read with the real kubectl; then {@code helm upgrade} to two replicas and to a
 * new image tag, {@code helm uninstall}, and {@code kubectl apply -k deploy/}. Stopping the cluster must leave the host as it
 * was. A step that fails fails the tier; nothing is skipped.
 */
@ClusterTier
class ClusterEndToEndIT {

  private static final Path CLUSTER = Path.of("src/test/cluster/cluster.sh");
  private static final String RELEASE_NAMESPACE = "kfp-system";
  private static final String DEPLOYMENT = "kfp-run-operator";
  private static final String RUN_NAMESPACE = "team-a";
  /** In deploy/examples/compiled-pipeline.yaml: a Run of a compiled pipeline kept in a ConfigMap. */
  private static final String RUN = "compiled-pipeline";
  private static final String UPGRADE_TAG = "0.1.0-upgraded";
  private static String hostBefore;
  private static String kubeconfig;
  private static Path kubectl;
  private static Path helm;

  @BeforeAll
  static void startTheClusterWithTheImageOfTheReadme() throws IOException {
    hostBefore = ok(List.of(CLUSTER.toString(), "host-state"), Duration.ofMinutes(1));
    kubectl = Path.of(lastLine(ok(List.of("src/test/go/control-plane/build.sh", "--node"), Duration.ofMinutes(30))),
        "kubectl");
    helm = Path.of(lastLine(ok(List.of("src/test/go/helm/build.sh"), Duration.ofMinutes(30))));
    kubeconfig = lastLine(ok(List.of(CLUSTER.toString(), "start"), Duration.ofMinutes(5)));
    ok(List.of(CLUSTER.toString(), "kfp-server"), Duration.ofMinutes(30));
    // the README's name for the image (helm install), and the name deploy/ uses (kubectl apply -k)
    String image = readmeInstall().image();
    ok(List.of(Podman.SCRIPTS.resolve("build-image.sh").toString(), image), Duration.ofMinutes(30));
    String chartDefault = lastLine(ok(List.of(Podman.SCRIPTS.resolve("build-image.sh").toString()),
        Duration.ofMinutes(30)));
    ok(List.of(CLUSTER.toString(), "load", image, chartDefault), Duration.ofMinutes(5));
  }

  @AfterAll
  static void stopTheClusterAndFindTheHostAsItWas() {
    ok(List.of(CLUSTER.toString(), "stop"), Duration.ofMinutes(5));
    assertThat(ok(List.of(CLUSTER.toString(), "host-state"), Duration.ofMinutes(1)))
        .as("processes, mounts, network namespaces, links, iptables rules, kernel settings and cgroups after stop")
        .isEqualTo(hostBefore);
  }

  @Test
  void theReadmeInstallRunsAndThePodIsWhatTheChartPromises() throws Exception {
    ok(List.of("bash", "-c", "PATH=" + helm.getParent() + ":$PATH KUBECONFIG=" + kubeconfig + " "
        + readmeInstall().helmInstall()), Duration.ofMinutes(5));
    kubectl("-n", RELEASE_NAMESPACE, "rollout", "status", "deployment/" + DEPLOYMENT, "--timeout=180s");
    String pod = kubectl("-n", RELEASE_NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/name=kfp-run-operator",
        "-o", "jsonpath={.items[0].metadata.name}");

    assertRunsUnprivileged(pod);
    String metricsService = DEPLOYMENT + "-metrics." + RELEASE_NAMESPACE + ".svc.cluster.local";
    assertThat(kubectl("-n", RELEASE_NAMESPACE, "exec", pod, "--", "getent", "hosts", metricsService))
        .as("cluster DNS answers for a Service's name in the pod").startsWith(kubectl("-n", RELEASE_NAMESPACE,
            "get", "service", DEPLOYMENT + "-metrics", "-o", "jsonpath={.spec.clusterIP}") + " ");
    await("the Lease is held by the pod").atMost(Duration.ofMinutes(1)).until(() -> kubectl("-n",
        RELEASE_NAMESPACE, "get", "lease", OperatorCommand.LEASE_NAME, "-o", "jsonpath={.spec.holderIdentity}")
        .startsWith(pod));

    String clusterIp = kubectl("-n", RELEASE_NAMESPACE, "get", "service", DEPLOYMENT + "-metrics", "-o",
        "jsonpath={.spec.clusterIP}:{.spec.ports[0].port}");
    HttpClient http = HttpClient.newHttpClient();
    String kfp = kubectl("-n", "kubeflow", "get", "service", "ml-pipeline", "-o",
        "jsonpath={.spec.clusterIP}:{.spec.ports[0].port}");
    assertThat(get(http, clusterIp, "/readyz").statusCode()).as("/readyz through the Service").isEqualTo(200);
    assertThat(get(http, clusterIp, "/metrics").body()).as("/metrics through the Service").contains("kfp_operator_");

    kubectl("create", "namespace", RUN_NAMESPACE);
    kubectl("-n", RUN_NAMESPACE, "apply", "-f", "deploy/examples/compiled-pipeline.yaml");
    String runId = await("the Run is submitted to KFP's server").atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> kubectl("-n", RUN_NAMESPACE, "get", "run", RUN, "-o", "jsonpath={.status.runId}"),
            id -> !id.isEmpty());
    // what KFP's persistence agent would report once Argo finished the workflow
    HttpResponse<String> phase = http.send(HttpRequest.newBuilder(URI.create("http://" + kfp + "/test/runs/"
            + runId + "/phase")).POST(HttpRequest.BodyPublishers.ofString("{\"phase\": \"Succeeded\"}"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(phase.statusCode()).as(phase.body()).isEqualTo(200);
    await("the Run reaches SUCCEEDED").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> kubectl("-n", RUN_NAMESPACE, "get", "run", RUN, "-o", "jsonpath={.status.state}"),
            "SUCCEEDED"::equals);
    assertThat(kubectl("-n", RELEASE_NAMESPACE, "logs", pod)).as("the operator's log, read with kubectl")
        .contains(RUN).contains(runId);
    assertThat(kubectl("-n", RUN_NAMESPACE, "get", "events", "--field-selector", "involvedObject.name=" + RUN,
        "-o", "jsonpath={.items[*].reason}")).as("the Run's events, read with kubectl")
        .contains("Submitted", "StateChanged");
    JsonNode health = ArgoCdLua.run(ArgoCdLua.DIR.resolve("health.lua"), ArgoCdLua.YAML.readTree(
        kubectl("-n", RUN_NAMESPACE, "get", "run", RUN, "-o", "json")));
    assertThat(health.path("status").asText()).as("Argo CD's health of the status the operator wrote: "
        + health).isEqualTo("Healthy");
    long limit = Long.parseLong(kubectl("-n", RELEASE_NAMESPACE, "exec", pod, "--", "cat",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes"));
    long peak = Long.parseLong(kubectl("-n", RELEASE_NAMESPACE, "exec", pod, "--", "cat",
        "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"));
    assertThat(limit).as("the chart's memory limit").isEqualTo(512L * 1024 * 1024);
    assertThat(peak).as("the pod's peak memory so far").isPositive().isLessThan(limit);

    helm("upgrade", "kfp-run-operator", "helm/kfp-run-operator", "--reuse-values", "--set", "replicaCount=2",
        "--wait", "--timeout", "3m");
    List<String> pods = List.of(kubectl("-n", RELEASE_NAMESPACE, "get", "pods", "-l",
        "app.kubernetes.io/name=kfp-run-operator", "--field-selector", "status.phase=Running", "-o",
        "jsonpath={.items[*].metadata.name}").split(" "));
    assertThat(pods).as("two replicas, both Ready after helm upgrade --wait").hasSize(2).contains(pod);
    assertThat(kubectl("-n", RELEASE_NAMESPACE, "get", "lease", OperatorCommand.LEASE_NAME, "-o",
        "jsonpath={.spec.holderIdentity}")).as("one Lease, still held by the first replica").startsWith(pod);

    // helm upgrade to a new image tag: new pods take over, keep the finished Run's KFP run and submit nothing again
    String newImage = readmeInstall().image().replaceAll(":[^:/]+$", ":" + UPGRADE_TAG);
    ok(List.of(Podman.SCRIPTS.resolve("build-image.sh").toString(), newImage), Duration.ofMinutes(30));
    ok(List.of(CLUSTER.toString(), "load", newImage), Duration.ofMinutes(5));
    helm("upgrade", "kfp-run-operator", "helm/kfp-run-operator", "--reuse-values", "--set", "image.tag=" + UPGRADE_TAG,
        "--wait", "--timeout", "3m");
    kubectl("-n", RELEASE_NAMESPACE, "rollout", "status", "deployment/" + DEPLOYMENT, "--timeout=180s");
    Path second = Files.createTempFile("run-after-upgrade", ".yaml");
    Files.writeString(second, Files.readString(Path.of("deploy/examples/compiled-pipeline.yaml"))
        .replace("name: " + RUN + "\n", "name: " + RUN + "-after-upgrade\n"));
    kubectl("-n", RUN_NAMESPACE, "apply", "-f", second.toString());
    Files.delete(second);
    await("the upgraded operator submits a new Run").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> kubectl("-n", RUN_NAMESPACE, "get", "run", RUN + "-after-upgrade", "-o",
            "jsonpath={.status.runId}"), id -> !id.isEmpty());
    assertThat(kubectl("-n", RUN_NAMESPACE, "get", "run", RUN, "-o", "jsonpath={.status.runId}"))
        .as("the first Run keeps its KFP run").isEqualTo(runId);
    JsonNode kfpRuns = ArgoCdLua.YAML.readTree(get(http, kfp, "/apis/v2beta1/runs?page_size=100").body());
    assertThat(kfpRuns.path("runs")).as("KFP's runs: one per Run, none twice").hasSize(2);

    helm("uninstall", "kfp-run-operator", "--wait");
    assertThat(kubectl("get", "crd", "-o", "name")).as("the CRDs stay after helm uninstall")
        .contains("runs.pipelines.kfp.dev", "runqueues.pipelines.kfp.dev");
    assertThat(kubectl("-n", RUN_NAMESPACE, "get", "run", "-o", "name")).as("and so do the Runs")
        .contains(RUN);

    kubectl("apply", "-k", "deploy/");
    kubectl("-n", RELEASE_NAMESPACE, "rollout", "status", "deployment/" + DEPLOYMENT, "--timeout=180s");
    assertRunsUnprivileged(kubectl("-n", RELEASE_NAMESPACE, "get", "pods", "-l",
        "app.kubernetes.io/name=kfp-run-operator", "-o", "jsonpath={.items[0].metadata.name}"));
  }

  /** The pod's process: uid 10001, no capabilities, no new privileges; its root filesystem refuses a write. */
  private static void assertRunsUnprivileged(String pod) {
    String status = kubectl("-n", RELEASE_NAMESPACE, "exec", pod, "--", "cat", "/proc/1/status");
    assertThat(status).containsPattern("(?m)^Uid:\\s+10001\\s").containsPattern("(?m)^CapEff:\\s+0+$")
        .containsPattern("(?m)^NoNewPrivs:\\s+1$");
    assertThat(command(kubectlCommand("-n", RELEASE_NAMESPACE, "exec", pod, "--", "touch", "/app/written"))
        .exit()).as("the root filesystem is read-only").isNotZero();
  }

  private static void helm(String... args) {
    List<String> command = new ArrayList<>(List.of(helm.toString(), "--kubeconfig", kubeconfig, "-n",
        RELEASE_NAMESPACE));
    command.addAll(List.of(args));
    ok(command, Duration.ofMinutes(4));
  }

  /** The README's install commands: the image {@code docker build} tags, and the {@code helm install} command. */
  record ReadmeInstall(String image, String helmInstall) {}

  static ReadmeInstall readmeInstall() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    int section = readme.indexOf("## Installing in a cluster");
    Matcher block = Pattern.compile("```bash\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(section >= 0 && block.find(section)).as("the README's install section and its commands").isTrue();
    String commands = block.group(1).replace("\\\n", " ");
    Matcher build = Pattern.compile("(?m)^docker build -t (\\S+) \\.$").matcher(commands);
    Matcher install = Pattern.compile("(?m)^(helm install .*)$").matcher(commands);
    assertThat(build.find() && install.find()).as("docker build and helm install in:\n" + commands).isTrue();
    return new ReadmeInstall(build.group(1), install.group(1));
  }

  private static HttpResponse<String> get(HttpClient http, String hostAndPort, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + hostAndPort + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> kubectlCommand(String... args) {
    List<String> command = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig));
    command.addAll(List.of(args));
    return command;
  }

  private static String kubectl(String... args) {
    return ok(kubectlCommand(args), Duration.ofMinutes(4)).strip();
  }

  private static Podman.Result command(List<String> command) {
    return Podman.run(command, Duration.ofMinutes(1));
  }

  private static String ok(List<String> command, Duration timeout) {
    Podman.Result result = Podman.run(command, timeout);
    assertThat(result.exit()).as(result.toString()).isZero();
    return result.out();
  }

  private static String lastLine(String output) {
    String[] lines = output.strip().split("\n");
    return lines[lines.length - 1];
  }
}
