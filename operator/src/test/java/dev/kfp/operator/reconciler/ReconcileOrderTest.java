package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunQueueStatus;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.reconciler.queue.ClusterQueueStore;
import dev.kfp.operator.reconciler.queue.QueueGate;
import dev.kfp.operator.reconciler.queue.QueueStore;
import dev.kfp.operator.reconciler.status.StatusWriter;
import dev.kfp.operator.sync.PerRunSync;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The order of one reconcile's last steps, told by {@link RunReconciler#reconcile} itself without JOSDK: no
 * operator is started; the phases are wired as {@link RunReconciler#create} wires them, to {@link FakeKfp} and
 * {@link FakeQueues} (fakes), and the status write and the delete of the Run are recorded. The status is written
 * first, so that the queue counts from the Run as it now is and a write that meets a newer Run stops the
 * reconcile before anything else; then the queue's status is brought up to date (the Run's slot is free); the
 * Run whose time to live is over is deleted last.
 */
class ReconcileOrderTest {

  private final Phases phases = new Phases();
  private final List<String> steps = new ArrayList<>();

  /** {@link Phases#queues}, telling each queue status write as a step. */
  private final QueueStore queues = new QueueStore() {
    @Override
    public Optional<RunQueue> queue(String namespace, String name) {
      return phases.queues.queue(namespace, name);
    }

    @Override
    public List<Run> members(String namespace, String queue) {
      return phases.queues.members(namespace, queue);
    }

    @Override
    public boolean stillQueued(String namespace, String name, String uid, String queue) {
      return phases.queues.stillQueued(namespace, name, uid, queue);
    }

    @Override
    public boolean write(RunQueue queue, RunQueueStatus status) {
      steps.add("refresh queue");
      return phases.queues.write(queue, status);
    }
  };

  private final RunReconciler reconciler = new RunReconciler(phases.submitter(), phases.follower(), phases.ttl(null),
      phases.cleanup(), phases.recorder, new PerRunSync(Phases.POLL, Phases.RESYNC), new ClusterQueueStore(),
      new QueueGate(queues, phases.recorder, phases.clock));

  @Test
  void writesTheStatusThenRefreshesTheQueueThenDeletesTheExpiredRun() {
    phases.queues.createQueue("q", 1, null);
    Run run = phases.followedRun("expired", KfpRuntimeState.SUCCEEDED);
    phases.kfp.store(FakeKfp.withFinishedAt(phases.kfp.run(run.getStatus().getRunId()), phases.clock.instant()));
    run.getSpec().setQueueName("q");
    run.getSpec().setTtlSecondsAfterFinished(0L);
    phases.queues.put(run);

    UpdateControl<Run> control = reconciler.reconcile(run,
        () -> {
          steps.add("write status");
          return StatusWriter.Outcome.WRITTEN;
        },
        Optional::empty,
        () -> {
          steps.add("delete Run");
          return true;
        });

    assertThat(steps).containsExactly("write status", "refresh queue", "delete Run");
    assertThat(control.getScheduleDelay()).as("a deleted Run is not looked at again").isEmpty();
  }
}
