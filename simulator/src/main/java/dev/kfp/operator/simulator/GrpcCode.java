package dev.kfp.operator.simulator;

/** The gRPC status codes KFP uses, with the HTTP status grpc-gateway v2 maps each one to. */
enum GrpcCode {
  UNKNOWN(2, 500),
  INVALID_ARGUMENT(3, 400),
  DEADLINE_EXCEEDED(4, 504),
  NOT_FOUND(5, 404),
  ALREADY_EXISTS(6, 409),
  PERMISSION_DENIED(7, 403),
  RESOURCE_EXHAUSTED(8, 429),
  FAILED_PRECONDITION(9, 400),
  ABORTED(10, 409),
  UNIMPLEMENTED(12, 501),
  INTERNAL(13, 500),
  UNAVAILABLE(14, 503),
  UNAUTHENTICATED(16, 401);

  private final int number;
  private final int httpStatus;

  GrpcCode(int number, int httpStatus) {
    this.number = number;
    this.httpStatus = httpStatus;
  }

  int number() {
    return number;
  }

  int httpStatus() {
    return httpStatus;
  }

  /** The code a gateway would report for an HTTP status an injected fault asks for. */
  static GrpcCode forHttpStatus(int status) {
    return switch (status) {
      case 400 -> INVALID_ARGUMENT;
      case 401 -> UNAUTHENTICATED;
      case 403 -> PERMISSION_DENIED;
      case 404 -> NOT_FOUND;
      case 409 -> ABORTED;
      case 429 -> RESOURCE_EXHAUSTED;
      case 501 -> UNIMPLEMENTED;
      case 503 -> UNAVAILABLE;
      case 504 -> DEADLINE_EXCEEDED;
      case 500 -> INTERNAL;
      default -> UNKNOWN;
    };
  }
}
