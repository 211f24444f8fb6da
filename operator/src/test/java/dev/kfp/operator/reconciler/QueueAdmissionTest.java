package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.Phases.assertCondition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.AdmittedRun;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunQueueStatus;
import dev.kfp.operator.kfp.KfpErrors;
import dev.kfp.operator.reconciler.phase.PhaseResult;
import dev.kfp.operator.reconciler.queue.QueueGate;
import dev.kfp.operator.reconciler.queue.QueueStore;
import dev.kfp.operator.reconciler.status.StatusWriter;
import dev.kfp.operator.reconciler.submit.RunSubmitter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The admission rules of a RunQueue through the submit phase: {@link QueueGate} on {@link FakeQueues} (an
 * in-memory queue store with optimistic locking) and {@link FakeKfp}, both fakes. No JOSDK, no Kubernetes.
 */
class QueueAdmissionTest {

  private static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");

  private final Phases phases = new Phases();
  private final FakeQueues queues = phases.queues;
  private final RunSubmitter submitter = phases.submitter();

  /** A Run naming {@code queue}, created {@code second}s after T0, as the cluster holds it. */
  private Run member(String name, String queue, int second) {
    Run run = Phases.newRun(name);
    run.getSpec().setQueueName(queue);
    run.getMetadata().setCreationTimestamp(T0.plusSeconds(second).toString());
    queues.put(run);
    return run;
  }

  /** One submit phase of the Run; the cluster then holds the Run as the phase left it. */
  private PhaseResult submit(Run run) {
    PhaseResult submission = submitter.submit(run, () -> StatusWriter.Outcome.WRITTEN);
    queues.put(run);
    return submission;
  }

  private List<String> admitted(String queue) {
    RunQueueStatus status = queues.stored(queue).getStatus();
    return status == null ? List.of() : status.getAdmitted().stream().map(AdmittedRun::name).toList();
  }

  private static String message(Run run) {
    return Phases.condition(run, RunConditions.SUBMITTED).getMessage();
  }

  /** The Run's KFP run finished, as its follow phase would record; then the reconcile refreshes its queue. */
  private void finish(Run run) {
    run.getStatus().setState("SUCCEEDED");
    queues.put(run);
    phases.gate().refresh(run);
  }

  @Test
  void aShardThatDoesNotSeeTheQueueSaysItMayBeInAnotherShardAndHoldsTheRun() {
    queues.shard = "shard=a";
    Run run = member("early", "nightly", 0);

    assertThat(submit(run).kfpRun()).isEmpty();

    assertCondition(run, RunConditions.SUBMITTED, "False", RunConditions.REASON_QUEUE_NOT_FOUND);
    assertThat(message(run)).contains("RunQueue nightly is not in this operator's shard (shard=a)")
        .contains("give the Run the queue's shard labels");
    assertThat(phases.kfp.calls()).isEmpty();
  }

  @Test
  void aRunNamingAQueueThatDoesNotExistWaitsUnsubmitted() {
    Run run = member("early", "nightly", 0);

    PhaseResult submission = submit(run);

    assertThat(submission.kfpRun()).isEmpty();
    assertThat(submission.lookAgainIn()).as("the queue's creation triggers it; SubmissionResync is the fallback")
        .isEmpty();
    assertCondition(run, RunConditions.SUBMITTED, "False", RunConditions.REASON_QUEUE_NOT_FOUND);
    assertCondition(run, RunConditions.SUCCEEDED, "Unknown", RunConditions.REASON_QUEUE_NOT_FOUND);
    assertThat(message(run)).contains("RunQueue nightly does not exist in namespace team-a");
    assertThat(phases.events.reasons()).containsExactly(RunConditions.REASON_QUEUE_NOT_FOUND);
    assertThat(phases.kfp.calls()).isEmpty();

    queues.createQueue("nightly", 1, null);
    assertThat(submit(run).kfpRun()).isPresent();
    assertThat(phases.kfp.count("CreateRun")).isEqualTo(1);
  }

