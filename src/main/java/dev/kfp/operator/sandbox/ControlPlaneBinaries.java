package dev.kfp.operator.sandbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
 * Where the real control plane's binaries (etcd, kube-apiserver, kubectl) are: the directory that
 * {@code src/test/go/control-plane/build.sh} prints, in the layout Fabric8's kube-api-test reads
 * ({@code <dir>/k8s/<version>-linux-<arch>/}). The script builds them once when they are missing, or links the
 * ones of {@code KUBEBUILDER_ASSETS}; asking again costs a checksum.
 *
 * @param testDir the directory kube-api-test works in (its {@code k8s/} holds the binaries)
 * @param version the version directory's name without the platform, as kube-api-test expects it
 * @param binaries the directory with the three binaries
 */
public record ControlPlaneBinaries(Path testDir, String version, Path binaries) {

  static final String SCRIPT = "src/test/go/control-plane/build.sh";
  /** How long the script may take before its messages are shown as they come: longer means it is building. */
  static final Duration QUIET = Duration.ofSeconds(3);

  /** The kubectl built beside the apiserver, at the same version. */
  public Path kubectl() {
    return binaries.resolve("kubectl");
  }

  /**
   * Finds (building when needed) the binaries from the repository checkout that holds {@code workingDir}; the
   * script's messages go to standard error.
   *
   * @return empty with the reason when they cannot be had: no checkout, no Go and no KUBEBUILDER_ASSETS, a
   *     failed build
   */
  public static Result locate(Path workingDir) {
    return locate(workingDir, System.err::println);
  }

  /**
   * Like {@link #locate(Path)}, with the script's messages given to {@code progress}. A script that ends within
   * {@link #QUIET} (the binaries are there, or cannot be built) says nothing through it: its last message is part
   * of the reason instead. A build, which takes minutes, reports as it goes.
   */
  public static Result locate(Path workingDir, Consumer<String> progress) {
    Optional<Path> script = findScript(workingDir);
    if (script.isEmpty()) {
      return Result.missing("no " + SCRIPT + " above " + workingDir.toAbsolutePath()
          + " (run from the repository checkout)");
    }
    try {
      Process process = new ProcessBuilder("bash", script.get().toString()).start();
      Messages messages = new Messages(progress);
      Thread reader = new Thread(() -> messages.read(process.getErrorStream()), "control-plane-build-messages");
      reader.setDaemon(true);
      reader.start();
      if (!process.waitFor(QUIET.toMillis(), TimeUnit.MILLISECONDS)) {
        messages.goLive();
      }
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(60, TimeUnit.MINUTES)) {
        process.destroy();
        return Result.missing(SCRIPT + " did not finish within 60 minutes");
      }
      reader.join(TimeUnit.SECONDS.toMillis(5));
      if (process.exitValue() != 0) {
        return Result.missing(SCRIPT + " failed (exit " + process.exitValue() + ")" + messages.last());
      }
      String[] lines = out.split("\n");
      return Result.found(of(Path.of(lines[lines.length - 1].trim())));
    } catch (IOException e) {
      return Result.missing("cannot run " + SCRIPT + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.missing("interrupted while building the control plane");
    }
  }

  /** The binaries in {@code dir}, which must be named {@code <version>-linux-<arch>} under a {@code k8s/} folder. */
  static ControlPlaneBinaries of(Path dir) {
    String name = dir.getFileName().toString();
    int platform = name.indexOf("-linux-");
    if (platform < 0 || dir.getParent() == null || !"k8s".equals(dir.getParent().getFileName().toString())) {
      throw new IllegalArgumentException(dir + " is not in kube-api-test's layout <dir>/k8s/<version>-linux-<arch>");
    }
    for (String binary : new String[] {"etcd", "kube-apiserver", "kubectl"}) {
      if (!Files.isExecutable(dir.resolve(binary))) {
        throw new UncheckedIOException(new IOException(dir.resolve(binary) + " is missing or not executable"));
      }
    }
    return new ControlPlaneBinaries(dir.getParent().getParent(), name.substring(0, platform), dir);
  }

  private static Optional<Path> findScript(Path workingDir) {
    for (Path dir = workingDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve(SCRIPT);
      if (Files.isRegularFile(script)) {
        return Optional.of(script);
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

  /** The binaries, or why there are none. */
  public record Result(Optional<ControlPlaneBinaries> binaries, String whyMissing) {

    static Result found(ControlPlaneBinaries binaries) {
      return new Result(Optional.of(binaries), null);
    }

    static Result missing(String why) {
      return new Result(Optional.empty(), why);
    }

    /** The binaries, or an exception naming why they cannot be had and what to do. */
    public ControlPlaneBinaries orElseThrow() {
      return binaries.orElseThrow(() -> new IllegalStateException("no real Kubernetes control plane: " + whyMissing
          + ". Install Go (the build script builds kube-apiserver, etcd and kubectl) or set KUBEBUILDER_ASSETS"
          + " to a directory holding those three binaries."));
    }
  }
}
