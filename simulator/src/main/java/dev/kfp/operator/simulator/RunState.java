package dev.kfp.operator.simulator;

/** KFP's RuntimeState, as the simulator's runs carry it. */
public enum RunState {
  RUNTIME_STATE_UNSPECIFIED,
  PENDING,
  RUNNING,
  SUCCEEDED,
  SKIPPED,
  FAILED,
  CANCELING,
  CANCELED,
  PAUSED;

  boolean isFinal() {
    return this == SUCCEEDED || this == SKIPPED || this == FAILED || this == CANCELED;
  }

  /** The states KFP's terminate accepts (its DB update is guarded by exactly these). */
  boolean isTerminable() {
    return this == PENDING || this == RUNNING || this == PAUSED || this == RUNTIME_STATE_UNSPECIFIED;
  }
}
