package dev.kfp.operator.simulator;

import static dev.kfp.operator.simulator.SimulatorFixture.runOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kfp.operator.CompiledPipelines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Create as KFP ≥ 2.14 does it: checks in KFP's order, KFP's odd statuses, the stored run as response. */
class SimulatorCreateTest {

  private final ManualClock clock = new ManualClock();
  private KfpSimulator simulator;
  private SimulatorHttp http;
  private PipelineVersion echo;

  @BeforeEach
  void start() {
    simulator = KfpSimulator.builder().clock(clock).start();
    http = new SimulatorHttp(simulator);
    echo = simulator.registerPipeline("echo", CompiledPipelines.yaml("arguments_parameters"));
  }

  @AfterEach
  void stop() {
    simulator.close();
  }

  @Test
  void createReturnsThePendingRunWithKfpDefaults() {
    var reply = http.post("/apis/v2beta1/runs", runOf("nightly", echo.pipelineId(),
        "\"description\":\"uid=42\",\"runtime_config\":{\"parameters\":{\"param2\":\"x\"},"
            + "\"pipeline_root\":\"s3://b/r\"}"));

    assertThat(reply.status()).isEqualTo(200);
    JsonNode run = reply.body();
    assertThat(run.get("run_id").asText()).isNotEmpty();
    assertThat(run.get("experiment_id").asText()).isEqualTo(simulator.defaultExperimentId().orElseThrow());
    assertThat(run.get("state").asText()).isEqualTo("PENDING");
    assertThat(run.get("storage_state").asText()).isEqualTo("AVAILABLE");
    assertThat(run.get("created_at").asText()).isEqualTo("2026-11-29T10:00:00Z");
    assertThat(run.get("scheduled_at").asText()).isEqualTo("2026-11-29T10:00:00Z");
    assertThat(run.get("finished_at").asText()).isEqualTo("1970-01-01T00:00:00Z");
    assertThat(run.get("service_account").asText()).isEqualTo("pipeline-runner");
    assertThat(run.get("pipeline_version_reference").get("pipeline_version_id").asText())
        .isEqualTo(echo.pipelineVersionId());
    assertThat(run.get("runtime_config").toString())
        .isEqualTo("{\"parameters\":{\"param2\":\"x\"},\"pipeline_root\":\"s3://b/r\"}");
    assertThat(run.get("state_history").toString())
        .isEqualTo("[{\"update_time\":\"2026-11-29T10:00:00Z\",\"state\":\"PENDING\"}]");
    assertThat(run.has("run_details")).isFalse();
    assertThat(run.has("pipeline_spec")).isFalse();
    assertThat(simulator.runCount()).isEqualTo(1);
  }

