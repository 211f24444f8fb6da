package dev.kfp.operator.benchmark;

import dev.kfp.operator.sandbox.SandboxKfp;
import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.simulator.Timing;
import java.io.PrintStream;
import java.time.Duration;

/**
 * The operator's heap while it tracks many active Runs: Runs are filled in by the bare loop (no marker
 * search), the operator (bulk mode) observes every one, then the used heap after a full GC is compared with
 * the same process once the operator has stopped. The difference is what the operator holds: informer cache,
 * sync state, JOSDK. The embedded Kubernetes API and the simulator hold the same data in both measurements.
 */
final class HeapBenchmark {

  /** Used heap in bytes: with the operator tracking, and after it stopped. */
  record Result(int runs, long withOperator, long withoutOperator) {
    long operatorBytes() {
      return withOperator - withoutOperator;
    }
  }

  private HeapBenchmark() {}

  static Result run(BenchmarkOptions options, PrintStream progress) throws Exception {
    // Runs stay active for the whole measurement.
    Timing timing = new Timing(Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(1));
    try (BenchmarkEnvironment env = new BenchmarkEnvironment(timing, Duration.ZERO, 0, SandboxKfp.Choice.SIMULATOR, null);
        StatusWatch watch = new StatusWatch(env.k8s(), BenchmarkEnvironment.NAMESPACE)) {
      double fill = BareSubmissionLoop.submit(env, options.heapRuns(), options.concurrency(), false).seconds();
      progress.printf("  heap: %d Runs filled in %.1f s%n", options.heapRuns(), fill);
      long withOperator;
      try (OperatorWiring.Running operator = ModeBenchmark.startOperator(env, options, false)) {
        ModeBenchmark.await(() -> watch.count("PENDING") >= options.heapRuns(), Duration.ofMinutes(15),
            "the operator to observe every Run");
        long ticks = operator.operator().statusSync().orElseThrow().ticks();
        ModeBenchmark.await(() -> operator.operator().statusSync().orElseThrow().ticks() >= ticks + 2,
            options.interval().multipliedBy(3), "two ticks of the status sync");
        withOperator = usedHeapAfterGc();
      }
      long withoutOperator = usedHeapAfterGc();
      return new Result(options.heapRuns(), withOperator, withoutOperator);
    }
  }

  static long usedHeapAfterGc() throws InterruptedException {
    Runtime runtime = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
    }
    return used;
  }
}
