package dev.kfp.operator.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One of the checkout's build scripts for a development binary ({@code src/test/go/<name>/build.sh}): found above a
 * working directory, run, and its answer read. Each script prints the path it built (or found cached) as the last
 * line of its standard output and says what it does on standard error.
 */
final class BuildScript {

  /** How long a script may take before its messages are shown as they come: longer means it is building. */
  static final Duration QUIET = Duration.ofSeconds(3);

  private BuildScript() {}

  /**
   * The script's answer: the last line of its standard output, or (when empty) why there is none, one clause
   * without a final period.
   */
  record Answer(Optional<String> path, String whyNot) {

    static Answer of(String path) {
      return new Answer(Optional.of(path), null);
    }

    static Answer none(String why) {
      return new Answer(Optional.empty(), why);
    }
  }

  /**
   * Runs {@code script} (a path relative to the checkout) from the checkout that holds {@code workingDir}. A script
   * that ends within {@link #QUIET} says nothing through {@code progress}: its last message is part of the reason
   * instead. A build, which takes minutes, reports as it goes.
   */
  static Answer run(Path workingDir, String script, Consumer<String> progress) {
    Optional<Path> found = find(workingDir, script);
    if (found.isEmpty()) {
      return Answer.none("no " + script + " above " + workingDir.toAbsolutePath()
          + " (run from the repository checkout)");
    }
    try {
      Process process = new ProcessBuilder("bash", found.get().toString()).start();
      Messages messages = new Messages(progress);
      Thread reader = new Thread(() -> messages.read(process.getErrorStream()), "build-script-messages");
      reader.setDaemon(true);
      reader.start();
      if (!process.waitFor(QUIET.toMillis(), TimeUnit.MILLISECONDS)) {
        messages.goLive();
      }
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(60, TimeUnit.MINUTES)) {
        process.destroy();
        return Answer.none(script + " did not finish within 60 minutes");
      }
      reader.join(TimeUnit.SECONDS.toMillis(5));
      if (process.exitValue() != 0 || out.isEmpty()) {
        return Answer.none(script + " failed (exit " + process.exitValue() + ")" + messages.last());
      }
      String[] lines = out.split("\n");
      return Answer.of(lines[lines.length - 1].trim());
    } catch (IOException e) {
      return Answer.none("cannot run " + script + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Answer.none("interrupted while running " + script);
    }
  }

  private static Optional<Path> find(Path workingDir, String script) {
    for (Path dir = workingDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(script);
      if (Files.isRegularFile(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The script's standard error: held back while it may still be a quick answer, passed on once it builds. */
  private static final class Messages {
    private final Consumer<String> progress;
    private final List<String> held = new ArrayList<>();
    private String last;
    private boolean live;

    Messages(Consumer<String> progress) {
      this.progress = progress;
    }

    void read(InputStream stderr) {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          synchronized (this) {
            last = line;
            if (live) {
              progress.accept(line);
            } else {
              held.add(line);
            }
          }
        }
      } catch (IOException e) {
        // the script ended or was stopped: its exit code says how it went
      }
    }

    synchronized void goLive() {
      live = true;
      held.forEach(progress);
      held.clear();
    }

    /** The script's last message (or where its messages went), as a clause of the reason. */
    synchronized String last() {
      return live ? "; its messages are above" : last == null ? "" : ": " + last;
    }
  }
}
