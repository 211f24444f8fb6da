package dev.kfp.operator.simulator;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * One kind of misbehaviour to inject, built fluently and immutable:
 * {@code Fault.status(503).on(Endpoint.CREATE_RUN).times(2)}. By default a fault hits every call of every
 * endpoint, forever; {@link #fraction}, {@link #on} and {@link #times} narrow it.
 */
public record Fault(Kind kind, int httpStatus, Duration retryAfter, Duration minDelay, Duration maxDelay,
    double fraction, Set<Endpoint> endpoints, int times) {

  /** What happens to a call the fault hits. */
  public enum Kind {
    /** Answer with an HTTP error status and a google.rpc.Status body; the call is not executed. */
    STATUS,
    /** Close the connection without any response; the call is not executed. */
    DROP_CONNECTION,
    /** Execute a create (the run is stored), then close the connection without a response. */
    COMMIT_THEN_DROP,
    /** Wait before handling the call; combines with every other fault. */
    LATENCY
  }

  /** Unlimited {@link #times}. */
  public static final int FOREVER = -1;

  public Fault {
    endpoints = Set.copyOf(endpoints);
    if (fraction < 0 || fraction > 1) {
      throw new IllegalArgumentException("fraction must be within [0, 1]: " + fraction);
    }
  }

  private static Fault of(Kind kind, int status, Duration retryAfter, Duration min, Duration max,
      Set<Endpoint> endpoints) {
    return new Fault(kind, status, retryAfter, min, max, 1.0, endpoints, FOREVER);
  }

  /** Answers with this HTTP status (503, 500, 502, ...) and the gRPC code grpc-gateway pairs with it. */
  public static Fault status(int httpStatus) {
    return of(Kind.STATUS, httpStatus, null, null, null, Set.of());
  }

  /** 429 (ResourceExhausted) with a {@code Retry-After} header in whole seconds. */
  public static Fault tooManyRequests(Duration retryAfter) {
    return of(Kind.STATUS, 429, retryAfter, null, null, Set.of());
  }

  public static Fault connectionDrop() {
    return of(Kind.DROP_CONNECTION, 0, null, null, null, Set.of());
  }

  /** The run IS stored, the client gets no response: the cause of duplicate runs in naive clients. */
  public static Fault commitThenDrop() {
    return of(Kind.COMMIT_THEN_DROP, 0, null, null, null, Set.of(Endpoint.CREATE_RUN));
  }

  public static Fault latency(Duration delay) {
    return of(Kind.LATENCY, 0, null, delay, delay, Set.of());
  }

  /** A delay drawn uniformly from [min, max] for each call. */
  public static Fault latency(Duration min, Duration max) {
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException("max < min: " + max + " < " + min);
    }
    return of(Kind.LATENCY, 0, null, min, max, Set.of());
  }

  /** Hits each matching call with this probability. */
  public Fault fraction(double fraction) {
    return new Fault(kind, httpStatus, retryAfter, minDelay, maxDelay, fraction, endpoints, times);
  }

  /** Only these endpoints (commit-then-drop is always create only). */
  public Fault on(Endpoint... only) {
    Set<Endpoint> set = only.length == 0 ? Set.of() : EnumSet.of(only[0], only);
    if (kind == Kind.COMMIT_THEN_DROP && !set.equals(Set.of(Endpoint.CREATE_RUN))) {
      throw new IllegalArgumentException("commit-then-drop applies to CREATE_RUN only");
    }
    return new Fault(kind, httpStatus, retryAfter, minDelay, maxDelay, fraction, set, times);
  }

  /** Only the next {@code n} calls it hits. */
  public Fault times(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("times must be >= 0: " + n);
    }
    return new Fault(kind, httpStatus, retryAfter, minDelay, maxDelay, fraction, endpoints, n);
  }

  boolean appliesTo(Endpoint endpoint) {
    return endpoints.isEmpty() || endpoints.contains(endpoint);
  }
}
