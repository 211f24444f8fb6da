package dev.kfp.operator.simulator;

/** An experiment the simulator knows; runs take their namespace from it. */
public record Experiment(String experimentId, String displayName, String namespace, StorageState storageState) {

  Experiment withStorageState(StorageState state) {
    return new Experiment(experimentId, displayName, namespace, state);
  }
}