  @Test
  void runsOverTheLimitWaitWithTheirPositionAndGoFirstInFirstOut() {
    queues.createQueue("q", 1, null);
    Run first = member("first", "q", 0);
    Run second = member("second", "q", 1);
    Run third = member("third", "q", 2);

    assertThat(submit(third).kfpRun()).as("the oldest waiting Run takes the free slot, not the first to ask")
        .isEmpty();
    assertThat(message(third)).isEqualTo("position 3 of 3 in queue q, 0 of 1 active");
    assertThat(submit(first).kfpRun()).isPresent();
    assertThat(submit(second).kfpRun()).isEmpty();
    submit(third);

    assertCondition(second, RunConditions.SUBMITTED, "False", RunConditions.REASON_QUEUED);
    assertCondition(second, RunConditions.SUCCEEDED, "Unknown", RunConditions.REASON_QUEUED);
    assertThat(message(second)).isEqualTo("position 1 of 2 in queue q, 1 of 1 active");
    assertThat(message(third)).isEqualTo("position 2 of 2 in queue q, 1 of 1 active");
    assertThat(admitted("q")).containsExactly("first");
    assertThat(queues.stored("q").getStatus().getWaiting()).isEqualTo(2);
    assertThat(phases.kfp.count("CreateRun")).isEqualTo(1);

    finish(first);
    assertThat(admitted("q")).as("a finished run gives its slot back").isEmpty();
    assertThat(submit(third).kfpRun()).isEmpty();
    assertThat(submit(second).kfpRun()).isPresent();
    finish(second);
    assertThat(submit(third).kfpRun()).isPresent();

    assertThat(phases.kfp.count("CreateRun")).isEqualTo(3);
    assertThat(phases.events.reasons()).filteredOn(RunConditions.REASON_ADMITTED::equals).hasSize(3);
  }

  @Test
  void aQueueCreatedAgainCountsItsActiveRunsBeforeItAdmitsAnyone() {
    queues.createQueue("q", 1, null);
    Run first = member("first", "q", 0);
    Run second = member("second", "q", 1);
    Run third = member("third", "q", 2);
    assertThat(submit(first).kfpRun()).isPresent();
    submit(second);
    submit(third);

    queues.createQueue("q", 1, null); // deleted and applied again: a new object, with no status
    assertThat(admitted("q")).isEmpty();

    assertThat(submit(second).kfpRun()).as("the active run of the first queue still holds the slot").isEmpty();
    assertThat(message(second)).isEqualTo("position 1 of 2 in queue q, 1 of 1 active");
    assertThat(admitted("q")).as("the picture rebuilt from the Runs").containsExactly("first");
    assertThat(submit(third).kfpRun()).isEmpty();
    assertThat(phases.kfp.count("CreateRun")).isEqualTo(1);

    finish(first);
    assertThat(submit(second).kfpRun()).isPresent();
    assertThat(submit(third).kfpRun()).isEmpty();
    assertThat(phases.kfp.count("CreateRun")).isEqualTo(2);
  }

  @Test
  void aRunWhoseCreateIsInDoubtKeepsItsSlotInAQueueCreatedAgain() {
    queues.createQueue("q", 1, null);
    Run first = member("first", "q", 0);
    Run late = member("late", "q", 1);
    phases.kfp.failNext("CreateRun", KfpErrors.answered("CreateRun", 503, "unavailable"));
    assertThat(submit(first).kfpRun()).as("admitted and claimed, but KFP was unavailable").isEmpty();

    queues.createQueue("q", 1, null);
    assertThat(submit(late).kfpRun()).isEmpty();
    assertThat(message(late)).isEqualTo("position 1 of 1 in queue q, 1 of 1 active");

    phases.clock.advance(Phases.CREATE_WINDOW.multipliedBy(2));
    assertThat(submit(first).kfpRun()).as("its claim shows it was admitted").isPresent();
    assertThat(phases.kfp.count("CreateRun")).isEqualTo(2);
    assertThat(admitted("q")).containsExactly("first");
  }