  @Test
  void createAcceptsLowerCamelNamesAndUsesTheLatestVersion() {
    PipelineVersion newer = simulator.registerPipelineVersion(echo.pipelineId(), "v2",
        CompiledPipelines.yaml("arguments_parameters"));

    var reply = http.post("/apis/v2beta1/runs?experiment_id=ignored", "{\"displayName\":\"camel\","
        + "\"pipelineVersionReference\":{\"pipelineId\":\"" + echo.pipelineId() + "\"},"
        + "\"runtimeConfig\":{\"parameters\":{\"param2\":\"y\"}},\"serviceAccount\":\"sa\"}");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("display_name").asText()).isEqualTo("camel");
    assertThat(reply.body().get("service_account").asText()).isEqualTo("sa");
    assertThat(reply.body().get("pipeline_version_reference").get("pipeline_version_id").asText())
        .isEqualTo(newer.pipelineVersionId());
  }

  @Test
  void createByVersionIdAloneFillsInThePipeline() {
    var reply = http.post("/apis/v2beta1/runs", "{\"display_name\":\"v\",\"pipeline_version_reference\":"
        + "{\"pipeline_version_id\":\"" + echo.pipelineVersionId() + "\"},"
        + "\"runtime_config\":{\"parameters\":{\"param2\":\"y\"}}}");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("pipeline_version_reference").get("pipeline_id").asText())
        .isEqualTo(echo.pipelineId());
  }

  @Test
  void createWithAnInlineSpecEchoesTheSpecAndNormalisesNumbers() throws Exception {
    JsonNode spec = new ObjectMapper(new YAMLFactory()).readTree(CompiledPipelines.yaml("preprocess"));
    String body = "{\"display_name\":\"inline\",\"pipeline_spec\":" + spec + ",\"runtime_config\":{\"parameters\":"
        + "{\"message\":\"m\",\"input_list_parameter\":[1.0,\"a\"],\"input_dict_parameter\":{\"k\":3.0}}}}";

    var reply = http.post("/apis/v2beta1/runs", body);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("pipeline_spec").get("pipelineInfo").get("name").asText()).isEqualTo("preprocess");
    assertThat(reply.body().has("pipeline_version_reference")).isFalse();
    assertThat(reply.body().get("runtime_config").get("parameters").toString())
        .isEqualTo("{\"message\":\"m\",\"input_list_parameter\":[1,\"a\"],\"input_dict_parameter\":{\"k\":3}}");
  }

  @Test
  void numbersBeyondTwoToThe53AreWrittenAsProtojsonWritesThemWithoutExponent() throws Exception {
    JsonNode spec = new ObjectMapper(new YAMLFactory()).readTree(CompiledPipelines.yaml("preprocess"));
    ((ObjectNode) spec.get("pipelineInfo")).put("limit", 1e20);
    String body = "{\"display_name\":\"big\",\"pipeline_spec\":" + spec + ",\"runtime_config\":{\"parameters\":"
        + "{\"message\":\"m\",\"input_list_parameter\":[9007199254740993,1e21,-1.5e-7,0.00001],"
        + "\"input_dict_parameter\":{\"k\":12345678.5}}}}";

    var reply = http.post("/apis/v2beta1/runs", body);

    assertThat(reply.status()).isEqualTo(200);
    String parameters = reply.raw().body().substring(reply.raw().body().indexOf("\"runtime_config\""));
    System.out.println("simulator: as written: " + parameters.substring(0, parameters.indexOf("}}") + 2));
    assertThat(parameters).contains("[9007199254740992,1e+21,-1.5e-7,0.00001]", "{\"k\":12345678.5}");
    assertThat(reply.raw().body()).contains("\"limit\":100000000000000000000").doesNotContain("E15", "E20");
  }

  @Test
  void createAcceptsASpecWrappedWithPlatformSpec() throws Exception {
    JsonNode spec = new ObjectMapper(new YAMLFactory()).readTree(CompiledPipelines.yaml("pipeline_with_condition"));
    var reply = http.post("/apis/v2beta1/runs", "{\"display_name\":\"wrapped\",\"pipeline_spec\":"
        + "{\"pipeline_spec\":" + spec + ",\"platform_spec\":{\"platforms\":{}}}}");

    assertThat(reply.status()).isEqualTo(200);
  }

  @Test
  void clientSentRunIdIsHonouredAndADuplicateIs500() {
    String body = runOf("mine", echo.pipelineId(),
        "\"run_id\":\"my-run-1\",\"runtime_config\":{\"parameters\":{\"param2\":\"x\"}}");

    var first = http.post("/apis/v2beta1/runs", body);
    var second = http.post("/apis/v2beta1/runs", body);

    assertThat(first.body().get("run_id").asText()).isEqualTo("my-run-1");
    assertThat(second.status()).isEqualTo(500);
    assertThat(second.code()).isEqualTo(13);
    assertThat(second.body().get("message").asText()).contains("Duplicate entry");
    assertThat(simulator.runCount()).isEqualTo(1);
  }

  @Test
  void emptyDisplayNameIs500WithTheReasonOnlyInTheMessage() {
    var reply = http.post("/apis/v2beta1/runs", "{\"pipeline_version_reference\":{\"pipeline_id\":\""
        + echo.pipelineId() + "\"}}");

    assertThat(reply.status()).isEqualTo(500);
    assertThat(reply.code()).isEqualTo(13);
    assertThat(reply.body().get("message").asText()).contains("Run name cannot be empty");
    assertThat(reply.shortMessage()).isEqualTo("Internal Server Error");
    assertThat(reply.body().get("details").get(0).get("@type").asText())
        .isEqualTo("type.googleapis.com/google.rpc.Status");
  }

  @Test
  void noBodyAtAllIsTheEmptyNameError() {
    var reply = http.post("/apis/v2beta1/runs", "");

    assertThat(reply.status()).isEqualTo(500);
    assertThat(reply.body().get("message").asText()).contains("Run name cannot be empty");
  }

  @Test
  void missingPipelineSourceIs500() {
    var reply = http.post("/apis/v2beta1/runs", "{\"display_name\":\"x\"}");

    assertThat(reply.status()).isEqualTo(500);
    assertThat(reply.body().get("message").asText()).contains("missing pipeline spec");
  }

  @Test
  void theDeprecatedTopLevelVersionIdIsNoSource() {
    var reply = http.post("/apis/v2beta1/runs", "{\"display_name\":\"x\",\"pipeline_version_id\":\""
        + echo.pipelineVersionId() + "\"}");

    assertThat(reply.status()).isEqualTo(500);
  }

  @Test
  void unknownPipelineOrVersionIs500() {
    var unknownPipeline = http.post("/apis/v2beta1/runs", runOf("x", "nope", ""));
    var unknownVersion = http.post("/apis/v2beta1/runs", "{\"display_name\":\"x\",\"pipeline_version_reference\":"
        + "{\"pipeline_id\":\"" + echo.pipelineId() + "\",\"pipeline_version_id\":\"nope\"}}");
    PipelineVersion other = simulator.registerPipeline("other", CompiledPipelines.yaml("preprocess"));
    var foreignVersion = http.post("/apis/v2beta1/runs", "{\"display_name\":\"x\",\"pipeline_version_reference\":"
        + "{\"pipeline_id\":\"" + echo.pipelineId() + "\",\"pipeline_version_id\":\"" + other.pipelineVersionId()
        + "\"}}");

    assertThat(unknownPipeline.status()).isEqualTo(500);
    assertThat(unknownPipeline.body().get("message").asText()).contains("Pipeline nope not found");
    assertThat(unknownVersion.status()).isEqualTo(500);
    assertThat(unknownVersion.body().get("message").asText()).contains("PipelineVersion nope not found");
    assertThat(foreignVersion.status()).isEqualTo(500);
    assertThat(simulator.runCount()).isZero();
  }

  @Test
  void invalidInlineSpecIs500() {
    var reply = http.post("/apis/v2beta1/runs", "{\"display_name\":\"x\",\"pipeline_spec\":{\"a\":1}}");

    assertThat(reply.status()).isEqualTo(500);
    assertThat(reply.body().get("message").asText()).contains("invalid pipeline spec");
  }

  @Test
  void unknownExperimentIs404() {
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(), "\"experiment_id\":\"nope\""));

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.code()).isEqualTo(5);
    assertThat(reply.shortMessage()).isEqualTo("Experiment nope not found");
  }

  @Test
  void runGoesIntoTheNamedExperiment() {
    Experiment experiment = simulator.registerExperiment("exp", "");
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(),
        "\"experiment_id\":\"" + experiment.experimentId() + "\",\"runtime_config\":{\"parameters\":{\"param2\":\"x\"}}"));

    assertThat(reply.body().get("experiment_id").asText()).isEqualTo(experiment.experimentId());
  }

  @Test
  void unknownFieldIs400WithoutDetails() {
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(), "\"namespace\":\"team-a\""));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.code()).isEqualTo(3);
    assertThat(reply.body().get("message").asText()).contains("unknown field \"namespace\"");
    assertThat(reply.body().has("details")).isFalse();
  }

  @Test
  void unknownNestedFieldIs400() {
    var reply = http.post("/apis/v2beta1/runs", "{\"display_name\":\"x\",\"pipeline_version_reference\":"
        + "{\"pipeline_id\":\"" + echo.pipelineId() + "\",\"version\":\"1\"}}");

    assertThat(reply.status()).isEqualTo(400);
  }

  @Test
  void bothPipelineSourcesAre400() {
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(), "\"pipeline_spec\":{\"root\":{}}"));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().get("message").asText()).contains("already set");
  }

  @Test
  void malformedJsonIs400() {
    assertThat(http.post("/apis/v2beta1/runs", "{\"display_name\":").status()).isEqualTo(400);
    assertThat(http.post("/apis/v2beta1/runs", "{\"display_name\":7}").status()).isEqualTo(400);
  }

  @Test
  void nullFieldsAreIgnored() {
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(),
        "\"description\":null,\"runtime_config\":{\"parameters\":{\"param2\":\"x\"}}"));

    assertThat(reply.status()).isEqualTo(200);
  }

  @Test
  void missingRequiredParameterIs400() {
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(), ""));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.code()).isEqualTo(3);
    assertThat(reply.shortMessage()).contains("param2");
  }

  @Test
  void undeclaredParameterIs400() {
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(),
        "\"runtime_config\":{\"parameters\":{\"param2\":\"x\",\"surprise\":1}}"));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.shortMessage()).contains("surprise");
  }

  @Test
  void parameterOfTheWrongJsonKindIs400() {
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(),
        "\"runtime_config\":{\"parameters\":{\"param2\":3}}"));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.shortMessage())
        .isEqualTo("input parameter param2 requires type string, but the input parameter is not of string value type");
  }

  @Test
  void pluginsOutputIs409() {
    var reply = http.post("/apis/v2beta1/runs", runOf("x", echo.pipelineId(), "\"plugins_output\":{}"));

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.code()).isEqualTo(10);
  }
}
