package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** How many Runs of a queue may be active at once, and which experiment its Runs must use. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(fieldPath = ".maxActive", reason = "FieldValueInvalid",
    message = "spec.maxActive must be at least 1: the number of the queue's Runs that may be active at once",
    value = "self.maxActive >= 1")
public class RunQueueSpec {

  @Required
  @JsonPropertyDescription("How many of the queue's Runs may be admitted and not finished at once; at least 1.")
  private Integer maxActive;
  @JsonPropertyDescription("Only Runs of this KFP experiment (spec.experimentId) may join; any experiment when"
      + " left out.")
  private String experimentId;

  public RunQueueSpec() {}

  public RunQueueSpec(Integer maxActive, String experimentId) {
    this.maxActive = maxActive;
    this.experimentId = experimentId;
  }

  public Integer getMaxActive() {
    return maxActive;
  }

  public void setMaxActive(Integer maxActive) {
    this.maxActive = maxActive;
  }

  public String getExperimentId() {
    return experimentId;
  }

  public void setExperimentId(String experimentId) {
    this.experimentId = experimentId;
  }
}
