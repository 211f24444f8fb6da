package dev.kfp.operator.schedule;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunSchedule;
import dev.kfp.operator.api.RunSpec;
import dev.kfp.operator.api.RunTemplate;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.lifecycle.RunLifecycle;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The Runs of a schedule: their deterministic names (the same slot or token always gives the same name, so a
 * create repeated by a second operator instance or after a restart meets AlreadyExists) and how they are made
 * from the template.
 */
final class ScheduledRuns {

  private ScheduledRuns() {}

  /** The Run of a slot: the schedule's name and the slot in minutes since 1970, as CronJob names its Jobs. */
  static String slotRunName(RunSchedule schedule, Instant slot) {
    return schedule.getMetadata().getName() + "-" + slot.getEpochSecond() / 60;
  }

  /** The Run of a "run now" token. */
  static String triggerRunName(RunSchedule schedule, String token) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return schedule.getMetadata().getName() + "-now-" + HexFormat.of().formatHex(hash, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * A Run from the schedule's template: the template's labels and annotations, the schedule label, the slot
   * annotation (and the token for a "run now"), and the schedule as controlling owner. The labels named in
   * {@code shardLabels} are the schedule's own, whatever the template says: a Run in another shard than its
   * schedule would never be seen by the shard that created it.
   *
   * @throws IllegalArgumentException when the template's spec is not a Run spec
   */
  static Run build(RunSchedule schedule, String name, String scheduledTime, String token, Set<String> shardLabels,
      KubernetesSerialization serialization) {
    RunTemplate template = schedule.getSpec().getRunTemplate();
    RunTemplate.Metadata metadata = template.getMetadata() == null ? new RunTemplate.Metadata(null, null)
        : template.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>(metadata.labelsOrEmpty());
    labels.put(RunSchedule.SCHEDULE_LABEL, schedule.getMetadata().getName());
    Map<String, String> own = schedule.getMetadata().getLabels() == null ? Map.of()
        : schedule.getMetadata().getLabels();
    for (String key : shardLabels) {
      if (own.containsKey(key)) {
        labels.put(key, own.get(key));
      } else {
        labels.remove(key);
      }
    }
    Map<String, String> annotations = new LinkedHashMap<>(metadata.annotationsOrEmpty());
    annotations.remove(Run.TERMINATE_ANNOTATION);
    annotations.remove(Run.RETRY_ANNOTATION);
    annotations.put(RunSchedule.SCHEDULED_TIME_ANNOTATION, scheduledTime);
    if (token != null) {
      annotations.put(RunSchedule.TRIGGER_ANNOTATION, token);
    }
    Run run = new Run();
    run.setMetadata(new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(schedule.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion(schedule.getApiVersion())
            .withKind(schedule.getKind())
            .withName(schedule.getMetadata().getName())
            .withUid(schedule.getMetadata().getUid())
            .withController(true)
            .build())
        .build());
    run.setSpec(serialization.convertValue(template.getSpec(), RunSpec.class));
    return run;
  }

  /** True when the Run's KFP run has finished. */
  static boolean finished(Run run) {
    return RunLifecycle.of(run.getStatus()).isFinished();
  }

  /** True when the Run's KFP run succeeded. */
  static boolean succeeded(Run run) {
    return RunLifecycle.of(run.getStatus()).state().map(KfpRuntimeState.SUCCEEDED::equals).orElse(false);
  }

  /** True when the schedule controls the Run (its controlling owner reference has the schedule's UID). */
  static boolean ownedBy(Run run, RunSchedule schedule) {
    return run.getMetadata().getOwnerReferences() != null && run.getMetadata().getOwnerReferences().stream()
        .anyMatch(ref -> Boolean.TRUE.equals(ref.getController())
            && schedule.getMetadata().getUid().equals(ref.getUid()));
  }
}
