package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.OperatorCommand;
import dev.kfp.operator.api.Run;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator as users install it, on a real single-node cluster ({@code src/test/cluster/cluster.sh}): the image
 * built from the Dockerfile under the README's name for it and handed to the node (in place of {@code docker build}
 * and {@code docker push}), then the README's {@code helm install} command run word for word by the helm built from
 * Helm's module, and what the pod shows read with the real kubectl; then a user's work with kubectl (Runs by inline
 * spec and by pipeline name, terminate, retry, archive, delete, a RunQueue, Argo CD's health), the operator's pod
 * killed while it submits, {@code helm upgrade} to two replicas and to a new image tag, {@code helm uninstall}, and
 * {@code kubectl apply -k deploy/}. KFP's side is read from KFP's own server in the cluster. Stopping the cluster
 * must leave the host as it was. The scenarios run in order on one cluster and one install; a step that fails fails
 * the tier, nothing is skipped.
 */
@ClusterTier
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndIT {

  private static final Path CLUSTER = Path.of("src/test/cluster/cluster.sh");
  private static final String RELEASE_NAMESPACE = "kfp-system";
  private static final String DEPLOYMENT = "kfp-run-operator";
  private static final String RUN_NAMESPACE = "team-a";
  /** In deploy/examples/compiled-pipeline.yaml: a Run of a compiled pipeline kept in a ConfigMap. */
  private static final String RUN = "compiled-pipeline";
  private static final String UPGRADE_TAG = "0.1.0-upgraded";
  /** The pipeline the tests upload to KFP, by this name, for Runs by id and by name. */
  private static final String PIPELINE_NAME = "cluster-e2e";
  private static final String QUEUE_NAMESPACE = "queue";
  private static final String LOAD_NAMESPACE = "load";
  /** The Runs applied at once while the operator's pod is killed: the tier's load. */
  private static final int LOAD_RUNS = 120;
  private static final Duration STATE_CHANGE = Duration.ofMinutes(2);
  /** The chart's operator.pollInterval: the bulk status sync reads KFP that often. */
  private static final Duration POLL_INTERVAL = Duration.ofSeconds(10);
  private static final Pattern CALL_COUNT = Pattern.compile(
      "(?m)^kfp_client_requests_seconds_count\\{([^}]*)}\\s+(\\S+)$");
  private static final Pattern ENDPOINT = Pattern.compile("endpoint=\"([^\"]+)\"");
  /** {@code cluster.sh start}'s exit status when a cluster runs already. */
  private static final int ANOTHER_CLUSTER_RUNS = 3;
  private static String hostBefore;
  /** Whether this run started (or began to start) the cluster, and so stops it. */
  private static boolean ours;
  private static String kubeconfig;
  private static Path kubectl;
  private static Path helm;
  private static KfpInCluster kfp;
  private static String pipelineId;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void startTheClusterWithTheImageOfTheReadme() throws IOException {
    refuseWhileAnotherClusterRuns(command(List.of(CLUSTER.toString(), "running")));
    hostBefore = ok(List.of(CLUSTER.toString(), "host-state"), Duration.ofMinutes(1));
    kubectl = Path.of(lastLine(ok(List.of("src/test/go/control-plane/build.sh", "--node"), Duration.ofMinutes(30))),
        "kubectl");
    helm = Path.of(lastLine(ok(List.of("src/test/go/helm/build.sh"), Duration.ofMinutes(30))));
    // from here on the cluster is this run's to stop, also when start fails half way
    ours = true;
    Podman.Result start = Podman.run(List.of(CLUSTER.toString(), "start"), Duration.ofMinutes(5));
    if (start.exit() == ANOTHER_CLUSTER_RUNS) {
      ours = false;
      refuseWhileAnotherClusterRuns(start);
    }
    assertThat(start.exit()).as(start.toString()).isZero();
    kubeconfig = lastLine(start.out());
    ok(List.of(CLUSTER.toString(), "kfp-server"), Duration.ofMinutes(30));
    kfp = new KfpInCluster(kubectl("-n", "kubeflow", "get", "service", "ml-pipeline", "-o",
        "jsonpath={.spec.clusterIP}:{.spec.ports[0].port}"));
    // the README's name for the image (helm install), and the name deploy/ uses (kubectl apply -k)
    String image = readmeInstall().image();
    ok(List.of(Podman.SCRIPTS.resolve("build-image.sh").toString(), image), Duration.ofMinutes(30));
    String chartDefault = lastLine(ok(List.of(Podman.SCRIPTS.resolve("build-image.sh").toString()),
        Duration.ofMinutes(30)));
    ok(List.of(CLUSTER.toString(), "load", image, chartDefault), Duration.ofMinutes(5));
  }

  /**
   * There is one cluster per machine ({@code cluster.sh start} refuses a second, exit 3): a second test command, or
   * a developer's cluster, would otherwise be stopped by this run's stop.
   */
  private static void refuseWhileAnotherClusterRuns(Podman.Result running) {
    assertThat(running.exit()).as("a cluster runs on this machine already, started by another test command or by "
        + "hand (" + running + "); the end-to-end tier needs the machine's one cluster and leaves that one alone: "
        + "wait for the other run to end, or stop it with " + CLUSTER + " stop").isNotIn(0, ANOTHER_CLUSTER_RUNS);
  }

  @AfterAll
  static void stopTheClusterAndFindTheHostAsItWas() {
    if (!ours) {
      return;
    }
    ok(List.of(CLUSTER.toString(), "stop"), Duration.ofMinutes(5));
    assertThat(ok(List.of(CLUSTER.toString(), "host-state"), Duration.ofMinutes(1)))
        .as("processes, mounts, network namespaces, links, iptables rules, kernel settings and cgroups after stop")
        .isEqualTo(hostBefore);
  }

  @Test
  @Order(1)
  void theReadmeInstallRunsAndThePodIsWhatTheChartPromises() throws Exception {
    ok(List.of("bash", "-c", "PATH=" + helm.getParent() + ":$PATH KUBECONFIG=" + kubeconfig + " "
        + readmeInstall().helmInstall()), Duration.ofMinutes(5));
    kubectl("-n", RELEASE_NAMESPACE, "rollout", "status", "deployment/" + DEPLOYMENT, "--timeout=180s");
    String pod = operatorPod();

    assertRunsUnprivileged(pod);
    String metricsService = DEPLOYMENT + "-metrics." + RELEASE_NAMESPACE + ".svc.cluster.local";
    assertThat(kubectl("-n", RELEASE_NAMESPACE, "exec", pod, "--", "getent", "hosts", metricsService))
        .as("cluster DNS answers for a Service's name in the pod").startsWith(kubectl("-n", RELEASE_NAMESPACE,
            "get", "service", DEPLOYMENT + "-metrics", "-o", "jsonpath={.spec.clusterIP}") + " ");
    await("the Lease is held by the pod").atMost(Duration.ofMinutes(1)).until(() -> kubectl("-n",
        RELEASE_NAMESPACE, "get", "lease", OperatorCommand.LEASE_NAME, "-o", "jsonpath={.spec.holderIdentity}")
        .startsWith(pod));

    assertThat(get(metricsService(), "/readyz").statusCode()).as("/readyz through the Service").isEqualTo(200);
    assertThat(get(metricsService(), "/metrics").body()).as("/metrics through the Service")
        .contains("kfp_operator_");

    kubectl("create", "namespace", RUN_NAMESPACE);
    kubectl("-n", RUN_NAMESPACE, "apply", "-f", "deploy/examples/compiled-pipeline.yaml");
    String runId = awaitRunId(RUN_NAMESPACE, RUN);
    kfp.report(runId, "Succeeded");
    awaitState(RUN_NAMESPACE, RUN, "SUCCEEDED");
    assertThat(kubectl("-n", RELEASE_NAMESPACE, "logs", pod)).as("the operator's log, read with kubectl")
        .contains(RUN).contains(runId);
    assertThat(kubectl("-n", RUN_NAMESPACE, "get", "events", "--field-selector", "involvedObject.name=" + RUN,
        "-o", "jsonpath={.items[*].reason}")).as("the Run's events, read with kubectl")
        .contains("Submitted", "StateChanged");
    assertThat(argoCdHealth(RUN_NAMESPACE, RUN).path("status").asText()).as("Argo CD's health of a SUCCEEDED Run")
        .isEqualTo("Healthy");
    assertThat(memoryLimit(pod)).as("the chart's memory limit").isEqualTo(1024L * 1024 * 1024);
    assertThat(peakMemory(pod)).as("the pod's peak memory so far").isPositive().isLessThan(memoryLimit(pod));
  }

  @Test
  @Order(2)
  void aRunByInlineSpecAndARunByPipelineNameReachSucceeded() {
    String pipeline = storedPipelineId();
    apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: inline, namespace: %s}
        spec:
          displayName: inline pipeline
          pipeline:
            spec:
        %s""".formatted(RUN_NAMESPACE, CompiledPipelines.yaml("pipeline_with_condition").indent(6)));
    apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: by-name, namespace: %s}
        spec:
          pipeline: {versionRef: {pipelineName: %s}}
        """.formatted(RUN_NAMESPACE, PIPELINE_NAME));

    for (String name : List.of("inline", "by-name")) {
      String runId = awaitRunId(RUN_NAMESPACE, name);
      kfp.report(runId, "Running");
      awaitState(RUN_NAMESPACE, name, "RUNNING");
      kfp.report(runId, "Succeeded");
      awaitState(RUN_NAMESPACE, name, "SUCCEEDED");
      assertThat(kfp.runsOf(RUN_NAMESPACE, name)).as("KFP's runs of " + name).hasSize(1)
          .allSatisfy(run -> assertThat(run.path("run_id").asText()).isEqualTo(runId));
    }
    JsonNode inline = kfp.run(runIdOf(RUN_NAMESPACE, "inline")).orElseThrow();
    assertThat(inline.path("display_name").asText()).isEqualTo("inline pipeline");
    assertThat(inline.path("pipeline_spec").isObject()).as("the inline spec went to KFP: " + inline).isTrue();
    JsonNode byName = kfp.run(runIdOf(RUN_NAMESPACE, "by-name")).orElseThrow();
    assertThat(byName.path("pipeline_version_reference").path("pipeline_id").asText())
        .as("KFP's run of the Run by name is of the pipeline uploaded under that name").isEqualTo(pipeline);
    assertThat(runField(RUN_NAMESPACE, "by-name", "{.status.pipelineId}")).as("the id the operator looked up")
        .isEqualTo(pipeline);
  }

  @Test
  @Order(3)
  void terminateRetryArchiveAndDeleteEachActOnce() throws Exception {
    apply(runByIdYaml(RUN_NAMESPACE, "stop-then-retry", ""));
    String runId = awaitRunId(RUN_NAMESPACE, "stop-then-retry");
    kfp.report(runId, "Running");
    awaitState(RUN_NAMESPACE, "stop-then-retry", "RUNNING");
    Map<String, Long> before = kfpCalls();

    kubectl("-n", RUN_NAMESPACE, "annotate", "run", "stop-then-retry", Run.TERMINATE_ANNOTATION + "=true");
    awaitRunField(RUN_NAMESPACE, "stop-then-retry", "{.status.terminated}", "true"::equals);
    assertThat(kfp.run(runId).orElseThrow().path("state").asText()).as("KFP's state once terminated")
        .isEqualTo("CANCELING");
    // Argo ends a terminated workflow Failed, and KFP's persistence agent reports it
    kfp.report(runId, "Failed");
    awaitRunField(RUN_NAMESPACE, "stop-then-retry", condition(RunConditions.SUCCEEDED, "reason"),
        RunConditions.REASON_TERMINATED::equals);

    kubectl("-n", RUN_NAMESPACE, "annotate", "run", "stop-then-retry", Run.RETRY_ANNOTATION + "=first-retry");
    awaitRunField(RUN_NAMESPACE, "stop-then-retry", "{.status.lastRetry}", "first-retry"::equals);
    assertThat(runField(RUN_NAMESPACE, "stop-then-retry", condition(RunConditions.RETRIED, "status")))
        .as("the Retried condition").isEqualTo("True");
    kfp.report(runId, "Running");
    awaitState(RUN_NAMESPACE, "stop-then-retry", "RUNNING");
    kfp.report(runId, "Succeeded");
    awaitState(RUN_NAMESPACE, "stop-then-retry", "SUCCEEDED");

    kubectl("-n", RUN_NAMESPACE, "patch", "run", "stop-then-retry", "--type", "merge", "-p",
        "{\"spec\":{\"archived\":true}}");
    awaitRunField(RUN_NAMESPACE, "stop-then-retry", "{.status.storageState}", "ARCHIVED"::equals);

    apply(runByIdYaml(RUN_NAMESPACE, "deleted", "deletionPolicy: Delete"));
    String deletedRunId = awaitRunId(RUN_NAMESPACE, "deleted");
    kfp.report(deletedRunId, "Succeeded");
    awaitState(RUN_NAMESPACE, "deleted", "SUCCEEDED");
    kubectl("-n", RUN_NAMESPACE, "delete", "run", "deleted", "--timeout=120s");
    assertThat(kfp.run(deletedRunId)).as("KFP's run of the Run deleted with deletionPolicy Delete").isEmpty();

    // each action once, and still once after the operator looked at every Run again (two status syncs)
    Map<String, Long> once = Map.of("TerminateRun", 1L, "RetryRun", 1L, "ArchiveRun", 1L, "DeleteRun", 1L,
        "UnarchiveRun", 0L);
    await("the operator's calls to KFP, per action").during(POLL_INTERVAL.multipliedBy(2))
        .atMost(POLL_INTERVAL.multipliedBy(5)).pollInterval(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(actionsSince(before, once.keySet())).isEqualTo(once));
    JsonNode kept = kfp.run(runId).orElseThrow();
    System.out.println("terminated, retried and archived in the cluster: KFP's state history "
        + KfpInCluster.stateHistory(kept) + ", the Run's " + runField(RUN_NAMESPACE, "stop-then-retry",
            "{.status.stateHistory[*].state}"));
    assertThat(kfp.runsOf(RUN_NAMESPACE, "stop-then-retry")).as("KFP holds one run for the Run").hasSize(1);
    assertThat(kept.path("state").asText()).as("KFP's state").isEqualTo("SUCCEEDED");
    assertThat(kept.path("storage_state").asText()).as("KFP's storage state").isEqualTo("ARCHIVED");
    assertThat(KfpInCluster.stateHistory(kept)).as("KFP's state history: failed once, then retried to success")
        .containsSubsequence("RUNNING", "FAILED", "RUNNING", "SUCCEEDED");
    assertThat(runField(RUN_NAMESPACE, "stop-then-retry", "{.status.state}/{.status.storageState}"))
        .as("the operator's status agrees with KFP").isEqualTo("SUCCEEDED/ARCHIVED");
    assertThat(kubectl("-n", RUN_NAMESPACE, "get", "events", "--field-selector",
        "involvedObject.name=stop-then-retry", "-o", "jsonpath={.items[*].reason}"))
        .as("the Run's events").contains("Terminated", "Retried", "Archived");
  }

  @Test
  @Order(4)
  void aRunQueueAdmitsItsRunsOneAfterAnother() throws IOException {
    kubectl("create", "namespace", QUEUE_NAMESPACE);
    // the sample's Runs, of the stored pipeline, which takes no param2
    apply(Files.readString(Path.of("deploy/examples/queue.yaml"))
        .replace("6f1c2a4e-0b7d-4c3a-9e55-2d8f0a1b3c4d", storedPipelineId())
        .replaceAll("  parameters:\n    param2: .*\n", "")
        .replace("metadata:\n", "metadata:\n  namespace: " + QUEUE_NAMESPACE + "\n"));
    List<String> queued = List.of("queued-1", "queued-2", "queued-3");
    for (int i = 0; i < queued.size(); i++) {
      String runId = awaitRunId(QUEUE_NAMESPACE, queued.get(i));
      assertThat(kfp.runsOfNamespace(QUEUE_NAMESPACE)).as("KFP's runs once " + queued.get(i) + " was admitted")
          .hasSize(i + 1);
      for (String waiting : queued.subList(i + 1, queued.size())) {
        assertThat(runIdOf(QUEUE_NAMESPACE, waiting)).as(waiting + " has no KFP run yet").isEmpty();
        assertThat(runField(QUEUE_NAMESPACE, waiting, condition(RunConditions.SUBMITTED, "reason")))
            .as(waiting + " waits in the queue").isEqualTo(RunConditions.REASON_QUEUED);
      }
      kfp.report(runId, "Succeeded");
      awaitState(QUEUE_NAMESPACE, queued.get(i), "SUCCEEDED");
    }

    List<JsonNode> runs = kfp.runsOfNamespace(QUEUE_NAMESPACE).stream()
        .sorted(Comparator.comparing((JsonNode run) -> Instant.parse(run.path("created_at").asText()))
            .thenComparing(run -> KfpInCluster.owner(run).orElseThrow().name()))
        .toList();
    assertThat(runs).extracting(run -> KfpInCluster.owner(run).orElseThrow().name())
        .as("KFP's runs in the order KFP created them").containsExactlyElementsOf(queued);
    for (int i = 1; i < runs.size(); i++) {
      Instant created = Instant.parse(runs.get(i).path("created_at").asText());
      Instant previousFinished = Instant.parse(runs.get(i - 1).path("finished_at").asText());
      assertThat(created).as("never two active: " + queued.get(i) + " created after " + queued.get(i - 1)
          + " finished").isAfterOrEqualTo(previousFinished);
    }
  }

  @Test
  @Order(5)
  void argoCdHealthOfARunningAndAFailedRun() {
    apply(runByIdYaml(RUN_NAMESPACE, "health-running", ""));
    apply(runByIdYaml(RUN_NAMESPACE, "health-failed", ""));
    kfp.report(awaitRunId(RUN_NAMESPACE, "health-running"), "Running");
    String failed = awaitRunId(RUN_NAMESPACE, "health-failed");
    kfp.report(failed, "Running");
    kfp.report(failed, "Failed");
    awaitState(RUN_NAMESPACE, "health-running", "RUNNING");
    awaitState(RUN_NAMESPACE, "health-failed", "FAILED");

    JsonNode running = argoCdHealth(RUN_NAMESPACE, "health-running");
    JsonNode degraded = argoCdHealth(RUN_NAMESPACE, "health-failed");
    assertThat(running.path("status").asText()).as("Argo CD's health of a RUNNING Run: " + running)
        .isEqualTo("Progressing");
    assertThat(degraded.path("status").asText()).as("Argo CD's health of a FAILED Run: " + degraded)
        .isEqualTo("Degraded");
  }

  @Test
  @Order(6)
  void killingTheOperatorPodMidSubmissionLeavesNoDuplicatesAndNoOrphans() {
    kubectl("create", "namespace", LOAD_NAMESPACE);
    String killed = operatorPod();
    apply(IntStream.rangeClosed(1, LOAD_RUNS).mapToObj(i -> runByIdYaml(LOAD_NAMESPACE, loadRun(i), ""))
        .collect(Collectors.joining("---\n")));
    List<String> atKill = await("the operator claims its first create").atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> loadRunsWith("{.status.claim.holder}"), claimed -> !claimed.isEmpty());
    kubectl("-n", RELEASE_NAMESPACE, "delete", "pod", killed, "--grace-period=0", "--force");
    kubectl("-n", RELEASE_NAMESPACE, "rollout", "status", "deployment/" + DEPLOYMENT, "--timeout=180s");
    String successor = await("a new operator pod").atMost(Duration.ofMinutes(2)).until(ClusterEndToEndIT::operatorPod,
        pod -> !pod.isEmpty() && !pod.equals(killed));

    // a create in flight at the kill holds its Run back for one create window (80 s with the chart's timeouts)
    await("every Run of the load is submitted").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
        .until(() -> loadRunsWith("{.status.runId}").size() == LOAD_RUNS);
    Map<String, String> uids = loadRuns("{.metadata.uid}");
    Map<String, String> runIds = loadRuns("{.status.runId}");
    Map<String, String> holders = loadRuns("{.status.claim.holder}");
    List<JsonNode> kfpRuns = kfp.runsOfNamespace(LOAD_NAMESPACE);
    Map<String, List<String>> kfpRunsByRun = kfpRuns.stream().collect(Collectors.groupingBy(
        run -> KfpInCluster.owner(run).orElseThrow().name(), TreeMap::new,
        Collectors.mapping(run -> run.path("run_id").asText(), Collectors.toList())));
    long byKilled = holders.values().stream().filter(holder -> holder.startsWith(killed)).count();
    String successorLog = kubectl("-n", RELEASE_NAMESPACE, "logs", successor);
    Map<String, Long> bySuccessor = Pattern.compile("(?m) " + LOAD_NAMESPACE + "/load-\\d+: (Submitted|Adopted): ")
        .matcher(successorLog).results().collect(Collectors.groupingBy(m -> m.group(1), TreeMap::new,
            Collectors.counting()));
    System.out.println("operator pod killed once " + atKill.size() + " of " + LOAD_RUNS + " Runs were claimed; "
        + "claims left by the killed pod: " + byKilled + "; its successor's log: " + bySuccessor + "; KFP runs: "
        + kfpRuns.size());

    assertThat(byKilled).as("Runs the killed pod claimed").isPositive();
    assertThat(bySuccessor).as("Runs its successor submitted or adopted: the kill came mid-submission")
        .isNotEmpty();
    assertThat(kfpRunsByRun.values()).as("no duplicates: one KFP run per Run").allSatisfy(ids ->
        assertThat(ids).hasSize(1));
    assertThat(kfpRunsByRun.keySet()).as("no orphans: every KFP run belongs to a Run, and every Run has one")
        .isEqualTo(uids.keySet());
    assertThat(kfpRuns).as("each KFP run's marker names its Run's uid").allSatisfy(run -> {
      KfpInCluster.Owner owner = KfpInCluster.owner(run).orElseThrow();
      assertThat(owner.uid()).isEqualTo(uids.get(owner.name()));
    });
    assertThat(runIds).as("each Run shows its KFP run").isEqualTo(kfpRunsByRun.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0))));
    assertThat(kfp.runs()).as("every KFP run in the cluster carries a Run's marker")
        .allSatisfy(run -> assertThat(KfpInCluster.owner(run)).isPresent());
  }

  @Test
  @Order(7)
  void memoryUnderTheTiersLoadStaysUnderTheChartsLimit() {
    Map<String, String> runIds = loadRuns("{.status.runId}");
    assertThat(runIds).as("the load's Runs").hasSize(LOAD_RUNS);
    runIds.values().forEach(runId -> kfp.report(runId, "Succeeded"));
    await("every Run of the load reaches SUCCEEDED").atMost(STATE_CHANGE).pollInterval(Duration.ofSeconds(2))
        .until(() -> loadRunsWith("{.status.state}").stream().filter("SUCCEEDED"::equals).count() == LOAD_RUNS);

    String pod = operatorPod();
    long peak = peakMemory(pod);
    System.out.println("the operator pod's peak memory after " + LOAD_RUNS + " Runs submitted and followed: "
        + peak / (1024 * 1024) + " MiB of " + memoryLimit(pod) / (1024 * 1024) + " MiB");
    assertThat(peak).as("the pod's peak memory under the tier's load").isPositive().isLessThan(memoryLimit(pod));
  }

  @Test
  @Order(8)
  void helmUpgradeKeepsTheRunsAndUninstallKeepsTheCrdsThenKubectlApplyKInstallsTheSamePod() throws Exception {
    String pod = operatorPod();
    helm("upgrade", "kfp-run-operator", "helm/kfp-run-operator", "--reuse-values", "--set", "replicaCount=2",
        "--wait", "--timeout", "3m");
    List<String> pods = List.of(kubectl("-n", RELEASE_NAMESPACE, "get", "pods", "-l",
        "app.kubernetes.io/name=kfp-run-operator", "--field-selector", "status.phase=Running", "-o",
        "jsonpath={.items[*].metadata.name}").split(" "));
    assertThat(pods).as("two replicas, both Ready after helm upgrade --wait").hasSize(2).contains(pod);
    assertThat(kubectl("-n", RELEASE_NAMESPACE, "get", "lease", OperatorCommand.LEASE_NAME, "-o",
        "jsonpath={.spec.holderIdentity}")).as("one Lease, still held by the first replica").startsWith(pod);

    // helm upgrade to a new image tag: new pods take over, keep every Run's KFP run and submit nothing again
    String runId = runIdOf(RUN_NAMESPACE, RUN);
    int kfpRunsBefore = kfp.runs().size();
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
    awaitRunId(RUN_NAMESPACE, RUN + "-after-upgrade");
    assertThat(runIdOf(RUN_NAMESPACE, RUN)).as("the first Run keeps its KFP run").isEqualTo(runId);
    assertThat(kfp.runs()).as("KFP's runs: the new Run's one more, none submitted twice")
        .hasSize(kfpRunsBefore + 1);
    assertThat(kfp.runsOf(RUN_NAMESPACE, RUN + "-after-upgrade")).as("the new Run's KFP runs").hasSize(1);

    helm("uninstall", "kfp-run-operator", "--wait");
    assertThat(kubectl("get", "crd", "-o", "name")).as("the CRDs stay after helm uninstall")
        .contains("runs.pipelines.kfp.dev", "runqueues.pipelines.kfp.dev");
    assertThat(kubectl("-n", RUN_NAMESPACE, "get", "run", "-o", "name")).as("and so do the Runs")
        .contains(RUN);

    kubectl("apply", "-k", "deploy/");
    kubectl("-n", RELEASE_NAMESPACE, "rollout", "status", "deployment/" + DEPLOYMENT, "--timeout=180s");
    assertRunsUnprivileged(operatorPod());
  }

  /** The pod's process: uid 10001, no capabilities, no new privileges; its root filesystem refuses a write. */
  private static void assertRunsUnprivileged(String pod) {
    String status = kubectl("-n", RELEASE_NAMESPACE, "exec", pod, "--", "cat", "/proc/1/status");
    assertThat(status).containsPattern("(?m)^Uid:\\s+10001\\s").containsPattern("(?m)^CapEff:\\s+0+$")
        .containsPattern("(?m)^NoNewPrivs:\\s+1$");
    assertThat(command(kubectlCommand("-n", RELEASE_NAMESPACE, "exec", pod, "--", "touch", "/app/written"))
        .exit()).as("the root filesystem is read-only").isNotZero();
  }

  /** The running operator pod (the first, with two replicas); empty while there is none. */
  private static String operatorPod() {
    return kubectl("-n", RELEASE_NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/name=kfp-run-operator",
        "--field-selector", "status.phase=Running", "-o", "jsonpath={.items[0].metadata.name}");
  }

  private static long memoryLimit(String pod) {
    return Long.parseLong(kubectl("-n", RELEASE_NAMESPACE, "exec", pod, "--", "cat",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes"));
  }

  /** The container's peak memory (cgroup v1, as this machine has). */
  private static long peakMemory(String pod) {
    return Long.parseLong(kubectl("-n", RELEASE_NAMESPACE, "exec", pod, "--", "cat",
        "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"));
  }

  private static String metricsService() {
    return kubectl("-n", RELEASE_NAMESPACE, "get", "service", DEPLOYMENT + "-metrics", "-o",
        "jsonpath={.spec.clusterIP}:{.spec.ports[0].port}");
  }

  /** The operator's calls to KFP so far, by endpoint, from its /metrics scraped through the Service. */
  private static Map<String, Long> kfpCalls() throws Exception {
    Map<String, Long> calls = new TreeMap<>();
    Matcher line = CALL_COUNT.matcher(get(metricsService(), "/metrics").body());
    while (line.find()) {
      Matcher endpoint = ENDPOINT.matcher(line.group(1));
      if (endpoint.find()) {
        calls.merge(endpoint.group(1), (long) Double.parseDouble(line.group(2)), Long::sum);
      }
    }
    return calls;
  }

  private static Map<String, Long> actionsSince(Map<String, Long> before, Set<String> endpoints)
      throws Exception {
    Map<String, Long> now = kfpCalls();
    return endpoints.stream().collect(Collectors.toMap(e -> e, e -> now.getOrDefault(e, 0L)
        - before.getOrDefault(e, 0L)));
  }

  /** The pipeline uploaded to KFP under {@link #PIPELINE_NAME}, uploaded on first use. */
  private static String storedPipelineId() {
    if (pipelineId == null) {
      pipelineId = kfp.upload(PIPELINE_NAME, CompiledPipelines.yaml("pipeline_with_condition"));
    }
    return pipelineId;
  }

  /** A Run of the stored pipeline by id, with more spec fields (YAML lines). */
  private static String runByIdYaml(String namespace, String name, String extraSpec) {
    return """
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: %s}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
        %s""".formatted(name, namespace, storedPipelineId(), extraSpec.indent(2));
  }

  private static String loadRun(int i) {
    return "load-%02d".formatted(i);
  }

  /** The load's Runs with a non-empty value at {@code jsonpath}: the values. */
  private static List<String> loadRunsWith(String jsonpath) {
    return loadRuns(jsonpath).values().stream().filter(value -> !value.isEmpty()).toList();
  }

  /** Every Run of the load namespace, by name, with the value at {@code jsonpath} (empty when it has none). */
  private static Map<String, String> loadRuns(String jsonpath) {
    String lines = kubectl("-n", LOAD_NAMESPACE, "get", "runs", "-o",
        "jsonpath={range .items[*]}{.metadata.name}=" + jsonpath + "{\"\\n\"}{end}");
    return Arrays.stream(lines.split("\n")).filter(line -> !line.isBlank())
        .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')),
            line -> line.substring(line.indexOf('=') + 1).strip(), (a, b) -> a, TreeMap::new));
  }

  /** {@code kubectl apply -f} of a manifest. */
  private static void apply(String yaml) {
    try {
      Path manifest = Files.createTempFile("cluster-e2e-", ".yaml");
      try {
        Files.writeString(manifest, yaml);
        kubectl("apply", "-f", manifest.toString());
      } finally {
        Files.delete(manifest);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot write a manifest: " + e.getMessage(), e);
    }
  }

  /** A jsonpath of a condition's field, e.g. the reason of {@code Succeeded}. */
  private static String condition(String type, String field) {
    return "{.status.conditions[?(@.type==\"" + type + "\")]." + field + "}";
  }

  private static String runField(String namespace, String name, String jsonpath) {
    return kubectl("-n", namespace, "get", "run", name, "-o", "jsonpath=" + jsonpath);
  }

  private static String awaitRunField(String namespace, String name, String jsonpath, Predicate<String> until) {
    return await(namespace + "/" + name + " " + jsonpath).atMost(STATE_CHANGE).pollInterval(Duration.ofSeconds(1))
        .until(() -> runField(namespace, name, jsonpath), until::test);
  }

  private static String awaitRunId(String namespace, String name) {
    return awaitRunField(namespace, name, "{.status.runId}", id -> !id.isEmpty());
  }

  private static void awaitState(String namespace, String name, String state) {
    awaitRunField(namespace, name, "{.status.state}", state::equals);
  }

  private static String runIdOf(String namespace, String name) {
    return runField(namespace, name, "{.status.runId}");
  }

  /** Argo CD's health script (the project's Lua, as Argo CD runs it) on the Run as the cluster holds it. */
  private static JsonNode argoCdHealth(String namespace, String name) {
    try {
      return ArgoCdLua.run(ArgoCdLua.DIR.resolve("health.lua"), ArgoCdLua.YAML.readTree(
          kubectl("-n", namespace, "get", "run", name, "-o", "json")));
    } catch (IOException e) {
      throw new AssertionError("kubectl's JSON of " + namespace + "/" + name + ": " + e.getMessage(), e);
    }
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

  private static HttpResponse<String> get(String hostAndPort, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + hostAndPort + path))
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
