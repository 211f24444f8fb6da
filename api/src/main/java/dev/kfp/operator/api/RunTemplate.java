package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;
import java.util.Map;

/**
 * What each Run of a {@link RunSchedule} is made of: its labels, its annotations and its spec. The spec is kept as
 * written: the Run CRD is what validates it, when the operator checks the template (a dry-run create) and when it
 * creates each Run; unlike a Run's own spec it may be edited at any time, and an edit shapes the next Runs only.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RunTemplate {

  @JsonPropertyDescription("Metadata of each Run: labels and annotations (a name is given by the schedule).")
  private Metadata metadata;
  @Required
  @PreserveUnknownFields
  @JsonPropertyDescription("The spec of each Run: everything a Run's spec accepts (the Run CRD validates it). An edit"
      + " applies to the next Runs only.")
  private ObjectNode spec;

  public RunTemplate() {}

  public RunTemplate(Metadata metadata, ObjectNode spec) {
    this.metadata = metadata;
    this.spec = spec;
  }

  public Metadata getMetadata() {
    return metadata;
  }

  public void setMetadata(Metadata metadata) {
    this.metadata = metadata;
  }

  public ObjectNode getSpec() {
    return spec;
  }

  public void setSpec(ObjectNode spec) {
    this.spec = spec;
  }

  /** The labels and annotations a Run gets from the template. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Metadata(
      @JsonPropertyDescription("Labels of each Run.") Map<String, String> labels,
      @JsonPropertyDescription("Annotations of each Run.") Map<String, String> annotations) {

    public Map<String, String> labelsOrEmpty() {
      return labels == null ? Map.of() : labels;
    }

    public Map<String, String> annotationsOrEmpty() {
      return annotations == null ? Map.of() : annotations;
    }
  }
}
