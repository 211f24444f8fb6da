package dev.kfp.operator.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** A clock that only moves when a test says so; runs progress deterministically with it. Thread-safe. */
public final class ManualClock implements SimulatorClock {

  private Instant now;

  public ManualClock(Instant start) {
    this.now = Objects.requireNonNull(start);
  }

  /** Starts at a fixed, readable instant: 2026-11-29T10:00:00Z. */
  public ManualClock() {
    this(Instant.parse("2026-11-29T10:00:00Z"));
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  public synchronized void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("a clock does not go back: " + duration);
    }
    now = now.plus(duration);
  }

  public synchronized void set(Instant instant) {
    if (instant.isBefore(now)) {
      throw new IllegalArgumentException("a clock does not go back: " + instant + " < " + now);
    }
    now = instant;
  }
}
