package dev.kfp.operator.reconciler.queue;

import static dev.kfp.operator.api.RunConditions.SUBMITTED;
import static dev.kfp.operator.api.RunConditions.SUCCEEDED;

import dev.kfp.operator.api.AdmittedRun;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunQueueStatus;
import dev.kfp.operator.reconciler.status.EventReason;
import dev.kfp.operator.reconciler.status.StatusRecorder.Notice;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The submit phase's gate for a Run with {@code spec.queueName}: it goes on to KFP only once its queue's status
 * lists it as admitted. Admission is a write of the queue's status locked on the resourceVersion the decision
 * was made from, so of two instances deciding on the same free slot only one write succeeds; the other looks
 * again. The gate also keeps the queue's status in step with the cluster ({@link #refresh}): Runs that finished,
 * are being deleted or are gone give their slot back, which triggers the Runs still waiting. The rules are
 * {@link QueueAdmission}'s; docs/developing/design.md ("Queues") gives the argument.
 */
public final class QueueGate {

  /** What the gate let the Run do. */
  public enum Outcome {
    /** The Run holds a slot: go on to KFP. */
    ADMITTED,
    /** The Run waits (or cannot join); its conditions say why. A change of the queue triggers it again. */
    HELD,
    /** The queue changed while the Run was being admitted: nothing was decided; look again. */
    STALE
  }

  private final QueueStore store;
  private final StatusRecorder recorder;
  private final Clock clock;

  public QueueGate(QueueStore store, StatusRecorder recorder, Clock clock) {
    this.store = store;
    this.recorder = recorder;
    this.clock = clock;
  }

  /** Admits the Run, or holds it with the reason in its conditions; a Run naming no queue passes. */
  public Outcome admit(Run run) {
    if (!run.getSpec().isQueued()) {
      return Outcome.ADMITTED;
    }
    String namespace = run.getMetadata().getNamespace();
    String name = run.getSpec().getQueueName();
    Optional<RunQueue> found = store.queue(namespace, name);
    if (found.isEmpty()) {
      held(run, EventReason.QUEUE_NOT_FOUND, store.shard().map(shard -> "RunQueue " + name + " is not in this"
          + " operator's shard (" + shard + "): it does not exist in namespace " + namespace + ", or its labels put"
          + " it in another shard. Only the queue's own shard admits Runs, and it sees only the Runs of its shard:"
          + " give the Run the queue's shard labels. The Run waits unsubmitted until then")
          .orElse("RunQueue " + name + " does not exist in namespace " + namespace
              + "; the Run waits unsubmitted until it is created"), Notice.WARNING);
      return Outcome.HELD;
    }
    RunQueue queue = found.get();
    List<Run> members = members(queue, run);
    QueueAdmission.Decision decision = QueueAdmission.decide(queue, run, members, gone(queue, members),
        clock.instant());
    if (decision instanceof QueueAdmission.Finished) {
      return Outcome.HELD; // looked at again with the spec KFP or the operator refused: it keeps that refusal
    }
    if (decision instanceof QueueAdmission.Refused refused) {
      held(run, EventReason.QUEUE_REFUSED, refused.message(), Notice.WARNING);
      return Outcome.HELD;
    }
    if (decision instanceof QueueAdmission.Wait wait) {
      held(run, EventReason.QUEUED, wait.message(name), Notice.NORMAL);
      if (!wait.summary().equals(queue.getStatus())) {
        store.write(queue, wait.summary());
      }
      return Outcome.HELD;
    }
    if (decision instanceof QueueAdmission.Admit admit) {
      if (!store.write(queue, admit.next())) {
        recorder.log(run, "RunQueue " + name + " changed while this Run was being admitted; deciding again");
        return Outcome.STALE;
      }
      recorder.normal(run, EventReason.ADMITTED, "admitted by RunQueue " + name + ": " + admit.slot()
          + " of " + admit.maxActive() + " active");
    }
    return Outcome.ADMITTED;
  }

  /**
   * Brings the status of the Run's queue in line with the cluster: gives back the slots of Runs that finished,
   * are being deleted or are gone, and counts the waiting Runs again. Called after each reconcile of a Run
   * naming a queue; a write that meets a newer queue is dropped, since whoever wrote it has triggered the
   * waiting Runs, whose gate does the same.
   *
   * @param run the Run as this reconcile left it (it may be newer than the cache)
   */
  public void refresh(Run run) {
    if (run.getSpec() == null || !run.getSpec().isQueued()) {
      return;
    }
    store.queue(run.getMetadata().getNamespace(), run.getSpec().getQueueName()).ifPresent(queue -> {
      try {
        List<Run> members = members(queue, run);
        RunQueueStatus summary = QueueAdmission.summary(queue, members, gone(queue, members));
        if (!summary.equals(queue.getStatus()) && store.write(queue, summary)) {
          recorder.log(run, "RunQueue " + queue.getMetadata().getName() + " now has " + summary.getActive()
              + " active and " + summary.getWaiting() + " waiting");
        }
      } catch (KubernetesClientException e) {
        // The Run's own reconcile is done; the queue is brought up to date by the next reconcile of one of its Runs.
        recorder.log(run, "could not update RunQueue " + queue.getMetadata().getName() + ": " + e.getMessage());
      }
    });
  }

  private void held(Run run, EventReason reason, String message, Notice notice) {
    recorder.condition(run, SUBMITTED, "False", reason, message, notice);
    recorder.condition(run, SUCCEEDED, "Unknown", reason, "not submitted yet: " + message, Notice.QUIET);
  }

  /** The queue's Runs from the cache, with {@code run} as this reconcile sees it in place of its cached copy. */
  private List<Run> members(RunQueue queue, Run run) {
    String uid = run.getMetadata().getUid();
    List<Run> members = new ArrayList<>(store.members(queue.getMetadata().getNamespace(),
        queue.getMetadata().getName()).stream().filter(r -> !uid.equals(r.getMetadata().getUid())).toList());
    members.add(run);
    return members;
  }

  /**
   * Admitted Runs the cache does not have, which the API server confirms gone: a Run another instance has just
   * admitted may not have reached this instance's cache yet, and must keep its slot.
   */
  private Set<String> gone(RunQueue queue, List<Run> members) {
    String namespace = queue.getMetadata().getNamespace();
    String name = queue.getMetadata().getName();
    return QueueAdmission.unseen(queue, members).stream()
        .filter(a -> !store.stillQueued(namespace, a.name(), a.uid(), name))
        .map(AdmittedRun::uid)
        .collect(Collectors.toSet());
  }
}
