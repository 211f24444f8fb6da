package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the pipeline of a run comes from: exactly one of a stored version, an inline spec, a ConfigMap. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(
    value = "(has(self.versionRef) ? 1 : 0) + (has(self.spec) ? 1 : 0) + (has(self.specFrom) ? 1 : 0) == 1",
    message = "set exactly one of pipeline.versionRef, pipeline.spec, pipeline.specFrom")
public class PipelineSource {

  private VersionRef versionRef;
  @PreserveUnknownFields
  private JsonNode spec;
  private SpecFrom specFrom;

  public PipelineSource() {}

  public PipelineSource(VersionRef versionRef, JsonNode spec, SpecFrom specFrom) {
    this.versionRef = versionRef;
    this.spec = spec;
    this.specFrom = specFrom;
  }

  /** A pipeline stored in KFP; without a version id, KFP uses the pipeline's latest version. */
  public VersionRef getVersionRef() {
    return versionRef;
  }

  public void setVersionRef(VersionRef versionRef) {
    this.versionRef = versionRef;
  }

  /** An inline compiled pipeline (KFP's IR YAML as an object). */
  public JsonNode getSpec() {
    return spec;
  }

  public void setSpec(JsonNode spec) {
    this.spec = spec;
  }

  /** A compiled pipeline kept in a ConfigMap key of the Run's namespace. */
  public SpecFrom getSpecFrom() {
    return specFrom;
  }

  public void setSpecFrom(SpecFrom specFrom) {
    this.specFrom = specFrom;
  }

  /** A stored pipeline and, optionally, one of its versions. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record VersionRef(String pipelineId, String pipelineVersionId) {}

  /** Names the ConfigMap key holding the compiled pipeline YAML. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SpecFrom(ConfigMapKeyRef configMapKeyRef) {}

  /** A key of a ConfigMap in the Run's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ConfigMapKeyRef(String name, String key) {}
}
