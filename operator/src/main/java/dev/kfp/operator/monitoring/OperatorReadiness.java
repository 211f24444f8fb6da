package dev.kfp.operator.monitoring;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.RuntimeInfo;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What {@code /readyz} answers. The configuration was validated before anything started, so ready means: the
 * operator started and, on the replica that reconciles, every informer is synced and watching. A replica waiting
 * for the leader election Lease is ready too: it can take over at any moment, and a rollout must not wait for it
 * to lead.
 */
public final class OperatorReadiness {

  private final Supplier<RuntimeInfo> runtime;
  private final boolean leaderElection;
  private final AtomicBoolean leading = new AtomicBoolean();

  public OperatorReadiness(Supplier<RuntimeInfo> runtime, boolean leaderElection) {
    this.runtime = runtime;
    this.leaderElection = leaderElection;
  }

  /** Callbacks to hand to the leader election configuration, so readiness knows whether this replica leads. */
  public LeaderCallbacks leaderCallbacks() {
    return new LeaderCallbacks(() -> leading.set(true), () -> leading.set(false), leader -> { });
  }

  /** Why the operator is not ready, or empty when it is. */
  public Optional<String> notReadyReason() {
    RuntimeInfo info = runtime.get();
    if (info == null || !info.isStarted()) {
      return Optional.of("operator not started");
    }
    if (leaderElection && !leading.get()) {
      return Optional.empty();
    }
    if (!info.allEventSourcesAreHealthy()) {
      return Optional.of("informers not synced or not watching: " + info.unhealthyEventSources().keySet());
    }
    return Optional.empty();
  }
}
