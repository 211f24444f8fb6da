package dev.kfp.operator.reconciler;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.SubmissionClaim;
import dev.kfp.operator.reconciler.status.StatusWrite;
import dev.kfp.operator.reconciler.status.StatusWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The status writes a phase made in the middle of a reconcile, instead of patching Kubernetes: what the claim
 * was at each write and how many KFP calls had been made before it. Answers {@link StatusWriter.Outcome#WRITTEN}
 * unless a test makes the Run stale; a test may also run something during the write (a pause).
 */
final class RecordedStatusWrites implements StatusWrite {

  /** One write: the claim it carried, and the number of KFP calls made before it. */
  record Write(SubmissionClaim claim, int kfpCallsBefore) {}

  private final Run run;
  private final FakeKfp kfp;
  private final List<Write> writes = new ArrayList<>();
  private StatusWriter.Outcome outcome = StatusWriter.Outcome.WRITTEN;
  private Runnable during = () -> { };

  RecordedStatusWrites(Run run, FakeKfp kfp) {
    this.run = run;
    this.kfp = kfp;
  }

  /** Someone else wrote the Run: every write from now on is refused as stale. */
  void makeStale() {
    outcome = StatusWriter.Outcome.STALE;
  }

  /** Runs {@code action} while a write is under way, e.g. the clock moving through a pause. */
  void whileWriting(Runnable action) {
    during = action;
  }

  @Override
  public StatusWriter.Outcome write() {
    during.run();
    writes.add(new Write(run.getStatus().getClaim(), kfp.calls().size()));
    return outcome;
  }

  List<Write> all() {
    return List.copyOf(writes);
  }
}
