package dev.kfp.operator.reconciler.follow;

import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunFailure;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.PipelineTaskDetail;
import dev.kfp.operator.kfp.RuntimeStatus;
import dev.kfp.operator.lifecycle.RunLifecycle;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/** Copies what KFP says about a run into a Run's status, and derives the {@code Succeeded} summary. */
public final class RunObserver {

  /** The status keeps this many of the latest state changes. */
  static final int HISTORY_LIMIT = 20;
  /** A log line quoted in the condition message is cut to this length. */
  static final int LOG_LINE_LIMIT = 200;

  private final URI uiBaseUrl;

  public RunObserver(URI uiBaseUrl) {
    this.uiBaseUrl = uiBaseUrl;
  }

  /** The {@code Succeeded} condition a look at the run gives. */
  record Verdict(String status, String reason, String message) {}

  /**
   * Writes the run into the status, but not its conditions; returns the previous state when it changed, else
   * null.
   */
  String observe(RunStatus status, KfpRun run) {
    String previous = status.getState();
    String state = RunLifecycle.stateOf(run).name();
    status.setRunId(run.runId());
    status.setState(state);
    status.setStorageState(run.storageState() == null ? null : run.storageState().name());
    status.setCreatedAt(text(run.createdAt()));
    status.setScheduledAt(text(run.scheduledAt()));
    status.setFinishedAt(run.hasFinished() ? text(run.finishedAt()) : null);
    status.setError(run.error() == null || run.error().message() == null && run.error().code() == null ? null
        : new RunStatus.RunError(run.error().code(), run.error().message()));
    status.setStateHistory(history(run.stateHistory(), status.getStateHistory(), state, Instant.now()));
    if (uiBaseUrl != null) {
      String base = uiBaseUrl.toString().replaceAll("/+$", "");
      status.setRunUrl(base + "/#/runs/details/" + run.runId());
    }
    return Objects.equals(previous, state) ? null : previous;
  }

  /**
   * KFP's state history, plus the states the operator saw that KFP's history leaves out, oldest first, the latest
   * {@link #HISTORY_LIMIT}. KFP 2.17 writes no entry for CANCELING (its terminate sets only the run's state), so
   * a current state that is not the last entry is added at {@code seenAt}, the time the operator first saw it.
   * The status's history ({@code recorded}) is extended with KFP's entries newer than the newest one it holds,
   * in KFP's order, not by time (the operator's clock and KFP's may disagree); an added state is replaced by
   * KFP's own entry for it when one follows.
   */
  static List<RunStatus.StateTransition> history(List<RuntimeStatus> kfpHistory,
      List<RunStatus.StateTransition> recorded, String state, Instant seenAt) {
    if (kfpHistory == null || kfpHistory.isEmpty()) {
      return null;
    }
    List<RunStatus.StateTransition> kfp = new ArrayList<>();
    for (RuntimeStatus entry : kfpHistory) {
      kfp.add(new RunStatus.StateTransition(entry.state() == null ? null : entry.state().name(),
          text(entry.updateTime())));
    }
    int newestKnown = -1;
    if (recorded != null) {
      for (int i = 0; i < kfp.size(); i++) {
        if (recorded.contains(kfp.get(i))) {
          newestKnown = i;
        }
      }
    }
    List<RunStatus.StateTransition> transitions = new ArrayList<>(newestKnown < 0 ? List.of() : recorded);
    for (RunStatus.StateTransition entry : kfp.subList(newestKnown + 1, kfp.size())) {
      int last = transitions.size() - 1;
      if (last >= 0 && Objects.equals(transitions.get(last).state(), entry.state())
          && !kfp.contains(transitions.get(last))) {
        transitions.set(last, entry);
      } else {
        transitions.add(entry);
      }
    }
    if (!Objects.equals(transitions.get(transitions.size() - 1).state(), state)) {
      transitions.add(new RunStatus.StateTransition(state, text(seenAt)));
    }
    return List.copyOf(transitions.subList(Math.max(0, transitions.size() - HISTORY_LIMIT), transitions.size()));
  }

