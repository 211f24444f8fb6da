package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The scripts of the image tier ({@code src/test/container/}): podman with the project's own settings and image
 * storage, and the image build. A step that fails, or is not there, fails the test with its output.
 */
final class Podman {

  static final Path SCRIPTS = Path.of("src/test/container");

  record Result(List<String> command, int exit, String out, String err) {
    @Override
    public String toString() {
      return String.join(" ", command) + " exited " + exit + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
    }
  }

  private Podman() {}

  /** {@code podman args...}, in {@code timeout} at most. */
  static Result podman(Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of(SCRIPTS.resolve("podman.sh").toString()));
    command.addAll(List.of(args));
    return run(command, timeout);
  }

  /** {@code podman args...} within a minute, which must exit 0; its standard output, stripped. */
  static String podmanOk(String... args) {
    Result result = podman(Duration.ofMinutes(1), args);
    assertThat(result.exit()).as(result.toString()).isZero();
    return result.out().strip();
  }

  /** Builds the image from the Dockerfile ({@code build-image.sh}) and returns its name. */
  static String buildImage(Duration timeout) {
    Result result = run(List.of(SCRIPTS.resolve("build-image.sh").toString()), timeout);
    assertThat(result.exit()).as("the image builds from the Dockerfile: " + result).isZero();
    String[] lines = result.out().strip().split("\n");
    return lines[lines.length - 1];
  }

  static Result run(List<String> command, Duration timeout) {
    try {
      Path out = Files.createTempFile("podman-out", ".txt");
      Path err = Files.createTempFile("podman-err", ".txt");
      try {
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
            .start();
        try {
          boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
          assertThat(ended).as(String.join(" ", command) + " ends within " + timeout + "; its output so far:\n"
              + Files.readString(out) + Files.readString(err)).isTrue();
          return new Result(command, process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
          process.destroyForcibly();
        }
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted: " + String.join(" ", command), e);
    }
  }
}
