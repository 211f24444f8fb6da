package dev.kfp.operator.kfp;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * A failed call to KFP: the HTTP status (0 when no response arrived), KFP's gRPC code and message when the
 * body had them, and what the caller may do about it.
 *
 * <p>Three questions decide what to do next:
 * <ul>
 *   <li>{@link #isRetryable()}: repeating the same call later can succeed (no response, 429, 502-504, 500 on a
 *       read or an action).</li>
 *   <li>{@link #isAmbiguous()}: a call that changes state failed in a way that does not tell whether it took
 *       effect. For {@code CreateRun} the run may exist: look for it (the description marker) before posting
 *       again. For the actions, a repeat may meet the first call's effect (a second terminate is a 400, a
 *       second delete a 404). A 500 on create is ambiguous but <em>not</em> retryable, because real KFP also answers client
 *       mistakes (empty display name, unknown pipeline version, invalid spec) with 500; repeat it only a
 *       bounded number of times and then report {@link #kfpMessage()}.</li>
 *   <li>Anything else (400, 401, 403, 404, 409, other 4xx) is permanent: the same call fails the same way.</li>
 * </ul>
 *
 * <p>This class is the one place that reads the status code. Which refusal it was ({@link #isUnauthorized()},
 * {@link #isNotFound()}, {@link #isBadRequest()}, {@link #isRefused()}, {@link #isInternalError()}), whether
 * KFP is down ({@link #isUnavailable()}, for the circuit breaker) and the metrics label ({@link #outcome()})
 * are asked here; callers use {@link #httpStatus()} only to print it.
 */
public class KfpException extends RuntimeException {

  private final String operation;
  private final int httpStatus;
  private final Integer kfpCode;
  private final String kfpMessage;
  private final boolean retryable;
  private final boolean ambiguous;
  private final Duration retryAfter;

  public KfpException(String operation, int httpStatus, Integer kfpCode, String kfpMessage, boolean retryable,
      Throwable cause) {
    this(operation, httpStatus, kfpCode, kfpMessage, retryable, false, null, cause);
  }

  public KfpException(String operation, int httpStatus, Integer kfpCode, String kfpMessage, boolean retryable,
      boolean ambiguous, Duration retryAfter, Throwable cause) {
    super(describe(operation, httpStatus, kfpCode, kfpMessage), cause);
    this.operation = operation;
    this.httpStatus = httpStatus;
    this.kfpCode = kfpCode;
    this.kfpMessage = kfpMessage;
    this.retryable = retryable;
    this.ambiguous = ambiguous;
    this.retryAfter = retryAfter;
  }

  private static String describe(String operation, int httpStatus, Integer kfpCode, String kfpMessage) {
    StringBuilder text = new StringBuilder("KFP ").append(operation).append(" failed");
    if (httpStatus > 0) {
      text.append(": HTTP ").append(httpStatus);
    }
    if (kfpCode != null) {
      text.append(", code ").append(kfpCode);
    }
    if (kfpMessage != null && !kfpMessage.isEmpty()) {
      text.append(": ").append(kfpMessage);
    }
    return text.toString();
  }

  /** The KFP call that failed, e.g. {@code CreateRun}. */
  public String operation() {
    return operation;
  }

  /** The HTTP status, or 0 when the call got no response (connect failure, reset, timeout). */
  public int httpStatus() {
    return httpStatus;
  }

  /** KFP's gRPC code from the error body, or null when the body had none. */
  public Integer kfpCode() {
    return kfpCode;
  }

  /**
   * KFP's own message from the error body (the short user-facing one when it says something, else the long
   * one), what went wrong on the way when there was no response, or null.
   */
  public String kfpMessage() {
    return kfpMessage;
  }

  /** True when the same call may succeed later (outage, overload, timeout); false for client mistakes. */
  public boolean isRetryable() {
    return retryable;
  }

  /**
   * True when the call changes state and its outcome is unknown: the request may have reached KFP and taken
   * effect although no success came back (timeout or reset after sending, 5xx). For a create, look for the
   * run before sending it again.
   */
  public boolean isAmbiguous() {
    return ambiguous;
  }

  /** How long the server asked the caller to wait ({@code Retry-After} of a 429 or 503), when it said so. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** True for 404: the run, experiment or artifact asked for does not exist (or no longer does). */
  public boolean isNotFound() {
    return httpStatus == 404;
  }

  /** True for 401 (no or rejected credentials) and 403 (not allowed in that namespace). */
  public boolean isUnauthorized() {
    return httpStatus == 401 || httpStatus == 403;
  }

  /**
   * True for 400: KFP found the request invalid as it stands, e.g. a terminate of a run past the point where it
   * can be terminated, or a spec KFP's own validation rejects.
   */
  public boolean isBadRequest() {
    return httpStatus == 400;
  }

  /**
   * True when KFP refused the request for good for something in the request itself: a 4xx other than the ones
   * with their own predicate ({@link #isUnauthorized()}, {@link #isNotFound()}) and the two that ask to come
   * back later (408, 429). The same request fails the same way.
   */
  public boolean isRefused() {
    return httpStatus >= 400 && httpStatus < 500 && !isUnauthorized() && !isNotFound() && httpStatus != 408
        && httpStatus != 429;
  }

  /**
   * True for 500, KFP's own internal error. On a create it is ambiguous and, since real KFP answers several spec
   * mistakes this way too, repeated only a bounded number of times (see the class comment).
   */
  public boolean isInternalError() {
    return httpStatus == 500;
  }

  /** True when no answer came back: not sent (no token, breaker open, no connection) or no response to it. */
  public boolean hasNoResponse() {
    return httpStatus == 0;
  }

  /**
   * True when KFP answered with success but the answer could not be read: a body not in KFP's shape, an artifact
   * that cannot be unpacked, an answer over the size cap.
   */
  public boolean isUnreadableResponse() {
    return httpStatus >= 200 && httpStatus < 300;
  }

  /**
   * True when KFP did not serve the call, which says KFP (or the way to it) is down or overloaded: no response
   * to a request that went out, 429, 502, 503 or 504. A missing token involves no network, so it says nothing
   * about KFP.
   */
  public boolean isUnavailable() {
    boolean noAnswer = hasNoResponse() && (getCause() == null || getCause() instanceof IOException);
    return noAnswer || httpStatus == 429 || httpStatus == 502 || httpStatus == 503 || httpStatus == 504;
  }

  /** How the call ended, as the {@code outcome} label of the KFP call metrics says it. */
  public KfpCallOutcome outcome() {
    if (hasNoResponse()) {
      return KfpCallOutcome.NO_RESPONSE;
    }
    if (httpStatus >= 500) {
      return KfpCallOutcome.SERVER_ERROR;
    }
    if (httpStatus >= 400) {
      return KfpCallOutcome.CLIENT_ERROR;
    }
    return KfpCallOutcome.INVALID_RESPONSE;
  }

  /** True when the answer was refused for its size (over the client's cap): ask for less at a time. */
  public boolean isTooLarge() {
    for (Throwable cause = getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof BoundedInputStream.TooLargeException) {
        return true; // also when the JSON parser reading the answer wrapped it
      }
    }
    return false;
  }

  /** True when the failed call was a list (the status sync's, handed on to the reconcile it triggers). */
  public boolean isListing() {
    return "ListRuns".equals(operation);
  }
}
