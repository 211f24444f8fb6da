package dev.kfp.operator.monitoring;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpRuntimeState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The gauge {@code kfp_operator_runs{state}}: how many Runs the operator watches, by KFP state ({@code NOT_SUBMITTED}
 * while a Run has no KFP run yet, {@code UNREADABLE} for a Run this operator version cannot read). Counted from
 * the informer cache when {@link #refresh()} is called, once per
 * scrape, so it costs no API call.
 */
public final class RunStateGauge {

  static final String METER = "kfp.operator.runs";
  static final String NOT_SUBMITTED = "NOT_SUBMITTED";
  /** Runs this operator version cannot read (see {@code Run.unreadable()}); they are reported and left alone. */
  static final String UNREADABLE = "UNREADABLE";

  private final MeterRegistry registry;
  private final Supplier<Stream<Run>> runs;
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  public RunStateGauge(MeterRegistry registry, Supplier<Stream<Run>> runs) {
    this.registry = registry;
    this.runs = runs;
    gauge(NOT_SUBMITTED);
    gauge(UNREADABLE);
    for (KfpRuntimeState state : KfpRuntimeState.values()) {
      if (state != KfpRuntimeState.UNRECOGNIZED) {
        gauge(state.name());
      }
    }
  }

  /** Recounts the Runs; states no Run is in read 0. */
  public void refresh() {
    Map<String, Long> now = runs.get().collect(Collectors.groupingBy(RunStateGauge::state, Collectors.counting()));
    now.keySet().forEach(this::gauge);
    counts.forEach((state, count) -> count.set(now.getOrDefault(state, 0L)));
  }

  private AtomicLong gauge(String state) {
    return counts.computeIfAbsent(state, s -> {
      AtomicLong count = new AtomicLong();
      Gauge.builder(METER, count, AtomicLong::get)
          .description("Runs watched by the operator, by KFP runtime state")
          .tag("state", s)
          .register(registry);
      return count;
    });
  }

  private static String state(Run run) {
    if (run.unreadable() != null) {
      return UNREADABLE;
    }
    String state = run.getStatus() == null ? null : run.getStatus().getState();
    return state == null || state.isEmpty() ? NOT_SUBMITTED : state;
  }
}
