package dev.kfp.operator.kfp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

/** Log artifacts for client tests, written independently of the simulator's: a gzipped ustar with one file. */
final class LogArchives {

  private LogArchives() {}

  static byte[] gzippedTar(String fileName, byte[] content) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      byte[] header = new byte[512];
      ascii(header, 0, fileName);
      ascii(header, 100, "0000644");
      ascii(header, 124, String.format("%011o", content.length));
      ascii(header, 136, String.format("%011o", 0));
      header[156] = '0';
      ascii(header, 257, "ustar");
      java.util.Arrays.fill(header, 148, 156, (byte) ' ');
      int sum = 0;
      for (byte b : header) {
        sum += b & 0xff;
      }
      ascii(header, 148, String.format("%06o", sum));
      gzip.write(header);
      gzip.write(content);
      gzip.write(new byte[(512 - content.length % 512) % 512 + 1024]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] gzippedTar(String text) {
    return gzippedTar("main.log", text.getBytes(StandardCharsets.UTF_8));
  }

  /** The read_artifact answer carrying these bytes. */
  static String answer(byte[] data) {
    return "{\"data\":\"" + Base64.getEncoder().encodeToString(data) + "\"}";
  }

  private static void ascii(byte[] header, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
