package dev.kfp.operator.simulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** The {@code main-logs} artifact of a failed node as Argo stores it: a gzipped tar holding one log file. */
public final class FailureLog {

  private static final int BLOCK = 512;

  private FailureLog() {}

  /** A gzipped tar holding one file, {@code fileName}, with {@code text}. */
  public static byte[] gzippedTar(String fileName, String text, long mtimeEpochSeconds) {
    byte[] content = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(header(fileName, content.length, mtimeEpochSeconds));
      gzip.write(content);
      gzip.write(new byte[padding(content.length)]);
      gzip.write(new byte[2 * BLOCK]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Plain gzip of the text, no tar around it. */
  static byte[] gzipped(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The archive with its deflate data overwritten in the middle, as a damaged bucket object would be. */
  static byte[] corrupted(byte[] gzip) {
    byte[] damaged = gzip.clone();
    for (int i = 10; i < damaged.length - 8; i++) {
      damaged[i] = (byte) 0xff;
    }
    return damaged;
  }

  private static int padding(int length) {
    return (BLOCK - length % BLOCK) % BLOCK;
  }

  /** A POSIX ustar header for a regular file. */
  private static byte[] header(String name, long size, long mtime) {
    byte[] header = new byte[BLOCK];
    put(header, 0, 100, name);
    put(header, 100, 8, "0000644");
    put(header, 108, 8, "0000000");
    put(header, 116, 8, "0000000");
    put(header, 124, 12, String.format("%011o", size));
    put(header, 136, 12, String.format("%011o", mtime));
    header[156] = '0';
    put(header, 257, 6, "ustar");
    put(header, 263, 2, "00");
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, 7, String.format("%06o", sum));
    return header;
  }

  private static void put(byte[] header, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length > length) {
      throw new IllegalArgumentException("tar field too long: " + value);
    }
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
