package dev.kfp.operator.api;

/** {@code spec.caching}: whether every task of the run may reuse a cached result (KFP's execution cache). */
public enum Caching {
  /** Every task may take its outputs from an earlier execution with the same inputs. */
  Enabled,
  /** Every task runs again, whatever the compiled pipeline says. */
  Disabled;

  /** The value of KFP's {@code cachingOptions.enableCache}. */
  public boolean enablesCache() {
    return this == Enabled;
  }
}
