package dev.kfp.operator.kfp;

import java.net.http.HttpTimeoutException;
import java.util.Arrays;

/**
 * KFP failures as the HTTP client would report them, for tests that script a KFP answer without HTTP: each is
 * built by the client's own classification ({@link KfpOperation}), so a test gets the same retryable and
 * ambiguous flags the operator meets in production.
 */
public final class KfpErrors {

  private KfpErrors() {}

  /** KFP answered the call (named as KFP names it, e.g. {@code CreateRun}) with this HTTP status. */
  public static KfpException answered(String operation, int httpStatus, String kfpMessage) {
    String body = "{\"code\": 0, \"message\": \"" + kfpMessage + "\"}";
    return operation(operation).failure(httpStatus, body, null, null);
  }

  /** The call got no answer: the client gave up waiting after sending it. */
  public static KfpException timedOut(String operation) {
    return operation(operation).noResponse(new HttpTimeoutException("request timed out"));
  }

  private static KfpOperation operation(String name) {
    return Arrays.stream(KfpOperation.values()).filter(o -> o.grpcName().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no KFP call named " + name));
  }
}
