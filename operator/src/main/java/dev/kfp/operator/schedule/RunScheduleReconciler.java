package dev.kfp.operator.schedule;

import dev.kfp.operator.api.ConcurrencyPolicy;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunSchedule;
import dev.kfp.operator.api.RunScheduleStatus;
import dev.kfp.operator.api.ScheduledRun;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each slot of a RunSchedule into one Run (docs/using/runschedule.md). One reconcile: observe the schedule's Runs
 * (which finished, which succeeded), read the schedule, decide (a "run now" token, the due slot under the
 * concurrency policy), write the status, and only then act: create, terminate, prune.
 *
 * <p>Exactly once per slot: the status names each Run before the Run is created, and every write is locked on
 * the resourceVersion the decision was made from. Two instances cannot both record a slot (the second write is
 * refused, and its reconcile starts over from the newer status); a create cut off after the write is done by the
 * next reconcile, which finds the Run in {@code status.active} without a UID; a create repeated meets
 * AlreadyExists, since the Run's name comes from the slot.
 */
@ControllerConfiguration(name = "runschedule", generationAwareEventProcessing = false)
public class RunScheduleReconciler implements Reconciler<RunSchedule> {

  static final String READY = "Ready";
  static final String LAST_SLOT = "LastSlot";
  private static final Logger LOG = LoggerFactory.getLogger(RunScheduleReconciler.class);
  /** CronJob wakes up this long after the slot, so that the clock has surely passed it. */
  private static final Duration AFTER_SLOT = Duration.ofMillis(100);

  private final KubernetesClient kubernetes;
  private final ScheduleSettings settings;
  private final ScheduleEvents events;

  public RunScheduleReconciler(KubernetesClient kubernetes, ScheduleSettings settings) {
    this.kubernetes = kubernetes;
    this.settings = settings;
    this.events = new ScheduleEvents(kubernetes, settings.clock());
  }

