package dev.kfp.operator.realkfp;

import dev.kfp.operator.peers.KfpServer;
import dev.kfp.operator.simulator.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;

/**
 * KFP's own API server (release 2.17.0 from KFP's Go module, over KFP's in-memory fake client manager), built by
 * {@code src/test/go/kfp-server/build.sh} and started on a free loopback port ({@link KfpServer}, which the sandbox
 * also runs). Nothing executes workflows: a test moves a run through its phases with {@link #reportPhase}, which
 * reports them the way KFP's persistence agent does.
 *
 * <p>A build or start failure throws, so a test that needs the server fails instead of being skipped. The one
 * exception is a machine with no KFP source at all: {@code KFP_SOURCE} unset, no {@code ../shared/kfp-source/2.17.0}
 * beside the clone, and the Go module proxy refusing KFP's module (the build script's exit status 3). Then the
 * tests are aborted (reported as skipped) with the script's sentence naming what is missing, which is also
 * printed on the test command's output.
 */
public final class KfpTestServer implements AutoCloseable {

  private static final Path BUILD_SCRIPT = Path.of("src/test/go/kfp-server/build.sh");
  /** The build script's exit status when no KFP source exists: the one failure that means "cannot be had". */
  private static final int NO_KFP_SOURCE = 3;
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(40);

  private static Supplier<Path> buildOutcome;

  private final KfpServer server;

  private KfpTestServer(KfpServer server) {
    this.server = server;
  }

  /** Builds the server if the cache has no current binary, starts it and waits until it answers. */
  public static KfpTestServer start() {
    return new KfpTestServer(KfpServer.start(build(), logFile()));
  }

  /**
   * The server's binary, built when the cache has none. Where no KFP source exists at all, the calling test is
   * aborted (skipped) naming what is missing; a failed build throws.
   */
  public static Path binary() {
    return build();
  }

  /**
   * Runs the build script (a no-op when the cached binary is current) and returns the binary it names. A failure
   * or skip is kept for the rest of the JVM, so that a broken build is not repeated by every test that needs it.
   */
  static synchronized Path build() {
    if (buildOutcome == null) {
      try {
        Path binary = runBuildScript();
        buildOutcome = () -> binary;
      } catch (RuntimeException failedOrSkipped) {
        buildOutcome = () -> {
          throw failedOrSkipped;
        };
      }
    }
    return buildOutcome.get();
  }

  private static Path runBuildScript() {
    Path script = BUILD_SCRIPT.toAbsolutePath();
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("no build script at " + script + " (tests run from the project root)");
    }
    Path log = logFile();
    try {
      Process build = new ProcessBuilder(List.of("bash", script.toString()))
          .redirectError(ProcessBuilder.Redirect.to(log.toFile()))
          .start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(build));
      if (!build.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        build.destroyForcibly();
        throw new IllegalStateException("building the KFP test server took over " + BUILD_TIMEOUT + "; log: " + log);
      }
      String stdout = out.get(10, TimeUnit.SECONDS).strip();
      if (build.exitValue() != 0 || stdout.isEmpty()) {
        String output = Files.readString(log);
        if (build.exitValue() == NO_KFP_SOURCE) {
          String missing = output.strip().lines().reduce((first, second) -> second).orElse("no KFP source");
          System.out.println("KfpTestServer: the tests that need KFP's own server are skipped: " + missing);
          Assumptions.abort(missing);
        }
        throw new IllegalStateException("building the KFP test server failed (exit " + build.exitValue() + "):\n"
            + tail(Files.readString(log)));
      }
      Path binary = Path.of(stdout.lines().reduce((first, second) -> second).orElseThrow());
      if (!Files.isExecutable(binary)) {
        throw new IllegalStateException("the build script named " + binary + ", which is not executable");
      }
      return binary;
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the KFP test server", e);
    }
  }

  private static Path logFile() {
    try {
      Path dir = Files.createDirectories(Path.of("target", "kfp-test-server"));
      // one log per test JVM (pom.xml sets test.fork): parallel forks each start a server and run the build
      return dir.resolve("kfp-test-server" + System.getProperty("test.fork", "") + ".log").toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readAll(Process process) {
    try {
      return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String tail(String text) {
    return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
  }

  /** {@code http://127.0.0.1:<port>}; KFP's paths start with /apis/v2beta1. */
  public URI baseUrl() {
    return server.baseUrl();
  }

  /**
   * Moves the run's Argo workflow to {@code phase} (Pending, Running, Succeeded, Failed, Error) and reports it
   * through KFP's report service. {@code failedStepsJson} is a JSON array of {@code {"name", "main_logs"}}
   * (base64 of the archived log) for the failed pods, or null. Returns the control endpoint's JSON answer:
   * the workflow name, the node id of each failed step, and the report's HTTP status.
   */
  public String reportPhase(String runId, String phase, String failedStepsJson) {
    return server.reportPhase(runId, phase, failedStepsJson);
  }

  /**
   * The {@code failed_steps} of a report: one step that failed with this log, archived as Argo archives a step's
   * log (a gzipped tar), base64 encoded.
   */
  public static String failedStep(String step, String log) {
    return KfpServer.failedSteps(List.of(Outcome.FailedStep.of(step, log)), Instant.now());
  }

  /**
   * Like {@link #reportPhase}, and fails unless KFP's report service accepted the report (the persistence agent
   * would retry a refused one; a test wants to know).
   */
  public String report(String runId, String phase, String failedStepsJson) {
    String answer = reportPhase(runId, phase, failedStepsJson);
    if (!answer.contains("\"report_status\":200")) {
      throw new IllegalStateException("KFP refused the report of phase '" + phase + "' for run " + runId + ": "
          + answer);
    }
    return answer;
  }

  /** Creates an experiment through KFP's REST API and returns KFP's answer, with {@code experiment_id}. */
  public String createExperiment(String displayName) {
    return server.post("/apis/v2beta1/experiments", "application/json", "{\"display_name\":\"" + displayName
        + "\"}");
  }

  /**
   * Uploads a compiled pipeline (IR YAML) through KFP's own upload handler, as the KFP SDK does, and returns
   * KFP's answer: the pipeline, with {@code pipeline_id}.
   */
  public String uploadPipeline(String name, String yaml) {
    return server.uploadPipeline(name, yaml);
  }

  @Override
  public void close() {
    server.close();
  }
}
