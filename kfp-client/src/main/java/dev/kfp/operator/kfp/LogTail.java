package dev.kfp.operator.kfp;

import java.util.List;

/**
 * The end of a log read from an artifact archive.
 *
 * @param fileName the log's name inside the archive
 * @param lines the last lines, oldest first, without line terminators
 * @param logBytes the size of the whole log file
 * @param truncated true when earlier lines (or the start of the first kept line) were left out
 */
public record LogTail(String fileName, List<String> lines, long logBytes, boolean truncated) {

  public LogTail {
    lines = List.copyOf(lines);
  }

  /** The kept lines joined with newlines. */
  public String text() {
    return String.join("\n", lines);
  }

  /** The last line that is not blank, or null for an empty log. */
  public String lastLine() {
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (!lines.get(i).isBlank()) {
        return lines.get(i);
      }
    }
    return null;
  }
}
