package dev.kfp.operator.config;

/** How the operator keeps active runs' status in step with KFP (docs/developing/design.md, "Status sync modes"). */
public enum SyncMode {
  /** One filtered list call per namespace and chunk of runs; a reconcile only for runs that changed. */
  BULK,
  /** One GET per active run and poll interval: simple, costs O(active runs) calls per interval. */
  PER_RUN;

  public String externalName() {
    return name().toLowerCase().replace('_', '-');
  }
}
