package dev.kfp.operator.kfp;

/**
 * How much of an archived log to keep and read.
 *
 * @param maxLines the tail keeps at most this many lines
 * @param maxBytes the tail keeps at most this many bytes (UTF-8); the only memory that grows with the log
 * @param maxLogBytes a log file longer than this is not read at all (bounds the time spent inflating it)
 */
public record LogTailLimits(int maxLines, int maxBytes, long maxLogBytes) {

  public LogTailLimits {
    if (maxLines < 1 || maxBytes < 1 || maxLogBytes < 0) {
      throw new IllegalArgumentException("log tail limits must be positive: " + maxLines + " lines, " + maxBytes
          + " bytes, " + maxLogBytes + " log bytes");
    }
  }

  /** 20 lines, 2 KiB, logs up to 256 MiB. */
  public static LogTailLimits defaults() {
    return new LogTailLimits(20, 2048, 256L * 1024 * 1024);
  }
}
