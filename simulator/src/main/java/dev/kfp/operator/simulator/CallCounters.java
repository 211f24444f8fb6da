package dev.kfp.operator.simulator;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How many calls the simulator received, per endpoint, and how many bytes it answered with: every request
 * counts, including those an injected fault or an outage answered (that is what a client spent). Thread-safe.
 */
public final class CallCounters {

  private final AtomicLongArray counts = new AtomicLongArray(Endpoint.values().length);
  private final AtomicLong bytesSent = new AtomicLong();

  void increment(Endpoint endpoint) {
    counts.incrementAndGet(endpoint.ordinal());
  }

  void addBytesSent(long bytes) {
    bytesSent.addAndGet(bytes);
  }

  /** Bytes of response bodies written so far, all endpoints together: what KFP sent its clients. */
  public long bytesSent() {
    return bytesSent.get();
  }

  public long count(Endpoint endpoint) {
    return counts.get(endpoint.ordinal());
  }

  public long total() {
    long sum = 0;
    for (int i = 0; i < counts.length(); i++) {
      sum += counts.get(i);
    }
    return sum;
  }

  /** The non-zero counts, as of now. */
  public Map<Endpoint, Long> snapshot() {
    Map<Endpoint, Long> copy = new EnumMap<>(Endpoint.class);
    for (Endpoint endpoint : Endpoint.values()) {
      long n = count(endpoint);
      if (n > 0) {
        copy.put(endpoint, n);
      }
    }
    return Collections.unmodifiableMap(copy);
  }

  public void reset() {
    bytesSent.set(0);
    for (int i = 0; i < counts.length(); i++) {
      counts.set(i, 0);
    }
  }
}
