package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KFP's wire format as the client reads and writes it. */
class KfpJsonTest {

  private final ObjectMapper json = KfpJson.mapper();

  @Test
  void parametersOfEveryJsonTypeRoundTripUnchanged() throws Exception {
    String parameters = "{\"s\":\"x y\",\"i\":3,\"big\":9007199254740993,\"d\":0.01,\"neg\":-1.5e-7,\"t\":true,"
        + "\"f\":false,\"n\":null,\"l\":[1,\"a\",null,{\"k\":[]}],\"o\":{\"nested\":{\"x\":[1.5]}},\"e\":\"\"}";
    RuntimeConfig config = json.readValue("{\"parameters\":" + parameters + ",\"pipeline_root\":\"s3://b/r\"}",
        RuntimeConfig.class);

    JsonNode written = json.readTree(json.writeValueAsString(config));

    assertThat(written.get("parameters")).isEqualTo(json.readTree(parameters));
    assertThat(written.get("parameters").get("n").isNull()).isTrue();
    assertThat(written.get("pipeline_root").asText()).isEqualTo("s3://b/r");
  }

  @Test
  void unknownFieldsAndUnknownEnumValuesParse() throws Exception {
    KfpRun run = json.readValue("""
        {"run_id":"r1","display_name":"d","state":"HIBERNATING","storage_state":"FROZEN",
         "plugins_output":{"mlflow":{"state":"X"}},"a_field_from_the_future":{"x":1},
         "state_history":[{"update_time":"2026-11-29T10:00:00Z","state":"TELEPORTING","note":"?"}]}
        """, KfpRun.class);

    assertThat(run.runId()).isEqualTo("r1");
    assertThat(run.state()).isEqualTo(KfpRuntimeState.UNRECOGNIZED);
    assertThat(run.storageState()).isEqualTo(KfpStorageState.UNRECOGNIZED);
    assertThat(run.stateHistory()).singleElement()
        .satisfies(status -> assertThat(status.state()).isEqualTo(KfpRuntimeState.UNRECOGNIZED));
  }

  @Test
  void timestampsParseWithZuluOrOffsetAndTheEpochMeansUnfinished() throws Exception {
    KfpRun run = json.readValue("""
        {"created_at":"2026-11-29T10:00:00Z","scheduled_at":"2026-11-29T12:00:00+02:00",
         "finished_at":"1970-01-01T00:00:00Z"}
        """, KfpRun.class);

    assertThat(run.createdAt()).isEqualTo(Instant.parse("2026-11-29T10:00:00Z"));
    assertThat(run.scheduledAt()).isEqualTo(run.createdAt());
    assertThat(run.hasFinished()).isFalse();
  }

  @Test
  void timestampsAreWrittenAsRfc3339Strings() throws Exception {
    String written = json.writeValueAsString(new RuntimeStatus(Instant.parse("2026-11-29T10:00:00Z"),
        KfpRuntimeState.RUNNING, null));

    assertThat(written).isEqualTo("{\"update_time\":\"2026-11-29T10:00:00Z\",\"state\":\"RUNNING\"}");
  }

  @Test
  void int64FieldsArriveAsStringsOrNumbers() throws Exception {
    RunDetails details = json.readValue("""
        {"pipeline_context_id":"42","pipeline_run_context_id":43,
         "task_details":[{"task_id":"t","execution_id":"9007199254740993","child_tasks":[{"pod_name":"p-1"}]}]}
        """, RunDetails.class);

    assertThat(details.pipelineContextId()).isEqualTo("42");
    assertThat(details.pipelineRunContextId()).isEqualTo("43");
    assertThat(details.taskDetails().get(0).executionId()).isEqualTo("9007199254740993");
    assertThat(details.taskDetails().get(0).childTasks().get(0).podName()).isEqualTo("p-1");
  }

  @Test
  void anEmptyListIsJustBraces() throws Exception {
    ListRunsResponse page = json.readValue("{}", ListRunsResponse.class);

    assertThat(page.runs()).isEmpty();
    assertThat(page.totalSize()).isZero();
    assertThat(page.nextPageToken()).isNull();
    assertThat(page.hasNextPage()).isFalse();
  }

  @Test
  void nullFieldsAreNeverWritten() throws Exception {
    KfpRun run = KfpRun.create("nightly").runtimeConfig(new RuntimeConfig(Map.of(), null)).build();

    assertThat(json.writeValueAsString(run)).isEqualTo("{\"display_name\":\"nightly\",\"runtime_config\":"
        + "{\"parameters\":{}}}");
  }

  @Test
  void aRunErrorIsAStatusWithDetails() throws Exception {
    KfpRun run = json.readValue("""
        {"run_id":"r","error":{"code":13,"message":"cannot convert","details":[{"@type":"x","code":13}]}}
        """, KfpRun.class);

    assertThat(run.error().code()).isEqualTo(13);
    assertThat(run.error().message()).isEqualTo("cannot convert");
    assertThat(run.error().details()).hasSize(1);
    assertThat(List.of(run.error().details().get(0).get("@type").asText())).containsExactly("x");
  }
}
