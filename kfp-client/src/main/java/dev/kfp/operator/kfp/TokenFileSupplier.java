package dev.kfp.operator.kfp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A bearer token read from a file, such as a projected service-account token that the kubelet rotates. The file
 * is read again only when its modification time, size or identity (a replaced file or symlink target) changes.
 */
public final class TokenFileSupplier implements Supplier<String> {

  private record Version(FileTime modified, long size, Object fileKey) {}

  private final Path file;
  private Version readVersion;
  private String token;

  public TokenFileSupplier(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  /** The token, without surrounding whitespace; throws {@link UncheckedIOException} when the file is unreadable. */
  @Override
  public synchronized String get() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      Version current = new Version(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
      if (!current.equals(readVersion)) {
        token = Files.readString(file, StandardCharsets.UTF_8).strip();
        readVersion = current;
      }
      return token;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + file, e);
    }
  }

  @Override
  public String toString() {
    return "token file " + file;
  }
}