  @Test
  void runsCreatedInTheSameSecondGoInTheOrderOfTheirNames() {
    queues.createQueue("q", 1, null);
    Run b = member("b", "q", 0);
    Run a = member("a", "q", 0);

    assertThat(submit(b).kfpRun()).isEmpty();
    assertThat(message(b)).isEqualTo("position 2 of 2 in queue q, 0 of 1 active");
    assertThat(submit(a).kfpRun()).isPresent();
    submit(b);
    assertThat(message(b)).isEqualTo("position 1 of 1 in queue q, 1 of 1 active");
  }

  @Test
  void anAdmittedRunGoesOnToKfpWhateverTheQueueLooksLikeNow() {
    queues.createQueue("q", 1, null);
    Run first = member("first", "q", 0);
    Run late = member("late", "q", 1);
    phases.kfp.failNext("CreateRun", KfpErrors.answered("CreateRun", 503, "unavailable"));
    assertThat(submit(first).kfpRun()).as("admitted, but KFP was unavailable").isEmpty();
    assertThat(admitted("q")).containsExactly("first");
    submit(late);

    phases.clock.advance(Phases.CREATE_WINDOW.multipliedBy(2));
    assertThat(submit(first).kfpRun()).as("its slot stayed its own").isPresent();
    assertThat(admitted("q")).containsExactly("first");
    assertCondition(late, RunConditions.SUBMITTED, "False", RunConditions.REASON_QUEUED);
  }

  @Test
  void aQueueScopedToAnExperimentRefusesRunsOfAnother() {
    queues.createQueue("exp-queue", 1, "exp-1");
    Run other = member("other", "exp-queue", 0);
    other.getSpec().setExperimentId("exp-2");
    Run none = member("none", "exp-queue", 1);
    Run own = member("own", "exp-queue", 2);
    own.getSpec().setExperimentId("exp-1");

    submit(other);
    submit(none);

    assertCondition(other, RunConditions.SUBMITTED, "False", RunConditions.REASON_QUEUE_REFUSED);
    assertThat(message(other)).contains("takes only Runs of experiment exp-1", "spec.experimentId is exp-2");
    assertThat(message(none)).contains("spec.experimentId is not set");
    assertThat(phases.events.reasons()).containsExactly(RunConditions.REASON_QUEUE_REFUSED,
        RunConditions.REASON_QUEUE_REFUSED);
    assertThat(phases.kfp.calls()).isEmpty();
    assertThat(submit(own).kfpRun()).as("refused Runs hold no place").isPresent();
  }

  @Test
  void aQueueWithoutAValidMaxActiveAdmitsNothingAndSaysSo() {
    queues.createQueue("broken", 0, null);
    Run run = member("held", "broken", 0);

    submit(run);

    assertCondition(run, RunConditions.SUBMITTED, "False", RunConditions.REASON_QUEUE_REFUSED);
    assertThat(message(run)).contains("RunQueue broken has spec.maxActive 0; it must be at least 1");
    assertThat(phases.kfp.calls()).isEmpty();
  }

  @Test
  void aSuspendedRunTakesNoSlotAndKeepsItsPlace() {
    queues.createQueue("q", 1, null);
    Run oldest = member("oldest", "q", 0);
    oldest.getSpec().setSuspend(true);
    queues.put(oldest);
    Run middle = member("middle", "q", 1);
    Run newest = member("newest", "q", 2);

    submit(oldest);
    assertCondition(oldest, RunConditions.SUBMITTED, "False", RunConditions.REASON_SUSPENDED);
    assertThat(submit(middle).kfpRun()).as("the suspended Run does not block the queue").isPresent();
    oldest.getSpec().setSuspend(false);
    submit(oldest);
    submit(newest);
    assertThat(message(oldest)).isEqualTo("position 1 of 2 in queue q, 1 of 1 active");

    finish(middle);
    assertThat(submit(newest).kfpRun()).isEmpty();
    assertThat(submit(oldest).kfpRun()).as("resumed, it is ahead of Runs created after it").isPresent();
  }

