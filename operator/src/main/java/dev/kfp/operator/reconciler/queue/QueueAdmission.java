package dev.kfp.operator.reconciler.queue;

import dev.kfp.operator.api.AdmittedRun;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunQueueStatus;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.lifecycle.RunLifecycle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The rules of a RunQueue, as plain decisions over what the cluster holds: which admitted Runs still hold a
 * slot, which Runs wait and in which order, and whether a Run may take a slot now. Nothing here reads or
 * writes Kubernetes; {@link QueueGate} does.
 *
 * <p>A slot is held from admission until the Run's KFP run finished (or was deleted in KFP), the Run is being
 * deleted, or the Run got no KFP run and is not trying any more (its spec was refused before or by KFP). The
 * queue's {@code status.admitted} is not the only record of who holds one: a Run whose own status shows a KFP run
 * not finished, or a claimed create, holds a slot whether or not the queue lists it, so a queue deleted and
 * created again (its status starts empty), or a status written over, rebuilds its picture from the Runs before
 * it admits anyone. The Runs waiting are those naming the queue that have no KFP run, are not admitted,
 * suspended, being deleted or refused, oldest first by creation time (to the second, as Kubernetes records it),
 * then by name.
 */
final class QueueAdmission {

  /** Reasons of a Run without a KFP run that is not trying to get one until someone changes something. */
  private static final Set<String> GAVE_UP = Set.of(RunConditions.REASON_INVALID_SPEC,
      RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE, RunConditions.REASON_KFP_ERROR,
      RunConditions.REASON_QUEUE_REFUSED);

  /** What the queue says to one Run at the gate. */
  sealed interface Decision {}

  /** The Run already holds a slot: it goes on to KFP. */
  record Pass() implements Decision {}

  /** The Run takes a slot now, by writing {@code next} as the queue's status. */
  record Admit(RunQueueStatus next, int slot, int maxActive) implements Decision {}

  /** No free slot for the Run yet; {@code summary} is the queue's status as it should read. */
  record Wait(int position, int waiting, int active, int maxActive, RunQueueStatus summary) implements Decision {

    String message(String queue) {
      return "position " + position + " of " + waiting + " in queue " + queue + ", " + active + " of " + maxActive
          + " active";
    }
  }

  /** The queue does not take the Run (another experiment) or cannot take any (its spec is not valid). */
  record Refused(String message) implements Decision {}

  /** The Run's spec was refused for good: it is done with the queue, its conditions as they are, until it changes. */
  record Finished() implements Decision {}

  private QueueAdmission() {}

  /**
   * The decision for {@code run}, which passed validation and is not suspended.
   *
   * @param members the Runs naming the queue, {@code run} among them as this reconcile sees it
   * @param gone UIDs of admitted Runs that the API server no longer has
   */
  static Decision decide(RunQueue queue, Run run, Collection<Run> members, Set<String> gone, Instant now) {
    if (RunLifecycle.of(run.getStatus()).refusedForGood(run.getMetadata().getGeneration())) {
      return new Finished();
    }
    String problem = problem(queue, run);
    if (problem != null) {
      return new Refused(problem);
    }
    String uid = run.getMetadata().getUid();
    if (admitted(queue).stream().anyMatch(a -> a.uid().equals(uid)) || holdsByItsOwnRecord(run)) {
      return new Pass();
    }
    List<AdmittedRun> holding = holding(queue, members, gone);
    List<Run> waiting = waiting(queue, members, holding, uid);
    int maxActive = queue.getSpec().getMaxActive();
    int position = 1 + waiting.stream().map(r -> r.getMetadata().getUid()).toList().indexOf(uid);
    if (position == 0) {
      throw new IllegalArgumentException("the Run at the gate must be among the members");
    }
    int free = maxActive - holding.size();
    if (position <= free) {
      List<AdmittedRun> next = new ArrayList<>(holding);
      next.add(new AdmittedRun(run.getMetadata().getName(), uid, now.toString()));
      return new Admit(new RunQueueStatus(next, waiting.size() - 1), next.size(), maxActive);
    }
    return new Wait(position, waiting.size(), holding.size(), maxActive,
        new RunQueueStatus(holding, waiting.size()));
  }

  /** The queue's status as the cluster shows it now: admitted Runs that still hold a slot, and the count waiting. */
  static RunQueueStatus summary(RunQueue queue, Collection<Run> members, Set<String> gone) {
    List<AdmittedRun> holding = holding(queue, members, gone);
    return new RunQueueStatus(holding, waiting(queue, members, holding, null).size());
  }

  /** Admitted entries whose Run is not among the members: the API server must say whether it is gone. */
  static List<AdmittedRun> unseen(RunQueue queue, Collection<Run> members) {
    Set<String> present = members.stream().map(r -> r.getMetadata().getUid()).collect(Collectors.toSet());
    return admitted(queue).stream().filter(a -> !present.contains(a.uid())).toList();
  }

  /** Why the queue cannot take the Run, or null when it can. */
  static String problem(RunQueue queue, Run run) {
    String name = queue.getMetadata().getName();
    Integer maxActive = queue.getSpec() == null ? null : queue.getSpec().getMaxActive();
    if (maxActive == null || maxActive < 1) {
      return "RunQueue " + name + " has spec.maxActive " + maxActive + "; it must be at least 1. Fix the RunQueue;"
          + " the Run waits unsubmitted until then";
    }
    String scope = queue.getSpec().getExperimentId();
    if (scope != null && !scope.isEmpty() && !scope.equals(run.getSpec().getExperimentId())) {
      String own = run.getSpec().getExperimentId();
      return "RunQueue " + name + " takes only Runs of experiment " + scope + ", and this Run's spec.experimentId is "
          + (own == null || own.isEmpty() ? "not set" : own) + ". Nothing was sent to KFP; create a new Run naming a"
          + " queue of its experiment, or no queue";
    }
    return null;
  }

