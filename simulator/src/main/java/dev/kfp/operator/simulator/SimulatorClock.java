package dev.kfp.operator.simulator;

import java.time.Instant;

/** The time the simulator's runs live in: the system clock, or a {@link ManualClock} a test moves. */
@FunctionalInterface
public interface SimulatorClock {

  Instant now();

  /** Wall-clock time: runs progress by themselves. */
  static SimulatorClock system() {
    return Instant::now;
  }
}
