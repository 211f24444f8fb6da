package dev.kfp.operator.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.simulator.FailureLog;
import dev.kfp.operator.simulator.Outcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * KFP's own API server (release 2.17.0, KFP's run, experiment, pipeline and report services over KFP's in-memory
 * fake client manager), the binary {@code src/test/go/kfp-server/build.sh} builds from KFP's source, started on a
 * free loopback port. It runs no workflows: its control endpoint ({@code POST /test/runs/{id}/phase}) moves a run's
 * Argo workflow to a phase and reports it through KFP's report service, as KFP's persistence agent does.
 */
public final class KfpServer implements AutoCloseable {

  /** The checkout's build script; it prints the binary's path (building it once, about 5 minutes on 2 cores). */
  public static final String SCRIPT = "src/test/go/kfp-server/build.sh";
  private static final Pattern PORT_LINE = Pattern.compile("KFP_TEST_SERVER_PORT=(\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final URI baseUrl;
  private final Path log;
  private final String version;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private KfpServer(Process process, URI baseUrl, Path log, String version) {
    this.process = process;
    this.baseUrl = baseUrl;
    this.log = log;
    this.version = version;
  }

  /**
   * Finds the binary through the build script of the checkout holding {@code workingDir} (which builds it when it
   * is not cached; its messages then go to {@code progress}), starts it and waits until it answers.
   *
   * @throws IllegalStateException with a one-line message when there is no binary or it does not start
   */
  public static KfpServer start(Path workingDir, Consumer<String> progress) {
    BuildScript.Answer answer = BuildScript.run(workingDir, SCRIPT, progress);
    Path binary = Path.of(answer.path().orElseThrow(() -> new IllegalStateException("no KFP server: "
        + answer.whyNot() + ". It is built from KFP's source (KFP_SOURCE, or ../shared/kfp-source/2.17.0 beside"
        + " the checkout) with Go and gcc; or use --kfp simulator.")));
    return start(binary);
  }

  /** Starts the binary, its log in a temporary file, and waits until it answers. */
  public static KfpServer start(Path binary) {
    Path log;
    try {
      log = Files.createTempFile("kfp-server-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    log.toFile().deleteOnExit();
    return start(binary, log);
  }

  /** Starts the binary, appending its log to {@code log}, and waits until it answers. */
  public static KfpServer start(Path binary, Path log) {
    Process process;
    try {
      process = new ProcessBuilder(binary.toString(), "-port", "0")
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("no KFP server: cannot start " + binary + ": " + e.getMessage(), e);
    }
    try {
      URI baseUrl = URI.create("http://127.0.0.1:" + readPort(process, log));
      KfpServer server = new KfpServer(process, baseUrl, log, null);
      return new KfpServer(process, baseUrl, log, server.awaitHealthy());
    } catch (RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /**
   * A KFP test server that runs elsewhere (in a cluster, behind its Service) and is reached at {@code baseUrl}:
   * {@link #close()} leaves it running, and {@link #version()} is null.
   */
  public static KfpServer at(URI baseUrl) {
    return new KfpServer(null, baseUrl, null, null);
  }

  private static int readPort(Process process, Path log) {
    CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
      try {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          Matcher matcher = PORT_LINE.matcher(line);
          if (matcher.matches()) {
            return Integer.parseInt(matcher.group(1));
          }
        }
        throw new IllegalStateException("the KFP server exited without naming its port; log: " + log);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    try {
      return port.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("no KFP server: it did not start; log: " + log, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("no KFP server: it named no port within " + START_TIMEOUT + "; log: " + log, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits until /healthz answers 200 and returns the KFP version it names (its tag_name). */
  private String awaitHealthy() {
    HttpRequest healthz = HttpRequest.newBuilder(baseUrl.resolve("/apis/v2beta1/healthz"))
        .timeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("no KFP server: it exited with " + process.exitValue() + "; log: " + log);
      }
      try {
        HttpResponse<String> answer = http.send(healthz, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          return JSON.readTree(answer.body()).path("tag_name").asText("unknown");
        }
      } catch (IOException notListeningYet) {
        // asked again below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("no KFP server: /healthz did not answer within " + START_TIMEOUT + "; log: "
            + log);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** {@code http://127.0.0.1:<port>}; KFP's paths start with /apis/v2beta1. */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The KFP release the server is built from, as its /healthz names it. */
  public String version() {
    return version;
  }

  /**
   * Moves the run's Argo workflow to {@code phase} (Pending, Running, Succeeded, Failed, Error; empty keeps it) and
   * reports it through KFP's report service. {@code failedStepsJson} is a JSON array of {@code {"name",
   * "main_logs"}} (base64 of the archived log) for the failed steps, or null. Returns the control endpoint's JSON
   * answer: the workflow name, the node id of each failed step, and the report's HTTP status
   * ({@code report_status}).
   */
  public String reportPhase(String runId, String phase, String failedStepsJson) {
    String body = "{\"phase\":\"" + phase + "\""
        + (failedStepsJson == null ? "" : ",\"failed_steps\":" + failedStepsJson) + "}";
    return post("/test/runs/" + runId + "/phase", "application/json", body);
  }

  /**
   * Uploads a compiled pipeline (IR YAML) through KFP's own upload handler, as the KFP SDK does, and returns
   * KFP's answer: the pipeline, with {@code pipeline_id}.
   */
  public String uploadPipeline(String name, String yaml) {
    return upload("/apis/v2beta1/pipelines/upload?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8), name,
        yaml);
  }

  /** Uploads another version of a pipeline and returns KFP's answer, with {@code pipeline_version_id}. */
  public String uploadPipelineVersion(String pipelineId, String name, String yaml) {
    return upload("/apis/v2beta1/pipelines/upload_version?pipelineid=" + pipelineId + "&name="
        + URLEncoder.encode(name, StandardCharsets.UTF_8), name, yaml);
  }

  /**
   * The {@code failed_steps} of a report: each step with its log archived as Argo archives a step's log (a gzipped
   * tar holding {@code <step>/main.log}, dated {@code now}), base64 encoded.
   */
  public static String failedSteps(List<Outcome.FailedStep> steps, Instant now) {
    return steps.stream()
        .map(step -> "{\"name\":\"" + step.task() + "\",\"main_logs\":\"" + Base64.getEncoder().encodeToString(
            FailureLog.gzippedTar(step.task() + "/main.log", step.logText(), now.getEpochSecond())) + "\"}")
        .collect(Collectors.joining(",", "[", "]"));
  }

  /** A field of a JSON answer. */
  public static String field(String json, String name) {
    try {
      JsonNode value = JSON.readTree(json).get(name);
      if (value == null || !value.isTextual()) {
        throw new IllegalStateException("no " + name + " in KFP's answer " + json);
      }
      return value.asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String upload(String path, String name, String yaml) {
    String boundary = "kfp-" + UUID.randomUUID();
    String body = "--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"uploadfile\"; filename=\"" + name + ".yaml\"\r\n"
        + "Content-Type: application/x-yaml\r\n\r\n" + yaml + "\r\n--" + boundary + "--\r\n";
    return post(path, "multipart/form-data; boundary=" + boundary, body);
  }

  /** A POST that must answer 200; returns the body. */
  public String post(String path, String contentType, String body) {
    HttpRequest request = HttpRequest.newBuilder(baseUrl.resolve(path))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": "
            + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
