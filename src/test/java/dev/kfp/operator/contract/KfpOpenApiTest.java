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
  void rejectsAResponseWithAWrongType() {
    assertThat(KfpOpenApi.validateResponse("GET", "/apis/v2beta1/runs", 200, "{\"total_size\":\"many\"}")
        .hasErrors()).isTrue();
  }

  @Test
  void rejectsAnUnknownPath() {
    assertThat(KfpOpenApi.validateRequest("GET", "/apis/v2beta1/runz", null).hasErrors()).isTrue();
  }
}
