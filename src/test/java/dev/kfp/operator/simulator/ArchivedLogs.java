package dev.kfp.operator.simulator;

/** The simulator's {@code main-logs} archive format, for tests outside this package that must produce it too. */
public final class ArchivedLogs {

  private ArchivedLogs() {}

  /** A gzipped tar holding one file, as Argo archives a step's log. */
  public static byte[] gzippedTar(String fileName, String text, long mtimeEpochSeconds) {
    return FailureLog.gzippedTar(fileName, text, mtimeEpochSeconds);
  }
}