  @Test
  void twoInstancesDecidingOnTheSameFreeSlotAdmitOnlyOne() {
    queues.createQueue("q", 1, null);
    Run a = member("a", "q", 0);
    Run b = member("b", "q", 0);
    RunQueue seenBeforeEitherWrote = queues.stored("q");
    QueueStore lagging = queues.asCachedBy((namespace, name) -> Optional.of(seenBeforeEitherWrote),
        run -> !run.getMetadata().getName().equals("a"));
    QueueGate other = new QueueGate(lagging, phases.recorder, phases.clock);

    assertThat(phases.gate().admit(a)).isEqualTo(QueueGate.Outcome.ADMITTED);
    assertThat(other.admit(b)).as("its view of the queue is older than the admission of a")
        .isEqualTo(QueueGate.Outcome.STALE);

    assertThat(admitted("q")).containsExactly("a");
    assertThat(queues.conflicts).hasValue(1);
    assertThat(phases.gate().admit(b)).as("decided again on the queue as it is").isEqualTo(QueueGate.Outcome.HELD);
  }

  @Test
  void anAdmittedRunMissingFromTheCacheKeepsItsSlotUntilTheApiServerSaysItIsGone() {
    queues.createQueue("q", 1, null);
    Run deleted = member("deleted", "q", 0);
    Run waiting = member("waiting", "q", 1);
    submit(deleted);
    RunQueue before = queues.stored("q");
    QueueStore cacheWithoutIt = queues.asCachedBy(queues::queue, run -> false);
    QueueGate lagging = new QueueGate(cacheWithoutIt, phases.recorder, phases.clock);

    assertThat(lagging.admit(waiting)).as("the API server still has it").isEqualTo(QueueGate.Outcome.HELD);
    assertThat(queues.stored("q").getStatus().getAdmitted()).isEqualTo(before.getStatus().getAdmitted());

    queues.remove("deleted");
    assertThat(lagging.admit(waiting)).as("gone, deleted while no operator ran")
        .isEqualTo(QueueGate.Outcome.ADMITTED);
    assertThat(admitted("q")).containsExactly("waiting");
  }

  @Test
  void aRunBeingDeletedGivesItsSlotBack() {
    queues.createQueue("q", 1, null);
    Run leaving = member("leaving", "q", 0);
    Run next = member("next", "q", 1);
    submit(leaving);
    submit(next);

    leaving.getMetadata().setDeletionTimestamp(T0.plusSeconds(60).toString());
    queues.put(leaving);
    phases.gate().refresh(leaving);

    assertThat(admitted("q")).isEmpty();
    assertThat(queues.stored("q").getStatus().getWaiting()).isEqualTo(1);
    assertThat(submit(next).kfpRun()).isPresent();
  }

  @Test
  void aRunKfpRefusesToCreateGivesItsSlotBack() {
    queues.createQueue("q", 1, null);
    Run refused = member("refused", "q", 0);
    Run next = member("next", "q", 1);
    phases.kfp.failNext("CreateRun", KfpErrors.answered("CreateRun", 400, "pipeline spec is invalid"));

    submit(refused);
    phases.gate().refresh(refused);

    assertCondition(refused, RunConditions.SUBMITTED, "False", RunConditions.REASON_KFP_ERROR);
    assertThat(admitted("q")).isEmpty();
    assertThat(submit(next).kfpRun()).isPresent();

    submit(refused);
    phases.gate().refresh(refused);

    assertThat(phases.kfp.count("CreateRun")).as("the refused Run looked at again is not sent again").isEqualTo(2);
    assertCondition(refused, RunConditions.SUBMITTED, "False", RunConditions.REASON_KFP_ERROR);
    assertThat(admitted("q")).containsExactly("next");
    assertThat(queues.stored("q").getStatus().getWaiting()).isZero();
  }
}
