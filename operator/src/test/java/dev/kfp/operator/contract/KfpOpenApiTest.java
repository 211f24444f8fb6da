package dev.kfp.operator.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The validator itself must catch what KFP would reject, or the contract tests prove nothing. */
class KfpOpenApiTest {

  @Test
  void acceptsAWellFormedCreate() {
    KfpOpenApi.assertValidRequest("POST", "/apis/v2beta1/runs",
        "{\"display_name\":\"x\",\"pipeline_version_reference\":{\"pipeline_id\":\"p\"},"
            + "\"runtime_config\":{\"parameters\":{\"a\":1,\"b\":[1,\"x\"],\"c\":{\"k\":true}}}}");
  }

  @Test
  void acceptsAnInlinePipelineSpecAsFreeJson() {
    KfpOpenApi.assertValidRequest("POST", "/apis/v2beta1/runs",
        "{\"display_name\":\"x\",\"pipeline_spec\":{\"pipelineInfo\":{\"name\":\"p\"},\"root\":{}}}");
  }

  @Test
  void rejectsAnUnknownRequestField() {
    assertThatThrownBy(() -> KfpOpenApi.assertValidRequest("POST", "/apis/v2beta1/runs",
        "{\"display_name\":\"x\",\"namespace\":\"team-a\"}"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("namespace");
  }

  @Test
  void knowsTheActionPathsAndReadArtifact() {
    KfpOpenApi.assertValidRequest("POST", "/apis/v2beta1/runs/abc:terminate", null);
    KfpOpenApi.assertValidRequest("GET", "/apis/v2beta1/runs/abc/nodes/n-1/artifacts/main-logs:read", null);
    KfpOpenApi.assertValidResponse("GET", "/apis/v2beta1/runs/abc/nodes/n-1/artifacts/main-logs:read", 200,
        "{\"data\":\"aGVsbG8=\"}");
  }

  @Test
  void acceptsAnInlinePipelineSpecEchoedInResponses() {
    String run = "{\"run_id\":\"r\",\"pipeline_spec\":{\"pipelineInfo\":{\"name\":\"p\"},"
        + "\"root\":{\"dag\":{\"tasks\":{}}}}}";
    KfpOpenApi.assertValidResponse("GET", "/apis/v2beta1/runs/r", 200, run);
    KfpOpenApi.assertValidResponse("GET", "/apis/v2beta1/runs", 200, "{\"runs\":[" + run + "]}");
  }

  @Test
  void validatesReadArtifactErrorsAsGoogleRpcStatus() {
    String notFound = "{\"code\":5,\"message\":\"Run r not found\",\"details\":[{\"@type\":"
        + "\"type.googleapis.com/google.rpc.Status\",\"code\":5,\"message\":\"Run r not found\"}]}";
    KfpOpenApi.assertValidResponse("GET", "/apis/v2beta1/runs/r/nodes/n/artifacts/main-logs:read", 404, notFound);
    assertThat(KfpOpenApi.validateResponse("GET", "/apis/v2beta1/runs/r/nodes/n/artifacts/main-logs:read", 404,
        "{\"code\":\"five\"}").hasErrors()).isTrue();
  }

  @Test
  void rejectsAResponseWithAWrongType() {
    assertThat(KfpOpenApi.validateResponse("GET", "/apis/v2beta1/runs", 200, "{\"total_size\":\"many\"}")
        .hasErrors()).isTrue();
  }

  @Test
  void rejectsAnUnknownPath() {
    assertThat(KfpOpenApi.validateRequest("GET", "/apis/v2beta1/runz", null).hasErrors()).isTrue();
  }
}
