package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Answers no KFP would give become a clear, non-retryable KfpException, never a crash or a huge heap. */
class KfpBadAnswerTest {

  private final KfpStubServer kfp = KfpStubServer.http();
  private final HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl())
      .readTimeout(Duration.ofSeconds(20)).build());

  @AfterEach
  void close() {
    client.close();
    kfp.close();
  }

  @Test
  void invalidJsonIsAnUnreadableAnswer() {
    kfp.respond(200, "{\"run_id\": \"r-1\", \"state\": ");

    assertThatThrownBy(() -> client.getRun("r-1"))
        .isInstanceOfSatisfying(KfpException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(200);
          assertThat(e.isRetryable()).isFalse();
          assertThat(e.getMessage()).contains("GetRun", "unreadable response body");
        });
  }

  @Test
  void anAnswerLargerThanTheLimitIsRefusedWithoutBeingParsed() {
    StringBuilder huge = new StringBuilder().append("{\"run_id\":\"r-1\",\"pipeline_spec\":{\"steps\":[");
    while (huge.length() <= HttpKfpClient.MAX_RESPONSE_BODY) {
      huge.append("\"a step of a very large pipeline\",");
    }
    huge.append("\"last\"]}}");
    kfp.respond(200, huge.toString());

    assertThatThrownBy(() -> client.getRun("r-1"))
        .isInstanceOfSatisfying(KfpException.class, e -> {
          assertThat(e.isRetryable()).isFalse();
          assertThat(e.getMessage()).contains("larger than 16 MiB");
        });
  }

  @Test
  void missingFieldsAndUnknownStatesParseSoThatTheOperatorCanJudgeThem() {
    kfp.respond(200, "{\"state\": \"HIBERNATING\", \"storage_state\": \"COLD\"}");

    KfpRun run = client.getRun("r-1");

    assertThat(run.runId()).isNull();
    assertThat(run.state()).isEqualTo(KfpRuntimeState.UNRECOGNIZED);
    assertThat(run.storageState()).isEqualTo(KfpStorageState.UNRECOGNIZED);
  }
}
