package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** readArtifactTail: a log artifact streamed through base64, gzip and tar, of which only the tail is kept. */
class KfpClientArtifactTailTest {

  private static final LogTailLimits LIMITS = new LogTailLimits(20, 2048, 256L * 1024 * 1024);

  private final KfpStubServer kfp = KfpStubServer.http();
  private final HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
      .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(10)).build());

  @AfterEach
  void stop() {
    client.close();
    kfp.close();
  }

  private LogTail tail() {
    return client.readArtifactTail("r1", "wf-123", "main-logs", LIMITS);
  }

  private KfpException failure() {
    KfpException failure = catchThrowableOfType(KfpException.class, this::tail);
    assertThat(failure).as("the call must fail with a KfpException").isNotNull();
    assertThat(failure.operation()).isEqualTo("ReadArtifact");
    return failure;
  }

  @Test
  void theLastLinesOfTheLogComeBack() {
    kfp.respond(200, LogArchives.answer(LogArchives.gzippedTar("loading\nepoch 1\nRuntimeError: loss is NaN\n")));

    LogTail tail = tail();

    assertThat(kfp.lastRequest().rawPath()).isEqualTo("/apis/v2beta1/runs/r1/nodes/wf-123/artifacts/main-logs:read");
    assertThat(tail.lines()).containsExactly("loading", "epoch 1", "RuntimeError: loss is NaN");
    assertThat(tail.lastLine()).isEqualTo("RuntimeError: loss is NaN");
    assertThat(tail.fileName()).isEqualTo("main.log");
    assertThat(tail.truncated()).isFalse();
  }

  @Test
  void aTenMegabyteLogKeepsOnlyTheCappedTail() {
    StringBuilder log = new StringBuilder();
    for (int i = 0; log.length() < 10 * 1024 * 1024; i++) {
      log.append("step ").append(i).append(": still training, nothing to see here\n");
    }
    log.append("FATAL: CUDA out of memory\n");
    kfp.respond(200, LogArchives.answer(LogArchives.gzippedTar(log.toString())));

    LogTail tail = tail();

    assertThat(tail.logBytes()).isGreaterThan(10L * 1024 * 1024);
    assertThat(tail.truncated()).isTrue();
    assertThat(tail.lines()).hasSizeLessThanOrEqualTo(20).last().isEqualTo("FATAL: CUDA out of memory");
    assertThat(tail.text().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(2048);
    assertThat(tail.lines()).allMatch(line -> line.startsWith("step ") || line.startsWith("FATAL"));
  }

  @Test
  void theTailBufferNeverHoldsMoreThanItsCapacity() {
    LogArchive.TailBuffer buffer = new LogArchive.TailBuffer(2048);
    byte[] chunk = "0123456789abcde\n".repeat(512).getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 1280; i++) {
      buffer.write(chunk, chunk.length);
      assertThat(buffer.retained()).isLessThanOrEqualTo(2048);
    }

    LogTail tail = buffer.toLogTail("main.log", 20);

    assertThat(tail.logBytes()).isEqualTo(1280L * chunk.length);
    assertThat(tail.lines()).hasSize(20).allMatch("0123456789abcde"::equals);
  }

  @Test
  void aSingleHugeLineKeepsItsEnd() {
    kfp.respond(200, LogArchives.answer(LogArchives.gzippedTar("x".repeat(100_000) + "the end")));

    LogTail tail = tail();

    assertThat(tail.lines()).hasSize(1);
    assertThat(tail.lines().get(0)).hasSize(2048).endsWith("the end");
    assertThat(tail.truncated()).isTrue();
  }

  @Test
  void otherFieldsEscapesAndLineBreaksInTheAnswerAreTolerated() {
    String base64 = Base64.getMimeEncoder().encodeToString(LogArchives.gzippedTar("one\ntwo\n"))
        .replace("\r\n", "\\r\\n").replace("/", "\\/");
    kfp.respond(200, "{\"kind\": {\"x\": [1, \"}\"]}, \"n\": 3 , \"data\" : \"" + base64 + "\", \"more\": true}");

    assertThat(tail().lines()).containsExactly("one", "two");
  }

  @Test
  void anEmptyLogIsNoLines() {
    kfp.respond(200, LogArchives.answer(LogArchives.gzippedTar("")));

    LogTail tail = tail();

    assertThat(tail.lines()).isEmpty();
    assertThat(tail.lastLine()).isNull();
  }

  @Test
  void dataThatIsNotBase64IsAnUnreadableArtifact() {
    kfp.respond(200, "{\"data\":\"H4sIAAAA this is not base64!\"}");

    KfpException failure = failure();

    assertThat(failure.httpStatus()).isEqualTo(200);
    assertThat(failure.isRetryable()).isFalse();
    assertThat(failure.kfpMessage()).contains("not base64");
  }

  @Test
  void dataThatIsNotGzipIsAnUnreadableArtifact() {
    kfp.respond(200, LogArchives.answer("plain text log".getBytes(StandardCharsets.UTF_8)));

    assertThat(failure().kfpMessage()).contains("not gzip");
  }

  @Test
  void corruptGzipIsAnUnreadableArtifact() {
    byte[] archive = LogArchives.gzippedTar("a log\n".repeat(1000));
    for (int i = 20; i < archive.length - 8; i++) {
      archive[i] ^= 0x5a;
    }
    kfp.respond(200, LogArchives.answer(archive));

    KfpException failure = failure();

    assertThat(failure.httpStatus()).isEqualTo(200);
    assertThat(failure.kfpMessage()).containsAnyOf("gzip data is corrupt", "ends early");
  }

  @Test
  void gzipAroundSomethingElseThanATarIsAnUnreadableArtifact() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write("just a log, no tar\n".repeat(100).getBytes(StandardCharsets.UTF_8));
    }
    kfp.respond(200, LogArchives.answer(bytes.toByteArray()));

    assertThat(failure().kfpMessage()).contains("not a tar archive");
  }

  @Test
  void anAnswerCutOffInsideTheDataIsAnUnreadableArtifact() {
    String whole = LogArchives.answer(LogArchives.gzippedTar("a log\n".repeat(1000)));
    kfp.respond(200, whole.substring(0, whole.length() / 2));

    KfpException failure = failure();

    assertThat(failure.httpStatus()).isEqualTo(200);
    assertThat(failure.kfpMessage()).containsAnyOf("truncated", "ends early");
  }

  @Test
  void anAnswerWithoutDataIsAnEmptyArtifact() {
    kfp.respond(200, "{}");

    assertThat(failure().kfpMessage()).contains("empty");
  }

  @Test
  void theErrorBodyOfKfp215IsDecoded() {
    kfp.respond(404, "{\"error_message\":\"artifact not found: <nil>\",\"error_details\":\"node wf-123\"}");

    KfpException failure = failure();

    assertThat(failure.isNotFound()).isTrue();
    assertThat(failure.kfpCode()).isNull();
    assertThat(failure.kfpMessage()).isEqualTo("artifact not found: <nil>");
  }

  @Test
  void theErrorBodyOfKfp214IsDecoded() {
    kfp.respond(403, """
        {"code":7,"message":"Failed to read artifact: PermissionDeniedError: no readArtifact in team-a",
         "details":[{"@type":"type.googleapis.com/google.rpc.Status","code":7,"message":"no readArtifact in team-a"}]}
        """);

    KfpException failure = failure();

    assertThat(failure.isUnauthorized()).isTrue();
    assertThat(failure.kfpCode()).isEqualTo(7);
    assertThat(failure.kfpMessage()).isEqualTo("no readArtifact in team-a");
  }

  @Test
  void aServerErrorOfKfp215KeepsItsMessage() {
    kfp.respond(500, "{\"error_message\":\"failed to get workflow manifest\",\"error_details\":\"run r1\"}");

    KfpException failure = failure();

    assertThat(failure.httpStatus()).isEqualTo(500);
    assertThat(failure.kfpMessage()).isEqualTo("failed to get workflow manifest");
  }

  @Test
  void theDefaultMethodUnpacksAnArtifactReadWhole() {
    KfpClient inMemory = new ArtifactOnlyClient(LogArchives.gzippedTar("a\nb\nc\n"));

    assertThat(inMemory.readArtifactTail("r", "n", "main-logs", new LogTailLimits(2, 100, 1000)).lines())
        .containsExactly("b", "c");
  }

  /** A client that only serves one artifact, read whole: for the interface's default readArtifactTail. */
  private record ArtifactOnlyClient(byte[] artifact) implements KfpClient {

    @Override
    public ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName) {
      return new ReadArtifactResponse(artifact);
    }

    @Override
    public KfpExperiment getExperiment(String experimentId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public KfpPipeline getPipelineByName(String name, String namespace) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ListPipelineVersionsResponse listPipelineVersions(ListPipelineVersionsRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public KfpRun createRun(KfpRun run) {
      throw new UnsupportedOperationException();
    }

    @Override
    public KfpRun getRun(String runId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ListRunsResponse listRuns(ListRunsRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void archiveRun(String runId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void unarchiveRun(String runId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void terminateRun(String runId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void retryRun(String runId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void deleteRun(String runId) {
      throw new UnsupportedOperationException();
    }
  }
}
