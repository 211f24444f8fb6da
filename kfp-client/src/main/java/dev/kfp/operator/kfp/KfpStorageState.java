package dev.kfp.operator.kfp;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** KFP's storage state of a run; values a newer server adds parse as {@link #UNRECOGNIZED}. */
public enum KfpStorageState {
  STORAGE_STATE_UNSPECIFIED,
  AVAILABLE,
  ARCHIVED,
  @JsonEnumDefaultValue
  UNRECOGNIZED
}
