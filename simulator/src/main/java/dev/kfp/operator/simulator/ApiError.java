package dev.kfp.operator.simulator;

import java.util.Map;

/**
 * An error the simulated KFP server answers with: a gRPC code, the long developer message, and the short
 * user-facing message KFP puts into {@code details[0]} (null for errors made by the gateway itself, which
 * carry no details).
 */
final class ApiError extends RuntimeException {

  private final GrpcCode code;
  private final String shortMessage;
  private final Map<String, String> headers;

  ApiError(GrpcCode code, String message, String shortMessage, Map<String, String> headers) {
    super(message, null, false, false);
    this.code = code;
    this.shortMessage = shortMessage;
    this.headers = headers;
  }

  ApiError(GrpcCode code, String message, String shortMessage) {
    this(code, message, shortMessage, Map.of());
  }

  /** KFP's NewInvalidInputError: 400, code 3, the text is both the short and (prefixed) long message. */
  static ApiError invalidInput(String context, String text) {
    return new ApiError(GrpcCode.INVALID_ARGUMENT, context + ": Invalid input error: " + text, text);
  }

  static ApiError notFound(String context, String type, String id) {
    String text = type + " " + id + " not found";
    return new ApiError(GrpcCode.NOT_FOUND, context + ": ResourceNotFoundError: " + text, text);
  }

  /** KFP's NewInternalServerError: the reason is only in the long message. */
  static ApiError internal(String context, String reason) {
    return new ApiError(GrpcCode.INTERNAL, context + ": InternalServerError: " + reason, "Internal Server Error");
  }

  /** KFP's NewBadRequestError, which becomes Aborted (409). */
  static ApiError badRequest(String context, String text) {
    return new ApiError(GrpcCode.ABORTED, context + ": BadRequestError: " + text, text);
  }

  static ApiError failedPrecondition(String context, String text) {
    return new ApiError(GrpcCode.FAILED_PRECONDITION, context + ": FailedPreconditionError: " + text, text);
  }

  /** An error grpc-gateway produces before the handler runs (bad JSON, bad query parameter): no details. */
  static ApiError gateway(String text) {
    return new ApiError(GrpcCode.INVALID_ARGUMENT, text, null);
  }

  GrpcCode code() {
    return code;
  }

  String shortMessage() {
    return shortMessage;
  }

  Map<String, String> headers() {
    return headers;
  }
}
