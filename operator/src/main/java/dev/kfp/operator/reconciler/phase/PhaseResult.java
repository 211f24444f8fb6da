package dev.kfp.operator.reconciler.phase;

import dev.kfp.operator.kfp.KfpRun;
import java.time.Duration;
import java.util.Optional;

/**
 * What a phase of a reconcile decided, in the one shape every phase returns, so that the reconcile reads as the
 * phases in order and joins what they say.
 *
 * @param kfpRun the KFP run the phase read from KFP itself (found or created), for the next phase to start from
 * @param lookAgainIn when to reconcile the Run again; empty when a change or the status sync will trigger it
 * @param stale the Run changed while the phase worked: nothing it decided may be written, look again
 * @param deleteRun the Run's time to live is over: delete it, after the status write
 */
public record PhaseResult(Optional<KfpRun> kfpRun, Optional<Duration> lookAgainIn, boolean stale,
    boolean deleteRun) {

  /** Nothing to hand on and no look of its own. */
  public static final PhaseResult NONE = new PhaseResult(Optional.empty(), Optional.empty(), false, false);

  /** Look at the Run again after {@code delay}, when there is one. */
  public static PhaseResult lookAgain(Optional<Duration> delay) {
    return new PhaseResult(Optional.empty(), delay, false, false);
  }

  /** Look at the Run again after {@code delay}. */
  public static PhaseResult lookAgainIn(Duration delay) {
    return lookAgain(Optional.of(delay));
  }

  /** The phase read {@code kfpRun} from KFP (a create, an adoption). */
  public static PhaseResult read(KfpRun kfpRun) {
    return new PhaseResult(Optional.of(kfpRun), Optional.empty(), false, false);
  }

  /** The Run changed under the phase. */
  public static PhaseResult staleObject() {
    return new PhaseResult(Optional.empty(), Optional.empty(), true, false);
  }

  /** The Run is to be deleted. */
  public static PhaseResult deleteTheRun() {
    return new PhaseResult(Optional.empty(), Optional.empty(), false, true);
  }

  /**
   * This result and the next phase's together: the run the later phase read if it read one, the sooner look,
   * stale or to be deleted if either says so.
   */
  public PhaseResult and(PhaseResult next) {
    return new PhaseResult(next.kfpRun.isPresent() ? next.kfpRun : kfpRun, sooner(lookAgainIn, next.lookAgainIn),
        stale || next.stale, deleteRun || next.deleteRun);
  }

  /** The earlier of two looks, when either is wanted. */
  public static Optional<Duration> sooner(Optional<Duration> a, Optional<Duration> b) {
    if (a.isEmpty()) {
      return b;
    }
    return b.isEmpty() || a.get().compareTo(b.get()) <= 0 ? a : b;
  }
}