  /**
   * The summary of a run: Unknown while it is active, True when it succeeded or was skipped, False when it
   * failed or was canceled.
   *
   * @param terminated true when the operator terminated the run
   * @param overDeadline true when it did so because the run outlived spec.activeDeadlineSeconds
   * @param failure the diagnosis of its failure, quoted in the message, or null
   */
  static Verdict succeeded(KfpRun run, boolean terminated, boolean overDeadline, RunFailure failure) {
    KfpRuntimeState state = RunLifecycle.stateOf(run);
    if (overDeadline && state != KfpRuntimeState.SUCCEEDED && state != KfpRuntimeState.SKIPPED) {
      // Failed for good from the moment it was terminated, as a Job past its deadline is.
      return new Verdict("False", RunConditions.REASON_DEADLINE_EXCEEDED, "KFP run " + run.runId() + " was "
          + "terminated at its spec.activeDeadlineSeconds and is " + state.name());
    }
    String reason = camelCase(state.name());
    String conditionStatus;
    String message;
    switch (state) {
      case SUCCEEDED, SKIPPED -> {
        conditionStatus = "True";
        message = "KFP run " + run.runId() + " " + state.name().toLowerCase(Locale.ROOT)
            + (run.hasFinished() ? " at " + run.finishedAt() : "");
      }
      case FAILED, CANCELED -> {
        conditionStatus = "False";
        if (terminated) {
          reason = RunConditions.REASON_TERMINATED;
        }
        message = failureMessage(run, state, terminated, failure);
      }
      default -> {
        conditionStatus = "Unknown";
        message = "KFP run " + run.runId() + " is " + state.name();
      }
    }
    return new Verdict(conditionStatus, reason, message);
  }

  private static String failureMessage(KfpRun run, KfpRuntimeState state, boolean terminated,
      RunFailure failure) {
    StringBuilder text = new StringBuilder("KFP run ").append(run.runId());
    text.append(terminated ? " was terminated and ended " : " ended ").append(state.name());
    if (run.hasFinished()) {
      text.append(" at ").append(run.finishedAt());
    }
    if (run.error() != null && run.error().message() != null) {
      text.append(": ").append(run.error().message());
    }
    if (failure != null && failure.tasks() != null && !failure.tasks().isEmpty()) {
      for (RunFailure.FailedTask task : failure.tasks()) {
        text.append("; step ").append(task.name()).append(" failed: ")
            .append(abbreviate(FailureDiagnostician.summary(task)));
      }
      if (failure.omittedTasks() != null) {
        text.append("; ").append(failure.omittedTasks()).append(" more failed steps");
      }
    } else {
      List<String> failedTasks = failedTasks(run);
      if (!failedTasks.isEmpty()) {
        text.append("; failed tasks: ").append(String.join(", ", failedTasks));
      }
    }
    if (run.stateHistory() != null && !run.stateHistory().isEmpty()) {
      text.append("; states: ").append(run.stateHistory().stream()
          .map(s -> s.state() == null ? "?" : s.state().name()).collect(Collectors.joining(" -> ")));
    }
    return text.toString();
  }

  private static String abbreviate(String line) {
    return line.length() <= LOG_LINE_LIMIT ? line : line.substring(0, LOG_LINE_LIMIT - 3) + "...";
  }

  private static List<String> failedTasks(KfpRun run) {
    if (run.runDetails() == null || run.runDetails().taskDetails() == null) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (PipelineTaskDetail task : run.runDetails().taskDetails()) {
      if (task.state() == KfpRuntimeState.FAILED && task.displayName() != null) {
        names.add(task.displayName());
      }
    }
    return names;
  }

  /** {@code CANCELING} becomes {@code Canceling}, as Kubernetes condition reasons are written. */
  static String camelCase(String upperSnake) {
    StringBuilder out = new StringBuilder();
    for (String part : upperSnake.toLowerCase(Locale.ROOT).split("_")) {
      if (!part.isEmpty()) {
        out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return out.toString();
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
