package dev.kfp.operator.sandbox;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunSchedule;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The sample Runs of {@code deploy/examples/}, what the sandbox does to each (as a user would with
 * {@code kubectl annotate}), and the end state each must reach: a test of the Run as it is now, or of null once
 * it is gone (every sample is applied before the sandbox looks); a queued sample also names the Run whose KFP
 * run must have finished before its own was created ({@code after}). A Run a RunSchedule creates has a name
 * nobody writes: {@code pick} finds it among the Runs (null: the Run is {@code runName}, which then only labels
 * the row).
 */
record SandboxScenario(String file, String runName, String expectation, Predicate<Run> reached,
    String actWhenState, Map<String, String> annotations, String after, Predicate<Run> pick) {

  SandboxScenario(String file, String runName, String expectation, Predicate<Run> reached, String actWhenState,
      Map<String, String> annotations) {
    this(file, runName, expectation, reached, actWhenState, annotations, null, null);
  }

  static final String PIPELINE_ID = "6f1c2a4e-0b7d-4c3a-9e55-2d8f0a1b3c4d";
  static final String PIPELINE_VERSION_ID = "a9d3e7f1-24c6-4b0e-8f19-7e5d6c4b3a21";
  /** The id of the sample pipeline's version with display name v2, which by-name.yaml names. */
  static final String NAMED_VERSION_ID = "3c8b1f5e-9a2d-4e7f-b6c0-1d4e5f6a7b8c";
  static final String RETRY_TOKEN = "sandbox-retry-1";

  /** The samples with the simulator's ids, those in the manifests. */
  static List<SandboxScenario> all() {
    return all(PIPELINE_ID, NAMED_VERSION_ID);
  }

  /**
   * The samples where KFP gave the sample pipeline {@code pipelineId} and its version v2 {@code namedVersionId}
   * (KFP's own server makes up its ids; the sandbox puts them into the manifests it applies).
   */
  static List<SandboxScenario> all(String pipelineId, String namedVersionId) {
    return List.of(
        new SandboxScenario("version-ref.yaml", "hello-from-version", "SUCCEEDED",
            run -> succeeded(run, "True", "Succeeded"), null, Map.of()),
        new SandboxScenario("compiled-pipeline.yaml", "compiled-pipeline", "SUCCEEDED",
            run -> succeeded(run, "True", "Succeeded"), null, Map.of()),
        new SandboxScenario("flaky-then-retried.yaml", "flaky-training", "FAILED, retried, then SUCCEEDED",
            run -> succeeded(run, "True", "Succeeded") && RETRY_TOKEN.equals(run.getStatus().getLastRetry()),
            "FAILED", Map.of(Run.RETRY_ANNOTATION, RETRY_TOKEN)),
        new SandboxScenario("terminated.yaml", "long-training", "terminated while RUNNING, ends FAILED/Terminated",
            run -> succeeded(run, "False", RunConditions.REASON_TERMINATED), "RUNNING",
            Map.of(Run.TERMINATE_ANNOTATION, "true")),
        new SandboxScenario("archived.yaml", "archived-run", "SUCCEEDED and ARCHIVED",
            run -> succeeded(run, "True", "Succeeded") && "ARCHIVED".equals(run.getStatus().getStorageState()),
            null, Map.of()),
        new SandboxScenario("deadline.yaml", "bounded-training", "terminated at its deadline, ends DeadlineExceeded",
            run -> succeeded(run, "False", RunConditions.REASON_DEADLINE_EXCEEDED)
                && run.getStatus().getFinishedAt() != null,
            null, Map.of()),
        new SandboxScenario("by-name.yaml", "training-by-name", "by pipeline name, SUCCEEDED with the ids in status",
            run -> succeeded(run, "True", "Succeeded") && pipelineId.equals(run.getStatus().getPipelineId())
                && namedVersionId.equals(run.getStatus().getPipelineVersionId()),
            null, Map.of()),
        new SandboxScenario("cleanup.yaml", "short-lived-training",
            "SUCCEEDED, then deleted by its ttlSecondsAfterFinished", Objects::isNull, null, Map.of()),
        queued("queued-1", null),
        queued("queued-2", "queued-1"),
        queued("queued-3", "queued-2"),
        scheduled("every-minute slot", "the Run of its first slot SUCCEEDED", false),
        scheduled("every-minute run-now", "the Run of its run-now token SUCCEEDED", true));
  }

  /** A Run of the schedule sample: of a slot (no trigger annotation) or of the "run now" token. */
  private static SandboxScenario scheduled(String label, String expectation, boolean runNow) {
    return new SandboxScenario("schedule.yaml", label, expectation, run -> succeeded(run, "True", "Succeeded"), null,
        Map.of(), null, run -> "every-minute".equals(run.getMetadata().getLabels() == null ? null
            : run.getMetadata().getLabels().get(RunSchedule.SCHEDULE_LABEL))
            && runNow == (run.annotation(RunSchedule.TRIGGER_ANNOTATION) != null));
  }

  /** A Run of the queue sample (maxActive 1): SUCCEEDED, and created in KFP only after {@code after} finished. */
  private static SandboxScenario queued(String runName, String after) {
    return new SandboxScenario("queue.yaml", runName, after == null ? "SUCCEEDED, first in its queue"
        : "SUCCEEDED, submitted after " + after + " finished", run -> succeeded(run, "True", "Succeeded"), null,
        Map.of(), after, null);
  }

  private static boolean succeeded(Run run, String status, String reason) {
    if (run == null || run.getStatus() == null) {
      return false;
    }
    Condition condition = run.getStatus().condition(RunConditions.SUCCEEDED).orElse(null);
    return condition != null && status.equals(condition.getStatus()) && reason.equals(condition.getReason());
  }
}
