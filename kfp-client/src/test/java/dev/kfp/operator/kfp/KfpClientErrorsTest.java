package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How every way a KFP call can fail turns into a classified KfpException. */
class KfpClientErrorsTest {

  private static final String NOT_FOUND_214 = """
      {"code":5,"message":"Failed to get a run: Failed to fetch run r1: ResourceNotFoundError: Run r1 not found",
       "details":[{"@type":"type.googleapis.com/google.rpc.Status","code":5,"message":"Run r1 not found"}]}
      """;
  private static final String NOT_FOUND_25 = """
      {"error":"Failed to get a run: ResourceNotFoundError: Run r1 not found","code":5,
       "message":"Failed to get a run: ResourceNotFoundError: Run r1 not found",
       "details":[{"@type":"type.googleapis.com/google.rpc.Status","code":5,"message":"Run r1 not found"}]}
      """;
  private static final String INTERNAL_ON_CREATE = """
      {"code":13,"message":"Failed to create a run: InternalServerError: Run name cannot be empty",
       "details":[{"@type":"type.googleapis.com/google.rpc.Status","code":13,"message":"Internal Server Error"}]}
      """;

  private final KfpStubServer kfp = KfpStubServer.http();
  private final HttpKfpClient client = clientFor(kfp.baseUrl());

  @AfterEach
  void stop() {
    client.close();
    kfp.close();
  }

