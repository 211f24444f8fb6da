package dev.kfp.operator.sync;

import dev.kfp.operator.api.Run;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A JOSDK event source that looks at the Runs on a timer of its own (one daemon thread named after it) and
 * triggers reconciles. Fixed rate, not fixed delay: the time a look takes must not stretch the period.
 */
abstract class PeriodicRunSource<R> extends AbstractEventSource<R, Run> {

  private final String name;
  private ScheduledExecutorService timer;

  PeriodicRunSource(Class<R> type, String name) {
    super(type, name);
    this.name = name;
  }

  /** Time between two looks. */
  abstract Duration period();

  /** One look. It must not throw: an exception would end the timer. */
  abstract void look();

  @Override
  public synchronized void start() {
    super.start();
    timer = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    });
    long nanos = period().toNanos();
    timer.scheduleAtFixedRate(this::look, nanos, nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized void stop() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
    super.stop();
  }

  void trigger(ResourceID resource) {
    getEventHandler().handleEvent(new Event(resource));
  }
}
