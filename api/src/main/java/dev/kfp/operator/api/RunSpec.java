package dev.kfp.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/**
 * What the user asks for. A KFP run cannot be changed once created, so everything that shapes it is immutable
 * (CEL rules below; the operator also detects edits); {@code archived}, {@code deletionPolicy},
 * {@code suspend}, {@code activeDeadlineSeconds} and {@code ttlSecondsAfterFinished} say what the operator does
 * with it and may change.
 *
 * <p>The API server gives {@code parameters} no CEL type (its values are any JSON), so CEL cannot name it on
 * {@code self}; {@code dyn(self).parameters} reaches it at run time, where the server compares it as a map, every
 * key and value (a renamed key is a change). docs/developing/crd.md has the details.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(fieldPath = ".displayName", reason = RunSpec.FORBIDDEN, message = "spec.displayName" + RunSpec.IMMUTABLE,
    value = "has(self.displayName) == has(oldSelf.displayName) && (!has(self.displayName) || self.displayName == oldSelf.displayName)")
@ValidationRule(fieldPath = ".description", reason = RunSpec.FORBIDDEN, message = "spec.description" + RunSpec.IMMUTABLE,
    value = "has(self.description) == has(oldSelf.description) && (!has(self.description) || self.description == oldSelf.description)")
@ValidationRule(fieldPath = ".experimentId", reason = RunSpec.FORBIDDEN, message = "spec.experimentId" + RunSpec.IMMUTABLE,
    value = "has(self.experimentId) == has(oldSelf.experimentId) && (!has(self.experimentId) || self.experimentId == oldSelf.experimentId)")
@ValidationRule(fieldPath = ".pipeline", reason = RunSpec.FORBIDDEN, message = "spec.pipeline" + RunSpec.IMMUTABLE,
    value = "has(self.pipeline) == has(oldSelf.pipeline) && (!has(self.pipeline) || self.pipeline == oldSelf.pipeline)")
@ValidationRule(fieldPath = ".parameters", reason = RunSpec.FORBIDDEN, message = "spec.parameters" + RunSpec.IMMUTABLE,
    value = "has(dyn(self).parameters) == has(dyn(oldSelf).parameters) && (!has(dyn(self).parameters) || dyn(self).parameters == dyn(oldSelf).parameters)")
@ValidationRule(fieldPath = ".pipelineRoot", reason = RunSpec.FORBIDDEN, message = "spec.pipelineRoot" + RunSpec.IMMUTABLE,
    value = "has(self.pipelineRoot) == has(oldSelf.pipelineRoot) && (!has(self.pipelineRoot) || self.pipelineRoot == oldSelf.pipelineRoot)")
@ValidationRule(fieldPath = ".serviceAccount", reason = RunSpec.FORBIDDEN, message = "spec.serviceAccount" + RunSpec.IMMUTABLE,
    value = "has(self.serviceAccount) == has(oldSelf.serviceAccount) && (!has(self.serviceAccount) || self.serviceAccount == oldSelf.serviceAccount)")
@ValidationRule(fieldPath = ".queueName", reason = RunSpec.FORBIDDEN, message = "spec.queueName" + RunSpec.IMMUTABLE,
    value = "has(self.queueName) == has(oldSelf.queueName) && (!has(self.queueName) || self.queueName == oldSelf.queueName)")
@ValidationRule(fieldPath = ".activeDeadlineSeconds", reason = "FieldValueInvalid",
    message = "spec.activeDeadlineSeconds must be at least 1 (seconds); leave it out for no deadline",
    value = "!has(self.activeDeadlineSeconds) || self.activeDeadlineSeconds >= 1")
@ValidationRule(fieldPath = ".ttlSecondsAfterFinished", reason = "FieldValueInvalid",
    message = "spec.ttlSecondsAfterFinished must be at least 0 (seconds after the run finished); leave it out to keep"
        + " the Run",
    value = "!has(self.ttlSecondsAfterFinished) || self.ttlSecondsAfterFinished >= 0")
@ValidationRule(fieldPath = ".caching", reason = RunSpec.FORBIDDEN, message = "spec.caching" + RunSpec.IMMUTABLE,
    value = "has(self.caching) == has(oldSelf.caching) && (!has(self.caching) || self.caching == oldSelf.caching)")
public class RunSpec extends Readable {

  /** The refusal of an edit to an immutable field: what went wrong and what to do instead. */
  static final String IMMUTABLE = " cannot change after creation (a KFP run is immutable): put the old value back,"
      + " or create a new Run; only spec.archived, spec.deletionPolicy, spec.suspend, spec.activeDeadlineSeconds"
      + " and spec.ttlSecondsAfterFinished can change";
  static final String FORBIDDEN = "FieldValueForbidden";


  @JsonPropertyDescription("Name of the KFP run; defaults to metadata.name.")
  private String displayName;
  @JsonPropertyDescription("Description of the KFP run; the operator appends its own marker line.")
  private String description;
  @JsonPropertyDescription("KFP experiment id; KFP's default experiment when empty (required in multi-user KFP).")
  private String experimentId;
  @Required
  @JsonPropertyDescription("The pipeline to run: exactly one of versionRef, spec, specFrom.")
  private PipelineSource pipeline;
  @JsonPropertyDescription("Pipeline parameters: any JSON value each, passed to KFP unchanged.")
  private Map<String, JsonNode> parameters;
  @JsonPropertyDescription("Root URI for the pipeline's output artifacts, e.g. s3://bucket/root.")
  private String pipelineRoot;
  @JsonPropertyDescription("Kubernetes service account the pipeline's pods run as.")
  private String serviceAccount;
  @JsonPropertyDescription("Mutable: true archives the KFP run, false unarchives it; left out, the operator leaves"
      + " the storage state as it is.")
  private Boolean archived;
  @Default("Archive")
  @Pattern("^(Archive|Delete|Orphan)$")
  @JsonPropertyDescription("Mutable: what happens to the KFP run when this object is deleted: Archive (default),"
      + " Delete or Orphan.")
  private String deletionPolicy;
  @JsonPropertyDescription("Mutable: true holds the Run before submission (Kueue's convention): nothing is sent to"
      + " KFP until it is false or removed. It has no effect once the KFP run exists.")
  private Boolean suspend;
  @JsonPropertyDescription("Mutable: how long the KFP run may be active, in seconds from KFP's creation of it (time"
      + " held by suspend does not count); a run still active then is terminated, once, and ends with"
      + " Succeeded=False, reason DeadlineExceeded.")
  private Long activeDeadlineSeconds;
  @JsonPropertyDescription("Mutable: that many seconds after the KFP run finished, the operator deletes this Run"
      + " and its deletionPolicy applies to the KFP run (0: at once). A Run tracked by Argo CD or Flux is kept, and"
      + " only the deletion policy is applied (condition Cleaned). Left out: the operator's default"
      + " (TTL_SECONDS_AFTER_FINISHED), if any.")
  private Long ttlSecondsAfterFinished;
  @JsonPropertyDescription("Enabled or Disabled overrides the cache setting of every task of the pipeline (KFP's"
      + " cachingOptions.enableCache); left out, the compiled pipeline's settings apply. Only for spec.pipeline.spec"
      + " and specFrom: KFP cannot override a stored version's tasks.")
  private Caching caching;
  @JsonPropertyDescription("The RunQueue (same namespace) the Run waits in before it is submitted; fixed once set.")
  private String queueName;
  /** Set on the operator's cached copy of a submitted Run that left out the inline spec and parameters; never stored. */
  @JsonIgnore
  private Trimmed trimmed;

  /**
   * What the operator's informer cache knows of the parts it left out of a submitted Run ({@link Run#trimForCache}).
   *
   * @param inlineSpecBytes the size of the inline pipeline spec as JSON (0 when there was none): about what KFP
   *     sends back for the run with every read
   * @param generationObserved whether the status had observed this generation of the Run when it was cached: the
   *     operator then checked this very spec against the KFP run already, and needs not read it again
   */
  public record Trimmed(long inlineSpecBytes, boolean generationObserved) {}

  public String getDisplayName() {
    return displayName;
  }

  public void setDisplayName(String displayName) {
    this.displayName = displayName;
  }

  public String getDescription() {
    return description;
  }

  public void setDescription(String description) {
    this.description = description;
  }

  public String getExperimentId() {
    return experimentId;
  }

  public void setExperimentId(String experimentId) {
    this.experimentId = experimentId;
  }

  public PipelineSource getPipeline() {
    return pipeline;
  }

  public void setPipeline(PipelineSource pipeline) {
    this.pipeline = pipeline;
  }

  public Map<String, JsonNode> getParameters() {
    return parameters;
  }

  public void setParameters(Map<String, JsonNode> parameters) {
    this.parameters = parameters;
  }

  public String getPipelineRoot() {
    return pipelineRoot;
  }

  public void setPipelineRoot(String pipelineRoot) {
    this.pipelineRoot = pipelineRoot;
  }

  public String getServiceAccount() {
    return serviceAccount;
  }

  public void setServiceAccount(String serviceAccount) {
    this.serviceAccount = serviceAccount;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }

  /** True when the user holds the Run before submission. */
  @JsonIgnore
  public boolean isSuspended() {
    return Boolean.TRUE.equals(suspend);
  }

  public Long getActiveDeadlineSeconds() {
    return activeDeadlineSeconds;
  }

  public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
    this.activeDeadlineSeconds = activeDeadlineSeconds;
  }

  public Long getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Long ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }

  public Caching getCaching() {
    return caching;
  }

  public void setCaching(Caching caching) {
    this.caching = caching;
  }

  public String getQueueName() {
    return queueName;
  }

  public void setQueueName(String queueName) {
    this.queueName = queueName;
  }

  /** True when the Run waits in a queue before submission. */
  @JsonIgnore
  public boolean isQueued() {
    return queueName != null && !queueName.isEmpty();
  }

  /** What the cache left out of this copy, or null for a whole spec as the API server stores it. */
  public Trimmed trimmed() {
    return trimmed;
  }

  /** Marks this spec as the cache's copy without the inline pipeline spec and the parameters. */
  public void markTrimmed(Trimmed trimmed) {
    this.trimmed = trimmed;
  }

  public Boolean getArchived() {
    return archived;
  }

  public void setArchived(Boolean archived) {
    this.archived = archived;
  }

  /** Kept as text so that a wrong value reaches the operator, which reports it, instead of breaking parsing. */
  public String getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(String deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  /** True when the user asked for the run to be archived. */
  public boolean wantsArchived() {
    return Boolean.TRUE.equals(archived);
  }

  /** The deletion policy in force: Archive when unset, empty when the value is not a known policy. */
  public java.util.Optional<DeletionPolicy> effectiveDeletionPolicy() {
    if (deletionPolicy == null || deletionPolicy.isEmpty()) {
      return java.util.Optional.of(DeletionPolicy.Archive);
    }
    for (DeletionPolicy policy : DeletionPolicy.values()) {
      if (policy.name().equals(deletionPolicy)) {
        return java.util.Optional.of(policy);
      }
    }
    return java.util.Optional.empty();
  }
}
