package dev.kfp.operator.kfp;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;

/**
 * The nine calls of the runs service, plus reading an experiment and finding a pipeline version by name, each
 * knowing how its failures are classified.
 */
enum KfpOperation {
  CREATE_RUN("CreateRun", Effect.CREATE),
  GET_RUN("GetRun", Effect.READ),
  LIST_RUNS("ListRuns", Effect.READ),
  ARCHIVE_RUN("ArchiveRun", Effect.ACTION),
  UNARCHIVE_RUN("UnarchiveRun", Effect.ACTION),
  TERMINATE_RUN("TerminateRun", Effect.ACTION),
  RETRY_RUN("RetryRun", Effect.ACTION),
  DELETE_RUN("DeleteRun", Effect.ACTION),
  READ_ARTIFACT("ReadArtifact", Effect.READ),
  GET_EXPERIMENT("GetExperiment", Effect.READ),
  GET_PIPELINE_BY_NAME("GetPipelineByName", Effect.READ),
  LIST_PIPELINE_VERSIONS("ListPipelineVersions", Effect.READ);

  private enum Effect { READ, ACTION, CREATE }

  /** Short messages KFP puts in {@code details} that say nothing; the reason is then in the long message. */
  private static final Set<String> GENERIC_MESSAGES = Set.of("internal server error", "service unavailable");
  private static final int MAX_TEXT_BODY = 500;

  private final String grpcName;
  private final Effect effect;

  KfpOperation(String grpcName, Effect effect) {
    this.grpcName = grpcName;
    this.effect = effect;
  }

  /** KFP's name of the call, e.g. {@code CreateRun}. */
  String grpcName() {
    return grpcName;
  }

  private boolean changesState() {
    return effect != Effect.READ;
  }

  /** The call got no response: nothing to parse, always worth another try later. */
  KfpException noResponse(IOException cause) {
    // These failures happen before a single request byte is written, so nothing can have taken effect.
    boolean notSent = cause instanceof ConnectException || cause instanceof UnknownHostException
        || cause instanceof NoRouteToHostException || cause instanceof SSLHandshakeException;
    String what = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    return new KfpException(grpcName, 0, null, "no response from KFP (" + what + ")", true,
        changesState() && !notSent, null, cause);
  }

  /** A bearer token could not be obtained, so nothing was sent. */
  KfpException noCredentials(RuntimeException cause) {
    return new KfpException(grpcName, 0, null, "cannot get the bearer token: " + cause.getMessage(), true,
        false, null, cause);
  }

  /** A 2xx response whose body is not what KFP sends; the call itself may well have succeeded. */
  KfpException unreadableResponse(int httpStatus, Exception cause) {
    return new KfpException(grpcName, httpStatus, null, "unreadable response body: " + cause.getMessage(), false,
        changesState(), null, cause);
  }

  /** An artifact that arrived but cannot be unpacked (not base64, not gzip, not a tar, too large). */
  KfpException unreadableArtifact(IOException cause) {
    return new KfpException(grpcName, 200, null, cause.getMessage(), false, false, null, cause);
  }

  /** A non-2xx response, classified from its status; the body supplies KFP's code and message. */
  KfpException failure(int httpStatus, String body, String location, String retryAfterHeader) {
    ErrorBody error = ErrorBody.parse(body);
    String message = error.message();
    if (httpStatus >= 300 && httpStatus < 400) {
      message = "redirected to " + location + " (is an authenticating proxy in front of KFP?)";
    }
    boolean overloadOrGateway = httpStatus == 408 || httpStatus == 429 || httpStatus == 502 || httpStatus == 503
        || httpStatus == 504;
    boolean serverFault = httpStatus >= 500 && httpStatus != 501;
    // KFP answers several client mistakes on create with 500, so only reads and actions repeat a plain 500.
    boolean retryable = overloadOrGateway || (serverFault && effect != Effect.CREATE);
    boolean ambiguous = changesState() && serverFault;
    return new KfpException(grpcName, httpStatus, error.code(), message, retryable, ambiguous,
        parseRetryAfter(retryAfterHeader), null);
  }

  static Duration parseRetryAfter(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String value = header.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
    } catch (NumberFormatException notSeconds) {
      try {
        Duration wait = Duration.between(Instant.now(),
            ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }

  /** KFP's gRPC code and the most useful message found in an error body of any shape KFP writes. */
  record ErrorBody(Integer code, String message) {

    static ErrorBody parse(String body) {
      if (body == null || body.isBlank()) {
        return new ErrorBody(null, null);
      }
      JsonNode json;
      try {
        json = KfpJson.mapper().readTree(body);
      } catch (IOException notJson) {
        return new ErrorBody(null, plainText(body));
      }
      if (json == null || !json.isObject()) {
        return new ErrorBody(null, plainText(body));
      }
      Integer code = asInt(json.path("code"));
      // >= 2.14: {code, message, details}; <= 2.5 adds "error"; read_artifact >= 2.15: {error_message, error_details}
      String longMessage = firstText(json, "message", "error", "error_message", "error_details");
      JsonNode detail = json.path("details").path(0);
      String shortMessage = firstText(detail, "message", "error_message");
      boolean shortSaysSomething = shortMessage != null
          && !GENERIC_MESSAGES.contains(shortMessage.trim().toLowerCase(Locale.ROOT));
      return new ErrorBody(code, shortSaysSomething || longMessage == null ? shortMessage : longMessage);
    }

    private static Integer asInt(JsonNode node) {
      if (node.isNumber()) {
        return node.intValue();
      }
      if (!node.isTextual()) {
        return null;
      }
      try {
        return Integer.valueOf(node.asText().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }

    private static String firstText(JsonNode node, String... fields) {
      for (String field : fields) {
        JsonNode value = node.path(field);
        if (value.isTextual() && !value.asText().isBlank()) {
          return value.asText();
        }
      }
      return null;
    }

    private static String plainText(String body) {
      String text = body.strip().replaceAll("\\s+", " ");
      return text.length() <= MAX_TEXT_BODY ? text : text.substring(0, MAX_TEXT_BODY) + "...";
    }
  }
}
