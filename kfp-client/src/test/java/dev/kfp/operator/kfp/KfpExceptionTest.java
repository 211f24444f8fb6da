package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a KFP failure is classified, status by status: the decision rules the reconciler, breaker and metrics ask. */
class KfpExceptionTest {

  /** Every status code a failure can carry: no response, 2xx, 3xx, 4xx, 5xx. */
  private static final int[] STATUSES = IntStream.concat(IntStream.of(0), IntStream.rangeClosed(200, 599))
      .toArray();

  private static KfpException answered(int status) {
    return new KfpException("GetRun", status, null, "m", false, null);
  }

  private static Set<Integer> statusesWhere(Predicate<KfpException> predicate) {
    return IntStream.of(STATUSES).filter(status -> predicate.test(answered(status))).boxed()
        .collect(Collectors.toSet());
  }

  @Test
  void notFoundIs404Only() {
    assertThat(statusesWhere(KfpException::isNotFound)).containsExactly(404);
  }

  @Test
  void unauthorizedIs401And403() {
    assertThat(statusesWhere(KfpException::isUnauthorized)).containsExactlyInAnyOrder(401, 403);
  }

  @Test
  void badRequestIs400Only() {
    assertThat(statusesWhere(KfpException::isBadRequest)).containsExactly(400);
  }

  @Test
  void internalErrorIs500Only() {
    assertThat(statusesWhere(KfpException::isInternalError)).containsExactly(500);
  }

  @Test
  void refusedIsEvery4xxWithoutAPredicateOfItsOwnOrAnInvitationToComeBack() {
    Set<Integer> refused = statusesWhere(KfpException::isRefused);

    assertThat(refused).contains(400, 405, 409, 412, 413, 422, 499)
        .doesNotContain(401, 403, 404, 408, 429)
        .allMatch(status -> status >= 400 && status < 500)
        .hasSize(100 - 5);
  }

  @Test
  void noResponseIsStatusZeroOnly() {
    assertThat(statusesWhere(KfpException::hasNoResponse)).containsExactly(0);
  }

  @Test
  void unreadableResponseIsA2xxOnly() {
    assertThat(statusesWhere(KfpException::isUnreadableResponse))
        .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(200, 299).boxed().toList());
  }

  @Test
  void unavailableIsNoResponseOverloadOrAGatewayThatFoundKfpDown() {
    assertThat(statusesWhere(KfpException::isUnavailable)).containsExactlyInAnyOrder(0, 429, 502, 503, 504);
  }

  @Test
  void aLostConnectionMeansUnavailableButAMissingTokenDoesNot() {
    KfpException reset = new KfpException("GetRun", 0, null, "no response", true, false, null,
        new SocketTimeoutException("timeout"));
    KfpException noToken = new KfpException("GetRun", 0, null, "cannot get the bearer token", true, false, null,
        new IllegalStateException("no token"));

    assertThat(reset.isUnavailable()).isTrue();
    assertThat(reset.hasNoResponse()).isTrue();
    assertThat(noToken.isUnavailable()).as("no network involved").isFalse();
    assertThat(noToken.hasNoResponse()).as("nothing was sent").isTrue();
  }

  @ParameterizedTest
  @CsvSource({"0, no_response", "200, invalid_response", "302, invalid_response", "400, client_error",
      "404, client_error", "429, client_error", "499, client_error", "500, server_error", "503, server_error"})
  void theOutcomeLabelFollowsTheStatusClass(int status, String label) {
    assertThat(answered(status).outcome().label()).isEqualTo(label);
  }

  @Test
  void theOutcomeOfACallIsSuccessErrorOrTheFailuresOwn() {
    assertThat(KfpCallOutcome.of(null)).isEqualTo(KfpCallOutcome.SUCCESS);
    assertThat(KfpCallOutcome.of(new IllegalStateException("bug"))).isEqualTo(KfpCallOutcome.ERROR);
    assertThat(KfpCallOutcome.of(answered(503))).isEqualTo(KfpCallOutcome.SERVER_ERROR);
    assertThat(KfpCallOutcome.of(new KfpException("GetRun", 0, null, "m", true, new IOException("reset"))))
        .isEqualTo(KfpCallOutcome.NO_RESPONSE);
  }

  @Test
  void tooLargeIsFoundAlsoUnderAParserThatWrappedIt() {
    KfpException wrapped = new KfpException("ListRuns", 200, null, "m", false, false, null,
        new IOException("parser", new BoundedInputStream.TooLargeException(16)));

    assertThat(wrapped.isTooLarge()).isTrue();
    assertThat(answered(200).isTooLarge()).isFalse();
  }

  @Test
  void listingIsAFailedListRuns() {
    assertThat(new KfpException("ListRuns", 503, null, "m", true, null).isListing()).isTrue();
    assertThat(answered(503).isListing()).isFalse();
  }
}
