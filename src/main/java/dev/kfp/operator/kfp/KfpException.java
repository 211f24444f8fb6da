package dev.kfp.operator.kfp;

/**
 * A failed call to KFP: the HTTP status (0 when no response arrived), KFP's gRPC code and message when the
 * body had them, and whether repeating the same call later can succeed.
 */
public class KfpException extends RuntimeException {

  private final String operation;
  private final int httpStatus;
  private final Integer kfpCode;
  private final String kfpMessage;
  private final boolean retryable;

  public KfpException(String operation, int httpStatus, Integer kfpCode, String kfpMessage, boolean retryable,
      Throwable cause) {
    super(describe(operation, httpStatus, kfpCode, kfpMessage), cause);
    this.operation = operation;
    this.httpStatus = httpStatus;
    this.kfpCode = kfpCode;
    this.kfpMessage = kfpMessage;
    this.retryable = retryable;
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

  /** KFP's own message from the error body, or null. */
  public String kfpMessage() {
    return kfpMessage;
  }

  /** True when the same call may succeed later (outage, overload, timeout); false for client mistakes. */
  public boolean isRetryable() {
    return retryable;
  }

  public boolean isNotFound() {
    return httpStatus == 404;
  }
}
