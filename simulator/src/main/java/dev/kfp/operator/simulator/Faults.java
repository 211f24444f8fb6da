package dev.kfp.operator.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The faults currently injected into a running simulator. Thread-safe; changes take effect for the next call.
 */
public final class Faults {

  /** What the front end must do with one call. */
  record Decision(Duration delay, Fault failure) {}

  private static final class Active {
    final Fault fault;
    int remaining;

    Active(Fault fault) {
      this.fault = fault;
      this.remaining = fault.times();
    }
  }

  private final List<Active> active = new ArrayList<>();
  private final Consumer<Outage> outageListener;
  private Random random = new Random();
  private Outage outage;

  Faults(Consumer<Outage> outageListener) {
    this.outageListener = outageListener;
  }

  /** Adds a fault; faults are consulted in the order they were added, the first failure that hits wins. */
  public synchronized Faults inject(Fault fault) {
    active.add(new Active(fault));
    return this;
  }

  /** Removes every fault (not the outage). */
  public synchronized Faults clear() {
    active.clear();
    return this;
  }

  /** Makes fractions and random delays repeatable. */
  public synchronized Faults seed(long seed) {
    random = new Random(seed);
    return this;
  }

  public void startOutage(Outage mode) {
    synchronized (this) {
      outage = mode;
    }
    outageListener.accept(mode);
  }

  public void endOutage() {
    synchronized (this) {
      outage = null;
    }
    outageListener.accept(null);
  }

  public synchronized Outage outage() {
    return outage;
  }

  /** Rolls the dice for one call: the delay to add, and the failure to produce (null: none). */
  synchronized Decision decide(Endpoint endpoint) {
    long delayNanos = 0;
    Fault failure = null;
    for (Active a : active) {
      Fault fault = a.fault;
      if (a.remaining == 0 || !fault.appliesTo(endpoint)) {
        continue;
      }
      boolean latency = fault.kind() == Fault.Kind.LATENCY;
      if (!latency && failure != null) {
        continue;
      }
      if (fault.fraction() < 1.0 && random.nextDouble() >= fault.fraction()) {
        continue;
      }
      if (a.remaining > 0) {
        a.remaining--;
      }
      if (latency) {
        long min = fault.minDelay().toNanos();
        long span = fault.maxDelay().toNanos() - min;
        delayNanos += min + (span == 0 ? 0 : (long) (random.nextDouble() * span));
      } else {
        failure = fault;
      }
    }
    active.removeIf(a -> a.remaining == 0);
    return new Decision(Duration.ofNanos(delayNanos), failure);
  }
}