  /** True when the Run waits for a slot of {@code queue}, admitted ones aside. */
  static boolean waits(Run run, RunQueue queue) {
    return !run.isMarkedForDeletion() && !run.getSpec().isSuspended() && !RunLifecycle.of(run.getStatus()).hasRun()
        && !gaveUp(run) && problem(queue, run) == null;
  }

  /**
   * True when a change of the queue may let the Run go on: it names the queue, has no KFP run, and either has not
   * given up or was refused by the queue itself (an edit of the queue may take it). A Run that gave up for another
   * reason is asked again on its own schedule, or after an edit of its spec; triggered by every queue change, it
   * would be admitted, refused and release its slot in a loop.
   */
  static boolean concerns(RunQueue queue, Run run) {
    return names(run, queue) && !RunLifecycle.of(run.getStatus()).hasRun() && (!gaveUp(run)
        || run.getStatus().condition(RunConditions.SUBMITTED)
            .map(c -> RunConditions.REASON_QUEUE_REFUSED.equals(c.getReason())).orElse(false));
  }

  /**
   * The admitted Runs that still hold their slot, in the queue's order, then the Runs the queue does not list
   * that hold one by their own record, oldest first.
   */
  private static List<AdmittedRun> holding(RunQueue queue, Collection<Run> members, Set<String> gone) {
    Map<String, Run> byUid = members.stream()
        .collect(Collectors.toMap(r -> r.getMetadata().getUid(), Function.identity(), (a, b) -> a));
    List<AdmittedRun> holding = new ArrayList<>(admitted(queue).stream()
        .filter(a -> byUid.containsKey(a.uid()) ? holdsSlot(byUid.get(a.uid())) : !gone.contains(a.uid()))
        .toList());
    Set<String> listed = admitted(queue).stream().map(AdmittedRun::uid).collect(Collectors.toSet());
    members.stream()
        .filter(r -> !listed.contains(r.getMetadata().getUid()) && holdsByItsOwnRecord(r))
        .sorted(Comparator.comparing(QueueAdmission::createdAt).thenComparing(r -> r.getMetadata().getName()))
        .map(r -> new AdmittedRun(r.getMetadata().getName(), r.getMetadata().getUid(), admittedAt(r)))
        .forEach(holding::add);
    return holding;
  }

  /** True while the Run keeps the slot it was admitted to: not finished, not being deleted, not given up. */
  static boolean holdsSlot(Run run) {
    RunLifecycle lifecycle = RunLifecycle.of(run.getStatus());
    return !run.isMarkedForDeletion() && !lifecycle.isSettled() && (lifecycle.hasRun() || !gaveUp(run));
  }

  /**
   * True when the Run's own status shows that it went past the gate: it has a KFP run, or it claimed a create
   * (written only after admission), and it still holds the slot.
   */
  private static boolean holdsByItsOwnRecord(Run run) {
    RunStatus status = run.getStatus();
    return status != null && (RunLifecycle.of(status).hasRun() || status.getClaim() != null) && holdsSlot(run);
  }

  /** When a Run the queue does not list went past the gate, as far as its status tells: its latest claim. */
  private static String admittedAt(Run run) {
    if (run.getStatus().getClaim() != null && run.getStatus().getClaim().claimedAt() != null) {
      return run.getStatus().getClaim().claimedAt();
    }
    return run.getStatus().getCreatedAt() != null ? run.getStatus().getCreatedAt()
        : run.getMetadata().getCreationTimestamp();
  }

  /** @param atGate the UID of the Run being decided: it waits whatever its status said before, or null */
  private static List<Run> waiting(RunQueue queue, Collection<Run> members, List<AdmittedRun> holding,
      String atGate) {
    Set<String> admitted = holding.stream().map(AdmittedRun::uid).collect(Collectors.toSet());
    return members.stream()
        .filter(r -> r.getMetadata().getUid().equals(atGate)
            || !admitted.contains(r.getMetadata().getUid()) && waits(r, queue))
        .sorted(Comparator.comparing(QueueAdmission::createdAt).thenComparing(r -> r.getMetadata().getName()))
        .toList();
  }

  private static Instant createdAt(Run run) {
    String created = run.getMetadata().getCreationTimestamp();
    return created == null ? Instant.MAX : Instant.parse(created);
  }

  private static boolean gaveUp(Run run) {
    return run.getStatus() != null && run.getStatus().condition(RunConditions.SUBMITTED)
        .map(c -> "False".equals(c.getStatus()) && GAVE_UP.contains(c.getReason())).orElse(false);
  }

  private static List<AdmittedRun> admitted(RunQueue queue) {
    return queue.getStatus() == null ? List.of() : queue.getStatus().getAdmitted();
  }

  /** True when the Run's spec names the queue. */
  static boolean names(Run run, RunQueue queue) {
    return run.getSpec() != null && Objects.equals(run.getSpec().getQueueName(), queue.getMetadata().getName())
        && Objects.equals(run.getMetadata().getNamespace(), queue.getMetadata().getNamespace());
  }
}
