package dev.kfp.operator.kfp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the tail of the log in an Argo log artifact (a gzipped tar holding one file, e.g. {@code main-logs}) as
 * it streams past: memory stays at {@link LogTailLimits#maxBytes()} however long the log is.
 */
final class LogArchive {

  private static final int BLOCK = 512;

  private LogArchive() {}

  /** The archive is not what Argo stores: not gzip, not a tar, no file in it, too big. */
  static final class UnreadableException extends IOException {
    UnreadableException(String message, Throwable cause) {
      super(message, cause);
    }

    UnreadableException(String message) {
      super(message);
    }
  }

  /**
   * The tail of the first regular file of the gzipped tar read from {@code gzipped}. Throws
   * {@link UnreadableException} for an archive that cannot be unpacked; other {@link IOException}s come from
   * {@code gzipped} itself.
   */
  static LogTail tail(InputStream gzipped, LogTailLimits limits) throws IOException {
    InputStream tar;
    try {
      tar = new GZIPInputStream(gzipped, 8192);
    } catch (EOFException e) {
      throw new UnreadableException("the artifact is empty", e);
    } catch (java.util.zip.ZipException e) {
      throw new UnreadableException("the artifact is not gzip data (" + e.getMessage() + ")", e);
    }
    try {
      return firstFile(tar, limits);
    } catch (java.util.zip.ZipException e) {
      throw new UnreadableException("the artifact's gzip data is corrupt (" + e.getMessage() + ")", e);
    } catch (EOFException e) {
      throw new UnreadableException("the artifact ends early (truncated gzip or tar)", e);
    }
  }

  private static LogTail firstFile(InputStream tar, LogTailLimits limits) throws IOException {
    byte[] header = new byte[BLOCK];
    long skipped = 0;
    while (true) {
      int read = tar.readNBytes(header, 0, BLOCK);
      if (read == 0 && skipped == 0) {
        throw new UnreadableException("the artifact's archive is empty");
      }
      if (read < BLOCK) {
        throw new UnreadableException("the artifact is not a tar archive (ends inside a header)");
      }
      if (isZero(header)) {
        throw new UnreadableException("the artifact's tar archive holds no file");
      }
      if (!checksumMatches(header)) {
        throw new UnreadableException("the artifact is not a tar archive (bad header checksum)");
      }
      long size = size(header);
      byte type = header[156];
      if (type == '0' || type == 0 || type == '7') {
        if (size > limits.maxLogBytes()) {
          throw new UnreadableException("the log is " + size + " bytes, more than the " + limits.maxLogBytes()
              + " bytes the operator reads");
        }
        TailBuffer tail = new TailBuffer(limits.maxBytes());
        copy(tar, size, tail);
        return tail.toLogTail(name(header), limits.maxLines());
      }
      // pax/GNU extension headers, directories, links: skip their content
      long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
      skipped += padded + BLOCK;
      if (skipped > limits.maxLogBytes()) {
        throw new UnreadableException("no log file within the first " + limits.maxLogBytes() + " bytes");
      }
      skipFully(tar, padded);
    }
  }

  private static void copy(InputStream in, long size, TailBuffer tail) throws IOException {
    byte[] chunk = new byte[8192];
    long left = size;
    while (left > 0) {
      int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
      if (n < 0) {
        throw new EOFException();
      }
      tail.write(chunk, n);
      left -= n;
    }
  }

  private static void skipFully(InputStream in, long count) throws IOException {
    long left = count;
    while (left > 0) {
      long n = in.skip(left);
      if (n <= 0) {
        if (in.read() < 0) {
          throw new EOFException();
        }
        n = 1;
      }
      left -= n;
    }
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean checksumMatches(byte[] header) {
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xff;
    }
    try {
      return octal(header, 148, 8) == sum;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static long size(byte[] header) throws UnreadableException {
    if ((header[124] & 0x80) != 0) {
      // GNU base-256 encoding for sizes beyond 8 GiB
      long value = 0;
      for (int i = 125; i < 136; i++) {
        value = (value << 8) | (header[i] & 0xff);
      }
      return value;
    }
    try {
      return octal(header, 124, 12);
    } catch (NumberFormatException e) {
      throw new UnreadableException("the artifact is not a tar archive (bad size field)");
    }
  }

  private static long octal(byte[] header, int offset, int length) {
    String text = new String(header, offset, length, StandardCharsets.US_ASCII).replace('\0', ' ').trim();
    return Long.parseLong(text, 8);
  }

  private static String name(byte[] header) {
    String name = field(header, 0, 100);
    String prefix = field(header, 345, 155);
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  /** The last {@code capacity} bytes written, in a ring; turned into whole lines at the end. */
  static final class TailBuffer {

    private final byte[] ring;
    private long total;

    TailBuffer(int capacity) {
      ring = new byte[capacity];
    }

    void write(byte[] bytes, int length) {
      for (int i = Math.max(0, length - ring.length); i < length; i++) {
        ring[(int) ((total + i) % ring.length)] = bytes[i];
      }
      total += length;
    }

    /** Bytes held, never more than the capacity. */
    int retained() {
      return (int) Math.min(total, ring.length);
    }

    LogTail toLogTail(String fileName, int maxLines) {
      int kept = retained();
      byte[] bytes = new byte[kept];
      long start = total - kept;
      for (int i = 0; i < kept; i++) {
        bytes[i] = ring[(int) ((start + i) % ring.length)];
      }
      boolean cut = total > kept;
      int from = 0;
      if (cut) {
        // the first kept line is partial: drop it when a whole line follows, else keep its end
        int newline = indexOf(bytes, (byte) '\n');
        if (newline >= 0 && newline < bytes.length - 1) {
          from = newline + 1;
        } else {
          while (from < bytes.length && (bytes[from] & 0xc0) == 0x80) {
            from++;
          }
        }
      }
      String text = new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1);
      }
      lines.replaceAll(line -> line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
      if (lines.size() > maxLines) {
        lines = lines.subList(lines.size() - maxLines, lines.size());
        cut = true;
      }
      return new LogTail(fileName, lines, total, cut);
    }

    private static int indexOf(byte[] bytes, byte value) {
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] == value) {
          return i;
        }
      }
      return -1;
    }
  }
}
