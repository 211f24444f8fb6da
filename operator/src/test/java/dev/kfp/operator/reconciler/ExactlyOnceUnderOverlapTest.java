package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.RunOperator;
import dev.kfp.operator.api.DeletionPolicy;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.reconciler.status.StatusWriter;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.RunSnapshot;
import dev.kfp.operator.simulator.StorageState;
import dev.kfp.operator.tiers.MockApiTier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly once where the marker search alone is not enough (docs/developing/exactly-once.md): creates that KFP is still
 * storing when the client gives up, a deletion during such a create, two instances without leader election,
 * an instance stopped mid-reconcile, and a writer holding an old resourceVersion. Against the Fabric8 mock and
 * the simulator; each test prints its figures.
 */
@MockApiTier
class ExactlyOnceUnderOverlapTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private OperatorHarness harness;
  private PipelineVersion pipeline;

  private void start() {
    harness = OperatorHarness.start();
    pipeline = harness.registerPlainPipeline();
  }

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  private List<String> applyRuns(String prefix, int count) {
    List<String> names = IntStream.range(0, count).mapToObj(i -> String.format("%s-%02d", prefix, i)).toList();
    names.forEach(name -> harness.applyVersionRefRun(name, pipeline));
    return names;
  }

  private List<Run> runs() {
    return harness.k8s().resources(Run.class).inNamespace(OperatorHarness.NAMESPACE).list().getItems();
  }

  private void awaitAllSubmitted(int count) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> runs().stream()
        .filter(r -> r.getStatus() != null && r.getStatus().getRunId() != null).count() == count);
  }

  /** Runs with other than one KFP run carrying their marker, or whose status names another; KFP runs of no Run. */
  private List<String> duplicatesAndOrphans() {
    List<String> problems = new ArrayList<>();
    List<RunSnapshot> kfpRuns = harness.kfp.runs();
    List<Run> runs = runs();
    for (Run run : runs) {
      String marker = "uid=" + run.getMetadata().getUid() + "]";
      List<RunSnapshot> carriers = kfpRuns.stream()
          .filter(r -> r.description() != null && r.description().contains(marker)).toList();
      String recorded = run.getStatus() == null ? null : run.getStatus().getRunId();
      if (carriers.size() != 1) {
        problems.add(run.getMetadata().getName() + ": " + carriers.size() + " KFP runs");
      } else if (!Objects.equals(carriers.get(0).runId(), recorded)) {
        problems.add(run.getMetadata().getName() + ": status names " + recorded);
      }
    }
    kfpRuns.stream().filter(k -> runs.stream().noneMatch(r -> k.runId().equals(
            r.getStatus() == null ? null : r.getStatus().getRunId())))
        .forEach(k -> problems.add("KFP run " + k.runId() + " belongs to no Run (orphan)"));
    return problems;
  }

  @ParameterizedTest(name = "latency {0} x the client timeout")
  @ValueSource(doubles = {1.5, 3.0})
  void aCreateSlowerThanTheClientTimeoutIsAdoptedOnceItShowsNeverSentTwice(double factor) {
    start();
    Duration latency = Duration.ofMillis((long) (OperatorHarness.KFP_TIMEOUT.toMillis() * factor));
    harness.kfp.faults().inject(Fault.latency(latency).on(Endpoint.CREATE_RUN));

    applyRuns("slow", 5);
    awaitAllSubmitted(5);

    long creates = harness.kfp.calls().count(Endpoint.CREATE_RUN);
    List<String> problems = duplicatesAndOrphans();
    System.out.printf("slow creates: latency %.1f s = %.1fx the %d s client timeout, create window %d s: 5 Runs, "
            + "%d create calls, %d KFP runs, %d duplicates or orphans%n", latency.toMillis() / 1000.0, factor,
        OperatorHarness.KFP_TIMEOUT.toSeconds(), OperatorHarness.CREATE_WINDOW.toSeconds(), creates,
        harness.kfp.runs().size(), problems.size());
    assertThat(problems).isEmpty();
    assertThat(creates).as("create calls").isEqualTo(5);
    assertThat(runs()).allSatisfy(run -> assertThat(run.getStatus().getClaim().attempt()).isEqualTo(1));
  }

  @ParameterizedTest(name = "deletionPolicy {0}")
  @EnumSource(DeletionPolicy.class)
  void aRunDeletedWhileItsCreateIsSlowGetsItsDeletionPolicyAppliedToTheLateRun(DeletionPolicy policy) {
    start();
    Duration latency = OperatorHarness.KFP_TIMEOUT.multipliedBy(3);
    harness.kfp.faults().inject(Fault.latency(latency).on(Endpoint.CREATE_RUN));
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: deleted-early}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
          deletionPolicy: %s
        """.formatted(pipeline.pipelineId(), policy));
    await().atMost(WAIT).until(() -> harness.kfp.calls().count(Endpoint.CREATE_RUN) == 1);

    harness.delete("deleted-early");
    await().atMost(WAIT).until(() -> harness.get("deleted-early") == null);
    if (policy == DeletionPolicy.Orphan) {
      await().atMost(WAIT).until(() -> harness.kfp.runs().size() == 1); // left alone, so it shows in its time
    }

    List<RunSnapshot> left = harness.kfp.runs();
    System.out.printf("deletion during a slow create (latency %d s, client timeout %d s), policy %s: %d create "
            + "call(s); KFP runs left: %s%n", latency.toSeconds(), OperatorHarness.KFP_TIMEOUT.toSeconds(), policy,
        harness.kfp.calls().count(Endpoint.CREATE_RUN),
        left.stream().map(r -> r.state() + "/" + r.storageState()).toList());
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
    switch (policy) {
      case Delete -> assertThat(left).as("the late run was deleted").isEmpty();
      case Archive -> assertThat(left).singleElement()
          .satisfies(run -> assertThat(run.storageState()).isEqualTo(StorageState.ARCHIVED));
      case Orphan -> assertThat(left).singleElement()
          .satisfies(run -> assertThat(run.storageState()).isEqualTo(StorageState.AVAILABLE));
    }
  }

  @Test
  void twoInstancesWithoutLeaderElectionMakeOneKfpRunPerRun() {
    start();
    harness.kfp.faults().inject(Fault.latency(Duration.ZERO, Duration.ofMillis(300)));
    RunOperator second = harness.startAnotherInstance();

    applyRuns("raced", 50);
    awaitAllSubmitted(50);

    Map<String, Long> byHolder = runs().stream().collect(Collectors.groupingBy(
        run -> run.getStatus().getClaim() == null ? "adopted" : run.getStatus().getClaim().holder().equals(
            second.instance()) ? "second" : "first", Collectors.counting()));
    List<String> problems = duplicatesAndOrphans();
    System.out.printf("two instances without leader election: 50 Runs, %d create calls, %d KFP runs, created by "
            + "instance %s, %d duplicates or orphans%n", harness.kfp.calls().count(Endpoint.CREATE_RUN),
        harness.kfp.runs().size(), byHolder, problems.size());
    assertThat(problems).isEmpty();
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(50);
  }

  @Test
  void anInstanceStoppedMidReconcileAndANewOneStartedAtOnceMakeOneKfpRunPerRun() {
    start();
    harness.kfp.faults().inject(Fault.latency(OperatorHarness.KFP_TIMEOUT.multipliedBy(3).dividedBy(4))
        .on(Endpoint.CREATE_RUN));
    applyRuns("handover", 10);
    await().atMost(WAIT).until(() -> harness.kfp.calls().count(Endpoint.CREATE_RUN) >= 1);

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(harness::stopOperator);
    harness.startAnotherInstance();
    stopping.join();
    awaitAllSubmitted(10);

    List<String> problems = duplicatesAndOrphans();
    System.out.printf("instance stopped mid-reconcile, another started at once: 10 Runs, %d create calls, %d KFP "
            + "runs, %d duplicates or orphans%n", harness.kfp.calls().count(Endpoint.CREATE_RUN),
        harness.kfp.runs().size(), problems.size());
    assertThat(problems).isEmpty();
  }

  @Test
  void aWriterHoldingAnOldResourceVersionNeverErasesTheRunIdNorMovesTheStateBack() {
    start();
    harness.applyVersionRefRun("stale", pipeline);
    Run old = harness.awaitState("stale", "PENDING");
    harness.clock.advance(OperatorHarness.TIMING.pending());
    Run current = harness.awaitState("stale", "RUNNING");

    StatusWriter staleWriter = new StatusWriter(old, harness.k8s(), (stored, read) -> { });
    old.getStatus().setRunId(null);
    old.getStatus().setConditions(null);
    StatusWriter.Outcome outcome = staleWriter.write();
    Run after = harness.get("stale");

    System.out.printf("stale status write: resourceVersion %s against %s -> %s; runId %s, state %s kept%n",
        old.getMetadata().getResourceVersion(), current.getMetadata().getResourceVersion(), outcome,
        after.getStatus().getRunId(), after.getStatus().getState());
    assertThat(outcome).isEqualTo(StatusWriter.Outcome.STALE);
    assertThat(after.getStatus().getRunId()).isEqualTo(current.getStatus().getRunId()).isNotNull();
    assertThat(after.getStatus().getState()).isEqualTo("RUNNING");
  }

  @Test
  void aRunWhoseRunIdWasErasedIsLookedAtAgainOnTheResyncAndGetsItsOwnRunBack() {
    start();
    harness.applyVersionRefRun("erased", pipeline);
    String runId = harness.awaitState("erased", "PENDING").getStatus().getRunId();

    // What an unlocked late write did in issue 11: the run id gone, and the operator not told (status only).
    harness.k8s().resources(Run.class).inNamespace(OperatorHarness.NAMESPACE).withName("erased").editStatus(run -> {
      run.getStatus().setRunId(null);
      run.getStatus().setConditions(null);
      return run;
    });

    Run restored = harness.awaitRun("erased", run -> runId.equals(run.getStatus().getRunId()));
    System.out.printf("erased run id: looked at again on the resync (SubmissionResync), %s again after %d reconciles, %d create "
        + "call(s)%n", restored.getStatus().getRunId(), harness.reconciles("erased"),
        harness.kfp.calls().count(Endpoint.CREATE_RUN));
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
    assertThat(duplicatesAndOrphans()).isEmpty();
  }
}
