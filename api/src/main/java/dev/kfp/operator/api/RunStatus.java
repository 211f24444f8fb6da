package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the operator knows of the KFP run; written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RunStatus extends Readable {

  @JsonPropertyDescription("The metadata.generation this status reflects.")
  private Long observedGeneration;
  @JsonPropertyDescription("Id of the KFP run.")
  private String runId;
  @JsonPropertyDescription("Id of the KFP pipeline the run was created from: resolved once from"
      + " spec.pipeline.versionRef's pipelineName or pipelineVersionObject before the create, or as KFP named it.")
  private String pipelineId;
  @JsonPropertyDescription("Id of the KFP pipeline version the run was created from (the latest one at creation when"
      + " the spec names no version).")
  private String pipelineVersionId;
  @JsonPropertyDescription("KFP runtime state, verbatim (PENDING, RUNNING, SUCCEEDED, FAILED, ...).")
  private String state;
  @JsonPropertyDescription("KFP storage state: AVAILABLE or ARCHIVED.")
  private String storageState;
  private String createdAt;
  private String scheduledAt;
  @JsonPropertyDescription("When the run finished; absent while it has not.")
  private String finishedAt;
  @JsonPropertyDescription("KFP's run.error, when KFP sets it.")
  private RunError error;
  @JsonPropertyDescription("The latest state changes, oldest first (bounded).")
  private List<StateTransition> stateHistory;
  @JsonPropertyDescription("The retry annotation value last acted on (retried or rejected).")
  private String lastRetry;
  @JsonPropertyDescription("Set once the terminate annotation was acted on: true when the operator terminated the"
      + " run (reset to false by a later retry), false when the run was already past terminating.")
  private Boolean terminated;
  @JsonPropertyDescription("True once the operator terminated the run because it was active longer than"
      + " spec.activeDeadlineSeconds; it is done once per Run.")
  private Boolean deadlineExceeded;
  @JsonPropertyDescription("Why the run failed: its failed steps and the end of their logs. Set for FAILED runs the"
      + " operator did not terminate; cleared when the run runs again.")
  private RunFailure failure;
  @JsonPropertyDescription("Link to the run in the KFP UI.")
  private String runUrl;
  @JsonPropertyDescription("Hash of the immutable spec the KFP run was created from; detects later edits.")
  private String specHash;
  @JsonPropertyDescription("The latest claim to create the KFP run (docs/developing/exactly-once.md).")
  private SubmissionClaim claim;
  private List<Condition> conditions;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getRunId() {
    return runId;
  }

  public void setRunId(String runId) {
    this.runId = runId;
  }

  public String getPipelineId() {
    return pipelineId;
  }

  public void setPipelineId(String pipelineId) {
    this.pipelineId = pipelineId;
  }

  public String getPipelineVersionId() {
    return pipelineVersionId;
  }

  public void setPipelineVersionId(String pipelineVersionId) {
    this.pipelineVersionId = pipelineVersionId;
  }

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }

  public String getStorageState() {
    return storageState;
  }

  public void setStorageState(String storageState) {
    this.storageState = storageState;
  }

  public String getCreatedAt() {
    return createdAt;
  }

  public void setCreatedAt(String createdAt) {
    this.createdAt = createdAt;
  }

  public String getScheduledAt() {
    return scheduledAt;
  }

  public void setScheduledAt(String scheduledAt) {
    this.scheduledAt = scheduledAt;
  }

  public String getFinishedAt() {
    return finishedAt;
  }

  public void setFinishedAt(String finishedAt) {
    this.finishedAt = finishedAt;
  }

  public RunError getError() {
    return error;
  }

  public void setError(RunError error) {
    this.error = error;
  }

  public List<StateTransition> getStateHistory() {
    return stateHistory;
  }

  public void setStateHistory(List<StateTransition> stateHistory) {
    this.stateHistory = stateHistory;
  }

  public String getLastRetry() {
    return lastRetry;
  }

  public void setLastRetry(String lastRetry) {
    this.lastRetry = lastRetry;
  }

  public Boolean getTerminated() {
    return terminated;
  }

  public void setTerminated(Boolean terminated) {
    this.terminated = terminated;
  }

  public Boolean getDeadlineExceeded() {
    return deadlineExceeded;
  }

  public void setDeadlineExceeded(Boolean deadlineExceeded) {
    this.deadlineExceeded = deadlineExceeded;
  }

  @JsonIgnore
  public boolean wasTerminatedForDeadline() {
    return Boolean.TRUE.equals(deadlineExceeded) && wasTerminated();
  }

  public RunFailure getFailure() {
    return failure;
  }

  public void setFailure(RunFailure failure) {
    this.failure = failure;
  }

  public String getRunUrl() {
    return runUrl;
  }

  public void setRunUrl(String runUrl) {
    this.runUrl = runUrl;
  }

  public String getSpecHash() {
    return specHash;
  }

  public void setSpecHash(String specHash) {
    this.specHash = specHash;
  }

  public SubmissionClaim getClaim() {
    return claim;
  }

  public void setClaim(SubmissionClaim claim) {
    this.claim = claim;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  /** The condition of that type, if present. */
  public Optional<Condition> condition(String type) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** True when the condition of that type has status "True". */
  public boolean isTrue(String type) {
    return condition(type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  @JsonIgnore
  public boolean wasTerminated() {
    return Boolean.TRUE.equals(terminated);
  }

  /** Replaces the condition of the same type, keeping lastTransitionTime when the status did not change. */
  public void putCondition(Condition condition) {
    List<Condition> updated = conditions == null ? new ArrayList<>() : new ArrayList<>(conditions);
    Optional<Condition> previous = condition(condition.getType());
    if (previous.isPresent() && previous.get().getStatus().equals(condition.getStatus())) {
      condition.setLastTransitionTime(previous.get().getLastTransitionTime());
    }
    updated.removeIf(c -> c.getType().equals(condition.getType()));
    updated.add(condition);
    updated.sort(java.util.Comparator.comparingInt(c -> RunConditions.order(c.getType())));
    conditions = updated;
  }

  /** KFP's google.rpc.Status of a run, when set. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RunError(Integer code, String message) {}

  /** One state change as KFP recorded it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record StateTransition(String state, String updateTime) {}
}