  @Override
  public List<EventSource<?, RunSchedule>> prepareEventSources(EventSourceContext<RunSchedule> context) {
    InformerEventSourceConfiguration.Builder<Run> runs = InformerEventSourceConfiguration.from(Run.class,
            RunSchedule.class)
        .withName("scheduled-runs")
        .withNamespacesInheritedFromController()
        .withLabelSelector(scheduledRunsSelector(context))
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(RunSchedule.class, false));
    // Trimmed like the Run controller's cache (this controller reads metadata and status), where one informer
    // watches: JOSDK hands one item store to the informer of every namespace, whose relists would drop the others'.
    if (context.getControllerConfiguration().getInformerConfig().getNamespaces().size() <= 1) {
      runs.withItemStore(new TransformingItemStore<>(Run::trimForCache));
    }
    return List.of(new InformerEventSource<>(runs.build(), context));
  }

  /**
   * The Runs of schedules, in the shard of the schedules when the operator is sharded: they carry their
   * schedule's shard labels ({@link ScheduledRuns#build}).
   */
  private static String scheduledRunsSelector(EventSourceContext<RunSchedule> context) {
    String shard = context.getControllerConfiguration().getInformerConfig().getLabelSelector();
    return shard == null || shard.isBlank() ? RunSchedule.SCHEDULE_LABEL : RunSchedule.SCHEDULE_LABEL + "," + shard;
  }

  @Override
  public UpdateControl<RunSchedule> reconcile(RunSchedule schedule, Context<RunSchedule> context) {
    Instant now = settings.clock().instant();
    Map<String, Run> runs = context.getSecondaryResources(Run.class).stream()
        .filter(run -> ScheduledRuns.ownedBy(run, schedule))
        .collect(Collectors.toMap(run -> run.getMetadata().getName(), Function.identity()));
    RunScheduleStatus old = schedule.getStatus() == null ? new RunScheduleStatus() : schedule.getStatus();
    RunScheduleStatus status = kubernetes.getKubernetesSerialization().clone(old);
    Plan plan = new Plan();

    observe(schedule, status, runs);
    CronSchedule cron;
    try {
      cron = CronSchedule.parse(schedule.getSpec().getSchedule(), schedule.getSpec().getTimeZone());
    } catch (CronSchedule.InvalidScheduleException e) {
      status.setNextScheduleTime(null);
      boolean news = !old.condition(READY).map(c -> ScheduleEvents.INVALID_SCHEDULE.equals(c.getReason())
          && e.getMessage().equals(c.getMessage())).orElse(false);
      status.putCondition(condition(schedule, READY, "False", ScheduleEvents.INVALID_SCHEDULE, e.getMessage(), now));
      RunSchedule written = write(schedule, old, status);
      if (written == null) {
        return UpdateControl.noUpdate();
      }
      if (news) {
        events.warning(schedule, ScheduleEvents.INVALID_SCHEDULE, e.getMessage());
      }
      act(written, status, runs, plan, now);
      return UpdateControl.noUpdate();
    }

    String token = schedule.annotation(RunSchedule.TRIGGER_ANNOTATION);
    if (token != null && !token.isEmpty() && !token.equals(status.getLastTrigger())) {
      String name = ScheduledRuns.triggerRunName(schedule, token);
      status.setLastTrigger(token);
      addActive(status, new ScheduledRun(name, null, cron.local(now)));
      plan.events.add(new PlannedEvent(false, ScheduleEvents.TRIGGERED,
          "Run " + name + " created for token " + token));
    }
    if (!schedule.getSpec().suspended()) {
      decideSlot(schedule, cron, status, now, plan);
    }
    Optional<Instant> next = schedule.getSpec().suspended() ? Optional.empty()
        : cron.next(latest(now, lastHandled(schedule, status)));
    status.setNextScheduleTime(next.map(cron::local).orElse(null));
    status.putCondition(schedule.getSpec().suspended()
        ? condition(schedule, READY, "True", "Suspended", "spec.suspend is true: no new slot is started", now)
        : condition(schedule, READY, "True", ScheduleEvents.SCHEDULED, "next slot " + status.getNextScheduleTime(),
            now));
    status.setObservedGeneration(schedule.getMetadata().getGeneration());

    RunSchedule written = write(schedule, old, status);
    if (written == null) {
      return UpdateControl.noUpdate();
    }
    plan.events.forEach(e -> {
      if (e.warning()) {
        events.warning(schedule, e.reason(), e.message());
      } else {
        events.normal(schedule, e.reason(), e.message());
      }
    });
    act(written, status, runs, plan, now);
    Duration wait = next.map(slot -> Duration.between(now, slot).plus(AFTER_SLOT)).orElse(settings.longestWait());
    return UpdateControl.<RunSchedule>noUpdate().rescheduleAfter(
        wait.compareTo(settings.longestWait()) > 0 ? settings.longestWait() : wait);
  }

  /** Brings {@code status.active} and {@code lastSuccessfulTime} up to date with the Runs the cache holds. */
  private void observe(RunSchedule schedule, RunScheduleStatus status, Map<String, Run> runs) {
    List<ScheduledRun> active = new ArrayList<>();
    for (ScheduledRun entry : status.getActive()) {
      Run run = runs.get(entry.name());
      if (run == null) {
        if (entry.uid() == null) {
          active.add(entry); // recorded, not created yet (or not seen yet): act() creates it if absent
        } else {
          LOG.info("{}/{}: Run {} is gone", schedule.getMetadata().getNamespace(), schedule.getMetadata().getName(),
              entry.name());
        }
      } else if (entry.uid() != null && !entry.uid().equals(run.getMetadata().getUid())) {
        LOG.info("{}/{}: Run {} was replaced by another object of that name", schedule.getMetadata().getNamespace(),
            schedule.getMetadata().getName(), entry.name());
      } else if (!ScheduledRuns.finished(run) && run.getMetadata().getDeletionTimestamp() == null) {
        active.add(entry.withUid(run.getMetadata().getUid()));
      }
    }
    status.setActive(active);
    runs.values().stream().filter(ScheduledRuns::succeeded)
        .map(run -> run.getStatus().getFinishedAt()).filter(Objects::nonNull)
        .max(Comparator.comparing(OffsetDateTime::parse))
        .filter(finished -> status.getLastSuccessfulTime() == null
            || OffsetDateTime.parse(finished).isAfter(OffsetDateTime.parse(status.getLastSuccessfulTime())))
        .ifPresent(status::setLastSuccessfulTime);
  }

  /** CronJob's missed-slot rules and the concurrency policy, for the slots since the last one handled. */
  private void decideSlot(RunSchedule schedule, CronSchedule cron, RunScheduleStatus status, Instant now,
      Plan plan) {
    SlotPlan slots = SlotPlan.at(cron, lastHandled(schedule, status), schedule.getSpec().getStartingDeadlineSeconds(),
        now);
    if (slots.tooMany()) {
      plan.events.add(new PlannedEvent(true, ScheduleEvents.MISSED_SCHEDULES, "more than " + SlotPlan.TOO_MANY
          + " slots were missed; only the latest is started. Set or decrease spec.startingDeadlineSeconds, or"
          + " check the clock"));
    } else if (slots.missed() > 0) {
      plan.events.add(new PlannedEvent(true, ScheduleEvents.MISSED_SCHEDULES, slots.missed()
          + " missed slot(s) passed over; only the latest, " + cron.local(slots.due().orElseThrow()) + ", is started"));
    }
    if (slots.late().isPresent()) {
      Instant late = slots.late().get();
      status.setLastScheduleTime(cron.local(late));
      String message = "slot " + cron.local(late) + " was missed by more than spec.startingDeadlineSeconds ("
          + schedule.getSpec().getStartingDeadlineSeconds() + " s); it is not started";
      plan.events.add(new PlannedEvent(true, ScheduleEvents.MISSED_SCHEDULES, message));
      status.putCondition(condition(schedule, LAST_SLOT, "False", ScheduleEvents.MISSED_SCHEDULES, message, now));
    }
    if (slots.due().isEmpty()) {
      return;
    }
    Instant slot = slots.due().get();
    String local = cron.local(slot);
    status.setLastScheduleTime(local);
    String name = ScheduledRuns.slotRunName(schedule, slot);
    List<ScheduledRun> running = status.getActive().stream().filter(r -> !r.name().equals(name)).toList();
    ConcurrencyPolicy policy = schedule.getSpec().concurrencyPolicy();
    if (policy == ConcurrencyPolicy.Forbid && !running.isEmpty()) {
      String message = "slot " + local + " skipped: spec.concurrencyPolicy is Forbid and "
          + running.stream().map(ScheduledRun::name).collect(Collectors.joining(", ")) + " is still active";
      plan.events.add(new PlannedEvent(false, ScheduleEvents.SKIPPED, message));
      status.putCondition(condition(schedule, LAST_SLOT, "False", ScheduleEvents.SKIPPED, message, now));
      return;
    }
    if (policy == ConcurrencyPolicy.Replace && !running.isEmpty()) {
      plan.terminate.addAll(running);
      String message = "slot " + local + ": terminating " + running.stream().map(ScheduledRun::name)
          .collect(Collectors.joining(", ")) + " (spec.concurrencyPolicy is Replace) and creating " + name;
      plan.events.add(new PlannedEvent(false, ScheduleEvents.REPLACED, message));
    }
    addActive(status, new ScheduledRun(name, null, local));
    plan.events.add(new PlannedEvent(false, ScheduleEvents.SCHEDULED, "Run " + name + " created for slot " + local));
    status.putCondition(condition(schedule, LAST_SLOT, "True", ScheduleEvents.SCHEDULED,
        "Run " + name + " for slot " + local, now));
  }

  /**
   * Writes the status unless it is unchanged, locked on the resourceVersion read, and returns the schedule as
   * written (as read, when nothing was written). Returns null when another writer came first: the reconcile then
   * stops without acting, and the change event brings a fresh one. A reconcile with a Run to create always
   * writes, so that it acts only on the newest status.
   */
  private RunSchedule write(RunSchedule schedule, RunScheduleStatus old, RunScheduleStatus status) {
    boolean creates = status.getActive().stream().anyMatch(r -> r.uid() == null);
    Map<String, Object> before = kubernetes.getKubernetesSerialization().convertValue(old, Map.class);
    Map<String, Object> after = kubernetes.getKubernetesSerialization().convertValue(status, Map.class);
    if (before.equals(after) && !creates && schedule.getStatus() != null) {
      return schedule;
    }
    RunSchedule updated = new RunSchedule();
    updated.setMetadata(new ObjectMetaBuilder()
        .withName(schedule.getMetadata().getName())
        .withNamespace(schedule.getMetadata().getNamespace())
        .withResourceVersion(schedule.getMetadata().getResourceVersion())
        .build());
    updated.setSpec(schedule.getSpec());
    updated.setStatus(status);
    try {
      return kubernetes.resource(updated).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        LOG.debug("{}/{}: status changed meanwhile; a fresh reconcile follows", schedule.getMetadata().getNamespace(),
            schedule.getMetadata().getName());
        return null;
      }
      throw e;
    }
  }

  /**
   * Creates the recorded Runs not seen yet, terminates the replaced ones, prunes the history. A Run the API
   * server refuses (a template the Run CRD does not accept) is taken out of {@code status.active} again, so that
   * it is reported once and not tried on every reconcile.
   */
  private void act(RunSchedule schedule, RunScheduleStatus status, Map<String, Run> runs, Plan plan, Instant now) {
    List<ScheduledRun> refused = new ArrayList<>();
    for (ScheduledRun entry : status.getActive()) {
      if (entry.uid() == null && !runs.containsKey(entry.name())
          && !create(schedule, entry, status.getLastTrigger())) {
        refused.add(entry);
      }
    }
    if (!refused.isEmpty()) {
      RunScheduleStatus without = kubernetes.getKubernetesSerialization().clone(status);
      without.setActive(status.getActive().stream().filter(entry -> !refused.contains(entry)).toList());
      without.putCondition(condition(schedule, LAST_SLOT, "False", ScheduleEvents.INVALID_TEMPLATE,
          "Run " + refused.get(0).name() + " was refused by the API server; see the InvalidTemplate event", now));
      write(schedule, status, without);
    }
    for (ScheduledRun replaced : plan.terminate) {
      Run run = runs.get(replaced.name());
      if (run != null && run.annotation(Run.TERMINATE_ANNOTATION) == null) {
        try {
          kubernetes.resources(Run.class).inNamespace(schedule.getMetadata().getNamespace())
              .withName(replaced.name())
              .patch(PatchContext.of(PatchType.JSON_MERGE), kubernetes.getKubernetesSerialization().asJson(
                  Map.of("metadata", Map.of("annotations", Map.of(Run.TERMINATE_ANNOTATION,
                      "replaced by the next slot of RunSchedule " + schedule.getMetadata().getName())))));
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
      }
    }
    prune(schedule, status, runs);
  }

  /**
   * Creates the Run if absent; {@code lastTrigger} is the token whose Run it may be. Returns false when the Run
   * cannot be made from the template or the API server refuses it (an InvalidTemplate event says why).
   */
  private boolean create(RunSchedule schedule, ScheduledRun entry, String lastTrigger) {
    String token = lastTrigger != null && entry.name().equals(ScheduledRuns.triggerRunName(schedule, lastTrigger))
        ? lastTrigger : null;
    Run run;
    try {
      run = ScheduledRuns.build(schedule, entry.name(), entry.scheduledTime(), token, settings.shardLabels(),
          kubernetes.getKubernetesSerialization());
    } catch (IllegalArgumentException e) {
      events.warning(schedule, ScheduleEvents.INVALID_TEMPLATE, "spec.runTemplate.spec is not a Run spec: "
          + e.getMessage());
      return false;
    }
    try {
      kubernetes.resource(run).create();
      LOG.info("{}/{}: created Run {} for {}", schedule.getMetadata().getNamespace(), schedule.getMetadata().getName(),
          entry.name(), entry.scheduledTime());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return true; // created before, by this or another instance: the slot is done
      }
      if (e.getCode() == 422 || e.getCode() == 400) {
        events.warning(schedule, ScheduleEvents.INVALID_TEMPLATE, "Run " + entry.name() + " was refused: "
            + Optional.ofNullable(e.getStatus()).map(s -> s.getMessage()).orElse(e.getMessage()));
        return false;
      }
      throw e;
    }
  }

  /**
   * Deletes the oldest finished Runs beyond the history limits; their deletion policy then applies in KFP. A Run
   * still in {@code status.active} is never pruned.
   */
  private void prune(RunSchedule schedule, RunScheduleStatus status, Map<String, Run> runs) {
    List<String> active = status.getActive().stream().map(ScheduledRun::name).toList();
    List<Run> finished = runs.values().stream()
        .filter(run -> ScheduledRuns.finished(run) && run.getMetadata().getDeletionTimestamp() == null
            && !active.contains(run.getMetadata().getName()))
        .sorted(Comparator.comparing((Run run) -> run.getMetadata().getCreationTimestamp())
            .thenComparing(run -> run.getMetadata().getName()))
        .toList();
    List<Run> succeeded = finished.stream().filter(ScheduledRuns::succeeded).toList();
    List<Run> failed = finished.stream().filter(run -> !ScheduledRuns.succeeded(run)).toList();
    List<Run> prune = new ArrayList<>();
    prune.addAll(succeeded.subList(0, Math.max(0, succeeded.size() - schedule.getSpec().successfulLimit())));
    prune.addAll(failed.subList(0, Math.max(0, failed.size() - schedule.getSpec().failedLimit())));
    for (Run run : prune) {
      kubernetes.resource(run).delete();
      events.normal(schedule, ScheduleEvents.PRUNED, "deleted Run " + run.getMetadata().getName()
          + " (history limit); its spec.deletionPolicy applies to its KFP run");
    }
  }

  /** The latest slot handled: the one recorded, else the schedule's creation (CronJob's "earliest time"). */
  private static Instant lastHandled(RunSchedule schedule, RunScheduleStatus status) {
    return status.getLastScheduleTime() != null ? OffsetDateTime.parse(status.getLastScheduleTime()).toInstant()
        : OffsetDateTime.parse(schedule.getMetadata().getCreationTimestamp()).toInstant();
  }

  private static Instant latest(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static void addActive(RunScheduleStatus status, ScheduledRun run) {
    List<ScheduledRun> active = new ArrayList<>(status.getActive());
    if (active.stream().noneMatch(r -> r.name().equals(run.name()))) {
      active.add(run);
    }
    status.setActive(active);
  }

  private static Condition condition(RunSchedule schedule, String type, String value, String reason, String message,
      Instant now) {
    return new ConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
        .withObservedGeneration(schedule.getMetadata().getGeneration()).withLastTransitionTime(now.toString())
        .build();
  }

  /** What a reconcile does once its status is written. */
  private static final class Plan {
    final List<ScheduledRun> terminate = new ArrayList<>();
    final List<PlannedEvent> events = new ArrayList<>();
  }

  private record PlannedEvent(boolean warning, String reason, String message) {}
}
