package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where the pipeline of a run comes from: exactly one of a stored version, an inline spec, a ConfigMap. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(
    value = "(has(self.versionRef) ? 1 : 0) + (has(dyn(self).spec) ? 1 : 0) + (has(self.specFrom) ? 1 : 0) == 1",
    message = "set exactly one of spec.pipeline.versionRef (a pipeline stored in KFP), spec.pipeline.spec (an inline"
        + " compiled pipeline) or spec.pipeline.specFrom (a ConfigMap key holding one)")
public class PipelineSource {

  private VersionRef versionRef;
  /**
   * A map rather than a free-form JSON value: the API server then compares it key by key, so that the
   * immutability rule on {@code spec.pipeline} sees a renamed top-level key. CEL has no type for it (its values
   * are any JSON), hence {@code dyn(self).spec} in the rule above.
   */
  private Map<String, JsonNode> spec;
  private SpecFrom specFrom;

  public PipelineSource() {}

  public PipelineSource(VersionRef versionRef, Map<String, JsonNode> spec, SpecFrom specFrom) {
    this.versionRef = versionRef;
    this.spec = spec;
    this.specFrom = specFrom;
  }

  /** An inline compiled pipeline, from the object the KFP SDK's YAML output reads as. */
  public static PipelineSource inline(ObjectNode compiled) {
    Map<String, JsonNode> spec = new LinkedHashMap<>();
    compiled.fields().forEachRemaining(field -> spec.put(field.getKey(), field.getValue().deepCopy()));
    return new PipelineSource(null, spec, null);
  }

  /** A pipeline stored in KFP; without a version id, KFP uses the pipeline's latest version. */
  public VersionRef getVersionRef() {
    return versionRef;
  }

  public void setVersionRef(VersionRef versionRef) {
    this.versionRef = versionRef;
  }

  /** An inline compiled pipeline (KFP's IR YAML as an object). */
  public Map<String, JsonNode> getSpec() {
    return spec;
  }

  public void setSpec(Map<String, JsonNode> spec) {
    this.spec = spec;
  }

  /** A compiled pipeline kept in a ConfigMap key of the Run's namespace. */
  public SpecFrom getSpecFrom() {
    return specFrom;
  }

  public void setSpecFrom(SpecFrom specFrom) {
    this.specFrom = specFrom;
  }

  /**
   * A stored pipeline and, optionally, one of its versions, named one of three ways: by KFP ids, by the pipeline's
   * name (and a version's display name), or by a PipelineVersion object of KFP's Kubernetes-native mode. Names are
   * resolved to ids once, at submission (status.pipelineId, status.pipelineVersionId).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @ValidationRule(value = "(has(self.pipelineId) || has(self.pipelineVersionId) ? 1 : 0)"
      + " + (has(self.pipelineName) || has(self.versionName) ? 1 : 0) + (has(self.pipelineVersionObject) ? 1 : 0) == 1",
      message = VersionRef.ONE_WAY)
  @ValidationRule(value = "!has(self.versionName) || has(self.pipelineName)", fieldPath = ".versionName",
      reason = "FieldValueRequired", message = "spec.pipeline.versionRef.versionName needs pipelineName: it names a"
      + " version of that pipeline")
  public record VersionRef(
      @JsonPropertyDescription("KFP pipeline id; without pipelineVersionId, KFP runs the pipeline's latest version.")
      String pipelineId,
      @JsonPropertyDescription("KFP pipeline version id.")
      String pipelineVersionId,
      @JsonPropertyDescription("The pipeline's name in KFP (GetPipelineByName; in multi-user KFP, of the Run's"
          + " namespace), resolved to its id at submission.")
      String pipelineName,
      @JsonPropertyDescription("Display name of a version of pipelineName; without it, the pipeline's latest"
          + " version at creation.")
      String versionName,
      @Pattern(DNS_SUBDOMAIN)
      @JsonPropertyDescription("Name of a pipelines.kubeflow.org/v2beta1 PipelineVersion in the Run's namespace"
          + " (KFP's Kubernetes-native mode): its UID is the version id, its Pipeline owner's UID the pipeline id.")
      String pipelineVersionObject) {

    static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public static final String ONE_WAY = "spec.pipeline.versionRef names the pipeline one way: pipelineId and/or"
        + " pipelineVersionId (KFP ids), or pipelineName with an optional versionName, or pipelineVersionObject";

    /** A reference by KFP ids. */
    public VersionRef(String pipelineId, String pipelineVersionId) {
      this(pipelineId, pipelineVersionId, null, null, null);
    }

    /** A reference by the pipeline's name and, optionally, a version's display name. */
    public static VersionRef byName(String pipelineName, String versionName) {
      return new VersionRef(null, null, pipelineName, versionName, null);
    }

    /** A reference to a PipelineVersion object in the Run's namespace. */
    public static VersionRef byObject(String pipelineVersionObject) {
      return new VersionRef(null, null, null, null, pipelineVersionObject);
    }
  }

  /** Names the ConfigMap key holding the compiled pipeline YAML. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SpecFrom(ConfigMapKeyRef configMapKeyRef) {}

  /** A key of a ConfigMap in the Run's namespace. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ConfigMapKeyRef(String name, String key) {}
}
