package dev.kfp.operator.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the strings of a cached Run share their instances ({@link Run#trimForCache()}). JSON parsing gives every
 * value a String of its own, and a String costs about 24 bytes plus its characters: at 100,000 cached Runs, the
 * namespace, the states, the condition types and reasons and their timestamps were most of the heap.
 *
 * <p>Two kinds of sharing, for two kinds of values:
 * <ul>
 *   <li>{@link #common}: values that many Runs hold (the namespace, a label, a state, a reason, a pipeline id)
 *       become one instance through {@link String#intern()}, whose table lets go of a value once no Run holds it;
 *   <li>{@link #local}: values repeated within one Run but unique to it (a run's creation time is also its first
 *       state's time, its finish time its last state's) share one instance within that Run, and are not interned,
 *       so that the table does not grow with the number of Runs.
 * </ul>
 * Values are never changed, only replaced by an equal instance: the Run serializes exactly as before.
 */
final class CachedStrings {

  private final Map<String, String> seen = new HashMap<>();

  private CachedStrings() {}

  /** Replaces, in place, the Run's strings by shared equal instances, as described above. */
  static void share(Run run) {
    CachedStrings strings = new CachedStrings();
    run.setApiVersion(common(run.getApiVersion()));
    run.setKind(common(run.getKind()));
    strings.share(run.getMetadata());
    if (run.getSpec() != null && run.getSpec().unreadable() == null) {
      share(run.getSpec());
    }
    if (run.getStatus() != null && run.getStatus().unreadable() == null) {
      strings.share(run.getStatus());
    }
  }

  private void share(ObjectMeta metadata) {
    metadata.setNamespace(common(metadata.getNamespace()));
    metadata.setCreationTimestamp(local(metadata.getCreationTimestamp()));
    metadata.setDeletionTimestamp(local(metadata.getDeletionTimestamp()));
    if (metadata.getFinalizers() != null) {
      metadata.setFinalizers(new ArrayList<>(metadata.getFinalizers().stream().map(CachedStrings::common).toList()));
    }
    if (metadata.getLabels() != null) {
      Map<String, String> labels = new LinkedHashMap<>();
      metadata.getLabels().forEach((key, value) -> labels.put(common(key), common(value)));
      metadata.setLabels(labels);
    }
    if (metadata.getAnnotations() != null) {
      Map<String, String> annotations = new LinkedHashMap<>();
      metadata.getAnnotations().forEach((key, value) -> annotations.put(common(key), value));
      metadata.setAnnotations(annotations);
    }
    if (metadata.getOwnerReferences() != null) {
      for (OwnerReference owner : metadata.getOwnerReferences()) {
        owner.setApiVersion(common(owner.getApiVersion()));
        owner.setKind(common(owner.getKind()));
        owner.setName(common(owner.getName()));
        owner.setUid(common(owner.getUid()));
      }
    }
  }

  private static void share(RunSpec spec) {
    spec.setExperimentId(common(spec.getExperimentId()));
    spec.setPipelineRoot(common(spec.getPipelineRoot()));
    spec.setServiceAccount(common(spec.getServiceAccount()));
    spec.setQueueName(common(spec.getQueueName()));
    spec.setDeletionPolicy(common(spec.getDeletionPolicy()));
    if (spec.getPipeline() != null && spec.getPipeline().getVersionRef() != null) {
      PipelineSource.VersionRef ref = spec.getPipeline().getVersionRef();
      spec.getPipeline().setVersionRef(new PipelineSource.VersionRef(common(ref.pipelineId()),
          common(ref.pipelineVersionId()), common(ref.pipelineName()), common(ref.versionName()),
          common(ref.pipelineVersionObject())));
    }
  }

  private void share(RunStatus status) {
    status.setState(common(status.getState()));
    status.setStorageState(common(status.getStorageState()));
    status.setPipelineId(common(status.getPipelineId()));
    status.setPipelineVersionId(common(status.getPipelineVersionId()));
    status.setCreatedAt(local(status.getCreatedAt()));
    status.setScheduledAt(local(status.getScheduledAt()));
    status.setFinishedAt(local(status.getFinishedAt()));
    status.setLastRetry(local(status.getLastRetry()));
    List<RunStatus.StateTransition> history = status.getStateHistory();
    if (history != null) {
      List<RunStatus.StateTransition> shared = new ArrayList<>(history.size());
      for (RunStatus.StateTransition change : history) {
        shared.add(change == null ? null
            : new RunStatus.StateTransition(common(change.state()), local(change.updateTime())));
      }
      status.setStateHistory(shared);
    }
    SubmissionClaim claim = status.getClaim();
    if (claim != null) {
      status.setClaim(new SubmissionClaim(common(claim.holder()), claim.attempt(), local(claim.claimedAt()),
          local(claim.endedAt()), common(claim.outcome())));
    }
    if (status.getConditions() != null) {
      for (Condition condition : status.getConditions()) {
        condition.setType(common(condition.getType()));
        condition.setStatus(common(condition.getStatus()));
        condition.setReason(common(condition.getReason()));
        condition.setLastTransitionTime(local(condition.getLastTransitionTime()));
      }
    }
  }

  /** One instance for every Run holding this value. */
  static String common(String value) {
    return value == null ? null : value.intern();
  }

  /** One instance for this value within the Run being shared. */
  private String local(String value) {
    if (value == null) {
      return null;
    }
    String first = seen.putIfAbsent(value, value);
    return first == null ? value : first;
  }
}
