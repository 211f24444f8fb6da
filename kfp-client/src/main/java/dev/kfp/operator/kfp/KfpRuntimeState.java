package dev.kfp.operator.kfp;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** KFP's RuntimeState of a run; values a newer server adds parse as {@link #UNRECOGNIZED}. */
public enum KfpRuntimeState {
  RUNTIME_STATE_UNSPECIFIED,
  PENDING,
  RUNNING,
  SUCCEEDED,
  SKIPPED,
  FAILED,
  CANCELING,
  CANCELED,
  PAUSED,
  @JsonEnumDefaultValue
  UNRECOGNIZED;

  /** True once KFP will not change the state by itself any more. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == SKIPPED || this == FAILED || this == CANCELED;
  }

  /** True for the states from which KFP accepts a terminate call. */
  public boolean isTerminable() {
    return this == PENDING || this == RUNNING || this == PAUSED || this == RUNTIME_STATE_UNSPECIFIED;
  }
}
