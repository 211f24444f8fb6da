package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpExperiment;
import dev.kfp.operator.kfp.KfpPipeline;
import dev.kfp.operator.kfp.ListPipelineVersionsRequest;
import dev.kfp.operator.kfp.ListPipelineVersionsResponse;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.kfp.ReadArtifactResponse;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Answers from KFP that cannot be trusted (unknown state, a different or missing run id, a body that is not
 * JSON) leave the Run's last known state in place, say so in {@code Synced}, and do not crash or loop.
 */
@MockApiTier
class KfpBadAnswersTest {

  /** How a GetRun answer is spoiled. */
  enum Spoil {
    UNKNOWN_STATE, OTHER_RUN, NO_RUN_ID, NO_STATE, NOT_JSON
  }

  private final AtomicReference<Spoil> spoil = new AtomicReference<>();
  /** Moved on by the test; each spoiled answer belongs to the epoch current when it was asked for. */
  private final AtomicInteger epoch = new AtomicInteger();
  /** Per epoch: how many reconciles of the Run had finished when its first answer was spoiled. */
  private final Map<Integer, Integer> reconcilesBeforeFirstSpoiledAnswer = new ConcurrentHashMap<>();
  private OperatorHarness harness;
  /** The one Run of the test. */
  private String name;

  /** Per-run sync reads with GET, bulk sync with lists; the spoiling client spoils both. */
  private void startWithVersionRefRun(String name, boolean pollsEachRun) {
    this.name = name;
    harness = OperatorHarness.start(pollsEachRun, simulator -> { }, client -> new SpoilingClient(client));
    harness.applyVersionRefRun(name, harness.registerPlainPipeline());
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  @ParameterizedTest
  @EnumSource(Spoil.class)
  void aBadAnswerKeepsTheLastKnownStateAndIsReported(Spoil kind) {
    startWithVersionRefRun("spoiled", true);
    harness.awaitState("spoiled", "PENDING");
    harness.clock.advance(OperatorHarness.TIMING.pending());
    harness.awaitState("spoiled", "RUNNING");

    spoil.set(kind);
    harness.awaitRun("spoiled", run -> run.getStatus().condition(RunConditions.SYNCED)
        .map(c -> "False".equals(c.getStatus())).orElse(false));
    // KFP's run finishes, and every answer about it comes spoiled.
    harness.clock.advance(OperatorHarness.TIMING.running());

    assertLastKnownStateKept(awaitReconcileOfASpoiledAnswer());
    assertLastKnownStateKept(awaitReconcileOfASpoiledAnswer());

    spoil.set(null);
    Run recovered = harness.awaitState("spoiled", "SUCCEEDED");
    assertThat(recovered.getStatus().isTrue(RunConditions.SYNCED)).isTrue();
  }

  /**
   * The Run as the reconcile of a spoiled answer asked for after this call left it: the client notes how many
   * of the Run's reconciles had finished when it spoiled the first such answer, and the Run's reconciles run
   * one at a time, so one more finished is the one that got it.
   */
  private Run awaitReconcileOfASpoiledAnswer() {
    int asked = epoch.incrementAndGet();
    int finishedBefore = await().atMost(Duration.ofSeconds(30))
        .until(() -> reconcilesBeforeFirstSpoiledAnswer.get(asked), Objects::nonNull);
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.reconciles(name) > finishedBefore);
    return harness.get(name);
  }

  private static void assertLastKnownStateKept(Run run) {
    assertThat(run.getStatus().getState()).as("no regression, no invented state").isEqualTo("RUNNING");
    Condition synced = run.getStatus().condition(RunConditions.SYNCED).orElseThrow();
    assertThat(synced.getStatus()).as(synced.getMessage()).isEqualTo("False");
    assertThat(synced.getMessage()).containsAnyOf("last known state RUNNING", "RUNNING kept");
    assertThat(run.getStatus().condition(RunConditions.SUCCEEDED).map(Condition::getStatus)).hasValue("Unknown");
  }

