package dev.kfp.operator.simulator;

import java.time.Instant;

/**
 * An experiment the simulator knows; runs take their namespace from it. {@code lastRunCreatedAt} is null until a
 * run is created in it (KFP then answers the epoch, as for an unfinished run's {@code finished_at}).
 */
public record Experiment(String experimentId, String displayName, String namespace, StorageState storageState,
    Instant createdAt, Instant lastRunCreatedAt) {

  Experiment withStorageState(StorageState state) {
    return new Experiment(experimentId, displayName, namespace, state, createdAt, lastRunCreatedAt);
  }

  /** KFP stamps the experiment each time a run is created in it. */
  Experiment withRunCreatedAt(Instant at) {
    return new Experiment(experimentId, displayName, namespace, storageState, createdAt, at);
  }
}
