package dev.kfp.operator.monitoring;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpCallListener;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The operator's Prometheus registry: JOSDK's reconcile metrics, KFP calls ({@link KfpCallTimer}), Runs by
 * state ({@link RunStateGauge}) and the JVM's own.
 */
public final class OperatorMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final KfpCallListener kfpCalls = new KfpCallTimer(registry);
  private RunStateGauge runsByState;

  public OperatorMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** For JOSDK's {@code withMetrics}: reconciliations, their duration and outcome, per controller. */
  public Metrics reconcileMetrics() {
    return MicrometerMetrics.withoutPerResourceMetrics(registry);
  }

  /** Times the calls of every KFP client it is registered on (see {@link KfpCallTimer}). */
  public KfpCallListener kfpCalls() {
    return kfpCalls;
  }

  /** Counts these Runs by state at every scrape. */
  public void countRunsByState(Supplier<Stream<Run>> runs) {
    runsByState = new RunStateGauge(registry, runs);
  }

  /** The current values in Prometheus text format. */
  public String scrape() {
    if (runsByState != null) {
      runsByState.refresh();
    }
    return registry.scrape();
  }
}