  @ParameterizedTest(name = "polling each run: {0}")
  @ValueSource(booleans = {true, false})
  void theReasonNamesTheProblem(boolean pollsEachRun) {
    startWithVersionRefRun("unknown-state", pollsEachRun);
    harness.awaitState("unknown-state", "PENDING");

    spoil.set(Spoil.UNKNOWN_STATE);
    // the run moves in KFP, so the bulk sync's change-only list names it (and its answer comes spoiled)
    harness.clock.advance(OperatorHarness.TIMING.pending());

    Run run = harness.awaitRun("unknown-state", r -> r.getStatus().condition(RunConditions.SYNCED)
        .map(c -> "False".equals(c.getStatus())).orElse(false));
    Condition synced = run.getStatus().condition(RunConditions.SYNCED).orElseThrow();
    assertThat(synced.getReason()).isEqualTo(RunConditions.REASON_KFP_BAD_ANSWER);
    assertThat(synced.getMessage()).contains("a state this operator does not know", "last known state PENDING");
  }

  /** Passes every call through, spoiling GetRun answers (and list answers, for an unknown state) while asked to. */
  private final class SpoilingClient implements KfpClient {
    private final KfpClient delegate;

    SpoilingClient(KfpClient delegate) {
      this.delegate = delegate;
    }

    /** Notes the answer as spoiled, in the epoch when it was asked for. */
    private void spoiled(int askedIn) {
      reconcilesBeforeFirstSpoiledAnswer.computeIfAbsent(askedIn, e -> harness.reconciles(name));
    }

    @Override
    public KfpRun getRun(String runId) {
      int askedIn = epoch.get();
      KfpRun run = delegate.getRun(runId);
      Spoil kind = spoil.get();
      if (kind == null) {
        return run;
      }
      spoiled(askedIn);
      UnaryOperator<KfpRun> change = switch (kind) {
        case UNKNOWN_STATE -> r -> with(r, r.runId(), KfpRuntimeState.UNRECOGNIZED);
        case OTHER_RUN -> r -> with(r, "someone-else", r.state());
        case NO_RUN_ID -> r -> with(r, null, r.state());
        case NO_STATE -> r -> with(r, r.runId(), null);
        case NOT_JSON -> r -> {
          throw new KfpException("GetRun", 200, null, "unreadable response body: Unexpected character ('<')",
              false, false, null, null);
        };
      };
      return change.apply(run);
    }

    private static KfpRun with(KfpRun r, String runId, KfpRuntimeState state) {
      return new KfpRun(r.experimentId(), runId, r.displayName(), r.storageState(), r.description(),
          r.pipelineVersionReference(), r.pipelineSpec(), r.runtimeConfig(), r.serviceAccount(), r.createdAt(),
          r.scheduledAt(), r.finishedAt(), state, r.error(), r.runDetails(), r.recurringRunId(), r.stateHistory(),
          r.pluginsInput());
    }

    @Override
    public KfpRun createRun(KfpRun run) {
      return delegate.createRun(run);
    }

    @Override
    public ListRunsResponse listRuns(ListRunsRequest request) {
      int askedIn = epoch.get();
      ListRunsResponse page = delegate.listRuns(request);
      if (spoil.get() != Spoil.UNKNOWN_STATE) {
        return page;
      }
      spoiled(askedIn);
      return new ListRunsResponse(page.runs().stream()
          .map(r -> with(r, r.runId(), KfpRuntimeState.UNRECOGNIZED)).toList(), page.totalSize(),
          page.nextPageToken());
    }

    @Override
    public void archiveRun(String runId) {
      delegate.archiveRun(runId);
    }

    @Override
    public void unarchiveRun(String runId) {
      delegate.unarchiveRun(runId);
    }

    @Override
    public void terminateRun(String runId) {
      delegate.terminateRun(runId);
    }

    @Override
    public void retryRun(String runId) {
      delegate.retryRun(runId);
    }

    @Override
    public void deleteRun(String runId) {
      delegate.deleteRun(runId);
    }

    @Override
    public KfpExperiment getExperiment(String experimentId) {
      return delegate.getExperiment(experimentId);
    }

    @Override
    public KfpPipeline getPipelineByName(String name, String namespace) {
      return delegate.getPipelineByName(name, namespace);
    }

    @Override
    public ListPipelineVersionsResponse listPipelineVersions(ListPipelineVersionsRequest request) {
      return delegate.listPipelineVersions(request);
    }

    @Override
    public ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName) {
      return delegate.readArtifact(runId, nodeId, artifactName);
    }
  }
}