  private static HttpKfpClient clientFor(String baseUrl) {
    return new HttpKfpClient(KfpClientConfig.builder(baseUrl)
        .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofMillis(300)).build());
  }

  private static KfpRun someRun() {
    return KfpRun.create("nightly").pipelineVersionReference(new PipelineVersionReference("p1", null)).build();
  }

  private KfpException failureOf(Runnable call) {
    KfpException failure = catchThrowableOfType(KfpException.class, call::run);
    assertThat(failure).as("the call must fail with a KfpException").isNotNull();
    return failure;
  }

  @Test
  void theShortMessageOfA214ErrorBodyIsKept() {
    kfp.respond(404, NOT_FOUND_214);

    KfpException failure = failureOf(() -> client.getRun("r1"));

    assertThat(failure.operation()).isEqualTo("GetRun");
    assertThat(failure.httpStatus()).isEqualTo(404);
    assertThat(failure.kfpCode()).isEqualTo(5);
    assertThat(failure.kfpMessage()).isEqualTo("Run r1 not found");
    assertThat(failure.isNotFound()).isTrue();
    assertThat(failure.isRetryable()).isFalse();
    assertThat(failure.getMessage()).isEqualTo("KFP GetRun failed: HTTP 404, code 5: Run r1 not found");
  }

  @Test
  void theOlderErrorBodyWithAnErrorKeyReadsTheSame() {
    kfp.respond(404, NOT_FOUND_25);

    KfpException failure = failureOf(() -> client.getRun("r1"));

    assertThat(failure.kfpCode()).isEqualTo(5);
    assertThat(failure.kfpMessage()).isEqualTo("Run r1 not found");
  }

  @Test
  void aGatewayErrorWithoutDetailsKeepsItsMessage() {
    kfp.respond(400, "{\"code\":3,\"message\":\"proto: (line 1:2): unknown field \\\"namespace\\\"\"}");

    KfpException failure = failureOf(() -> client.createRun(someRun()));

    assertThat(failure.kfpCode()).isEqualTo(3);
    assertThat(failure.kfpMessage()).isEqualTo("proto: (line 1:2): unknown field \"namespace\"");
    assertThat(failure.isRetryable()).isFalse();
    assertThat(failure.isAmbiguous()).isFalse();
  }

  @Test
  void a500OnCreateIsAmbiguousNotRetryableAndKeepsTheReason() {
    kfp.respond(500, INTERNAL_ON_CREATE);

    KfpException failure = failureOf(() -> client.createRun(someRun()));

    assertThat(failure.operation()).isEqualTo("CreateRun");
    assertThat(failure.isRetryable()).isFalse();
    assertThat(failure.isAmbiguous()).isTrue();
    assertThat(failure.kfpMessage()).contains("Run name cannot be empty");
  }

  @Test
  void a500OnAReadIsRetryable() {
    kfp.respond(500, INTERNAL_ON_CREATE);

    KfpException failure = failureOf(() -> client.getRun("r1"));

    assertThat(failure.isRetryable()).isTrue();
    assertThat(failure.isAmbiguous()).isFalse();
    assertThat(failure.kfpMessage()).contains("Run name cannot be empty");
  }

  @ParameterizedTest(name = "{0} on get: retryable={1}")
  @CsvSource({"400, false", "401, false", "403, false", "404, false", "409, false", "429, true", "500, true",
      "501, false", "502, true", "503, true", "504, true"})
  void statusesOnAReadAreClassified(int status, boolean retryable) {
    kfp.respond(status, "{\"code\":2,\"message\":\"m\"}");

    KfpException failure = failureOf(() -> client.listRuns(ListRunsRequest.all()));

    assertThat(failure.httpStatus()).isEqualTo(status);
    assertThat(failure.isRetryable()).isEqualTo(retryable);
    assertThat(failure.isAmbiguous()).isFalse();
  }

  @ParameterizedTest(name = "{0} on create: retryable={1}, ambiguous={2}")
  @CsvSource({"400, false, false", "403, false, false", "404, false, false", "409, false, false",
      "429, true, false", "500, false, true", "502, true, true", "503, true, true", "504, true, true"})
  void statusesOnCreateAreClassified(int status, boolean retryable, boolean ambiguous) {
    kfp.respond(status, "{\"code\":2,\"message\":\"m\"}");

    KfpException failure = failureOf(() -> client.createRun(someRun()));

    assertThat(failure.isRetryable()).isEqualTo(retryable);
    assertThat(failure.isAmbiguous()).isEqualTo(ambiguous);
  }

  @Test
  void failedPreconditionIsAPermanent400() {
    kfp.respond(400, """
        {"code":9,"message":"Failed to unarchive run r1: FailedPreconditionError",
         "details":[{"code":9,"message":"Failed to unarchive run r1 as experiment e1 must be un-archived first"}]}
        """);

    KfpException failure = failureOf(() -> client.unarchiveRun("r1"));

    assertThat(failure.kfpCode()).isEqualTo(9);
    assertThat(failure.kfpMessage()).isEqualTo("Failed to unarchive run r1 as experiment e1 must be un-archived first");
    assertThat(failure.isRetryable()).isFalse();
  }

  @Test
  void authFailuresArePermanentAndSayUnauthorized() {
    kfp.respond(401, "{\"code\":16,\"message\":\"Failed to check authorization. User identity is empty\"}",
        Map.of("WWW-Authenticate", "Failed to check authorization"));
    kfp.respond(403, "{\"code\":7,\"message\":\"PermissionDenied\"}");

    KfpException unauthenticated = failureOf(() -> client.getRun("r1"));
    KfpException forbidden = failureOf(() -> client.terminateRun("r1"));

    assertThat(unauthenticated.isUnauthorized()).isTrue();
    assertThat(unauthenticated.kfpCode()).isEqualTo(16);
    assertThat(forbidden.isUnauthorized()).isTrue();
    assertThat(forbidden.isRetryable()).isFalse();
  }

  @Test
  void retryAfterSecondsAreExposedOn429And503() {
    kfp.respond(429, "{\"code\":8,\"message\":\"slow down\"}", Map.of("Retry-After", "7"));
    kfp.respond(503, "{\"code\":14,\"message\":\"Service unavailable\"}", Map.of("Retry-After", "120"));
    kfp.respond(503, "{\"code\":14,\"message\":\"Service unavailable\"}");

    assertThat(failureOf(() -> client.getRun("r1")).retryAfter()).contains(Duration.ofSeconds(7));
    assertThat(failureOf(() -> client.getRun("r1")).retryAfter()).contains(Duration.ofSeconds(120));
    assertThat(failureOf(() -> client.getRun("r1")).retryAfter()).isEmpty();
  }

  @Test
  void aGenericServiceUnavailableDetailGivesWayToTheLongMessage() {
    kfp.respond(503, """
        {"code":14,"message":"Failed to authorize: SubjectAccessReview timed out",
         "details":[{"code":14,"message":"Service unavailable"}]}
        """);

    assertThat(failureOf(() -> client.getRun("r1")).kfpMessage())
        .isEqualTo("Failed to authorize: SubjectAccessReview timed out");
  }

  @Test
  void theReadArtifactErrorBodyOfNewerServersIsRead() {
    kfp.respond(404, "{\"error_message\":\"artifact not found: <nil>\",\"error_details\":\"node n-1\"}");

    KfpException failure = failureOf(() -> client.readArtifact("r1", "n-1", "main-logs"));

    assertThat(failure.operation()).isEqualTo("ReadArtifact");
    assertThat(failure.kfpCode()).isNull();
    assertThat(failure.kfpMessage()).isEqualTo("artifact not found: <nil>");
    assertThat(failure.isNotFound()).isTrue();
  }

  @Test
  void aNonJsonBodyBecomesTheMessage() {
    kfp.respond(502, "upstream connect error or disconnect/reset before headers.\n reset reason: overflow");

    KfpException failure = failureOf(() -> client.getRun("r1"));

    assertThat(failure.kfpCode()).isNull();
    assertThat(failure.kfpMessage())
        .isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: overflow");
    assertThat(failure.isRetryable()).isTrue();
  }

  @Test
  void aRedirectIsNotFollowedAndNamesItsTarget() {
    kfp.respond(302, "", Map.of("Location", "https://login.example/oauth2/start"));

    KfpException failure = failureOf(() -> client.createRun(someRun()));

    assertThat(kfp.requests()).hasSize(1);
    assertThat(failure.httpStatus()).isEqualTo(302);
    assertThat(failure.kfpMessage()).contains("https://login.example/oauth2/start");
    assertThat(failure.isRetryable()).isFalse();
  }

  @Test
  void aSuccessWithABodyKfpWouldNotSendIsAnError() {
    kfp.respond(200, "<html>sign in</html>");

    KfpException failure = failureOf(() -> client.createRun(someRun()));

    assertThat(failure.httpStatus()).isEqualTo(200);
    assertThat(failure.isRetryable()).isFalse();
    assertThat(failure.isAmbiguous()).isTrue();
  }

  @Test
  void aConnectionResetIsRetryableAndAmbiguousForCreate() throws IOException {
    try (KfpFaultyServer resetting = KfpFaultyServer.resettingConnections();
        HttpKfpClient toResetting = clientFor(resetting.baseUrl())) {

      KfpException onCreate = failureOf(() -> toResetting.createRun(someRun()));
      assertThat(resetting.connections()).as("the create was sent once, never repeated").isEqualTo(1);
      KfpException onGet = failureOf(() -> toResetting.getRun("r1"));

      assertNoResponse(onCreate, e -> assertThat(e.isAmbiguous()).isTrue());
      assertNoResponse(onGet, e -> assertThat(e.isAmbiguous()).isFalse());
    }
  }

  @Test
  void aCreateOnAPooledConnectionThatDiedIsNeverSentAgain() throws IOException {
    try (KfpFaultyServer server = KfpFaultyServer.resettingKeptAliveConnections();
        HttpKfpClient toServer = clientFor(server.baseUrl())) {
      toServer.archiveRun("r1");

      KfpException failure = failureOf(() -> toServer.createRun(someRun()));

      assertNoResponse(failure, e -> assertThat(e.isAmbiguous()).isTrue());
      assertThat(server.requests()).as("archive once, create once").isEqualTo(2);
      assertThat(server.connections()).isEqualTo(1);
    }
  }

  @Test
  void aReadTimeoutIsRetryableAndAmbiguousForCreate() throws IOException {
    try (KfpFaultyServer silent = KfpFaultyServer.neverAnswering();
        HttpKfpClient toSilent = clientFor(silent.baseUrl())) {

      KfpException failure = failureOf(() -> toSilent.createRun(someRun()));

      assertNoResponse(failure, e -> assertThat(e.isAmbiguous()).isTrue());
      assertThat(failure).hasCauseInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aRefusedConnectionIsRetryableAndNotAmbiguous() {
    try (HttpKfpClient toNothing = clientFor("http://127.0.0.1:" + KfpFaultyServer.closedPort())) {

      KfpException failure = failureOf(() -> toNothing.createRun(someRun()));

      assertNoResponse(failure, e -> assertThat(e.isAmbiguous()).isFalse());
      assertThat(failure).hasCauseInstanceOf(ConnectException.class);
    }
  }

  @Test
  void anUnreadableTokenFileFailsTheCallWithoutSendingIt() {
    try (HttpKfpClient withMissingToken = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
        .bearerTokenFile(Path.of("/nonexistent/kfp/token")).build())) {

      KfpException failure = failureOf(() -> withMissingToken.getRun("r1"));

      assertThat(failure.httpStatus()).isZero();
      assertThat(failure.kfpMessage()).contains("/nonexistent/kfp/token");
      assertThat(kfp.requests()).isEmpty();
    }
  }

  private static void assertNoResponse(KfpException failure, Consumer<KfpException> more) {
    assertThat(failure.httpStatus()).isZero();
    assertThat(failure.kfpCode()).isNull();
    assertThat(failure.isRetryable()).isTrue();
    assertThat(failure.kfpMessage()).startsWith("no response from KFP");
    more.accept(failure);
  }
}
