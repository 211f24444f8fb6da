package dev.kfp.operator.simulator;

/** KFP's Run.StorageState (also used for experiments). */
public enum StorageState {
  AVAILABLE,
  ARCHIVED
}
