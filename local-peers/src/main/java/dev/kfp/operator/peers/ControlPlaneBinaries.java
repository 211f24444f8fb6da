package dev.kfp.operator.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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

  public static final String SCRIPT = "src/test/go/control-plane/build.sh";

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
   * {@link BuildScript#QUIET} (the binaries are there, or cannot be built) says nothing through it: its last message
   * is part of the reason instead. A build, which takes minutes, reports as it goes.
   */
  public static Result locate(Path workingDir, Consumer<String> progress) {
    BuildScript.Answer answer = BuildScript.run(workingDir, SCRIPT, progress);
    return answer.path().map(dir -> Result.found(of(Path.of(dir)))).orElseGet(() -> Result.missing(answer.whyNot()));
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
