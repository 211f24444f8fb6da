package dev.kfp.operator.api;

/** What happens to the KFP run when its Run object is deleted. */
public enum DeletionPolicy {
  /** Terminate the run if it is active, then archive it (the default). */
  Archive,
  /** Terminate the run if it is active, then delete it from KFP. */
  Delete,
  /** Leave the KFP run as it is. */
  Orphan
}
