package dev.kfp.operator.simulator;

import java.util.List;

/**
 * How a run's execution ends. A failure names the steps that failed, each with the text of its log, which
 * read_artifact serves as that step's {@code main-logs}.
 */
public record Outcome(boolean succeeded, List<FailedStep> failedSteps) {

  public Outcome {
    failedSteps = List.copyOf(failedSteps);
    if (!succeeded && failedSteps.isEmpty()) {
      throw new IllegalArgumentException("a failed outcome names at least one failed step");
    }
  }

  public static Outcome succeed() {
    return new Outcome(true, List.of());
  }

  public static Outcome fail() {
    return fail("train", "Traceback (most recent call last):\nRuntimeError: simulated failure\n");
  }

  public static Outcome fail(String failedTask, String logText) {
    return fail(FailedStep.of(failedTask, logText));
  }

  /** Several steps failed (parallel branches); the run's task details list each. */
  public static Outcome fail(FailedStep... steps) {
    return new Outcome(false, List.of(steps));
  }

  /**
   * One failed step: its task name, its log, and what read_artifact answers for its {@code main-logs}.
   */
  public record FailedStep(String task, String logText, MainLogs mainLogs) {

    public static FailedStep of(String task, String logText) {
      return new FailedStep(task, logText, MainLogs.ARCHIVED);
    }

    /** The same step with its log artifact served differently. */
    public FailedStep mainLogs(MainLogs how) {
      return new FailedStep(task, logText, how);
    }
  }

  /** What read_artifact serves as a failed step's {@code main-logs}. */
  public enum MainLogs {
    /** The log as Argo archives it: a gzipped tar holding {@code main.log}. */
    ARCHIVED,
    /** No such artifact (log archiving off, or the bucket object gone): 404. */
    MISSING,
    /** Gzip data damaged in the middle. */
    CORRUPT_GZIP,
    /** Valid gzip around bytes that are not a tar archive. */
    NOT_A_TAR,
    /** A {@code data} string that is not base64. */
    NOT_BASE64
  }
}
