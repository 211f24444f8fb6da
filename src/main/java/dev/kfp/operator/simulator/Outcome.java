package dev.kfp.operator.simulator;

/**
 * How a run's execution ends. A failure names the task that failed and the text of its log, which
 * read_artifact serves as the failed node's {@code main-logs}.
 */
public record Outcome(boolean succeeded, String failedTask, String logText) {

  public static Outcome succeed() {
    return new Outcome(true, null, null);
  }

  public static Outcome fail() {
    return fail("train", "Traceback (most recent call last):\nRuntimeError: simulated failure\n");
  }

  public static Outcome fail(String failedTask, String logText) {
    return new Outcome(false, failedTask, logText);
  }
}
