package dev.kfp.operator.benchmark;

import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.config.SyncMode;
import dev.kfp.operator.sync.PollSchedule;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * One sync mode from start to finish: N Runs applied at once until all are submitted, a steady-state window
 * in which KFP calls are counted, then every run's state changes until all succeeded, each timed from the
 * simulator's transition to the Run's status.
 */
final class ModeBenchmark {

  /**
   * What one mode measured.
   *
   * @param submissionRequests the operator's Kubernetes requests until every Run was submitted, by verb and
   *     resource (its informers' list and watch included), without the benchmark's creates of the Runs
   * @param windowRequests the operator's Kubernetes requests in the steady-state window, by verb and resource
   * @param submissionSteps seconds between the steps of each Run's submission as a watch saw them
   *     ({@link StatusWatch#stepSeconds()})
   * @param lagSecondsAfterSubmission the lags of the state changes KFP made once every Run was submitted: a change
   *     made while the reconcile threads still work through the submissions waits behind them
   */
  record Result(String mode, double submissionSeconds, double callsPerRunPerMinute, double windowSeconds,
      long windowCalls, List<Double> lagSeconds, double submissionBytesPerRun, double bytesPerRunPerMinute,
      Map<String, Long> submissionRequests, Map<String, Long> windowRequests,
      Map<String, List<Double>> submissionSteps, List<Double> lagSecondsAfterSubmission) {

    /** The operator's Kubernetes requests per active Run per minute in the steady-state window. */
    double kubernetesRequestsPerRunPerMinute(int runs) {
      return windowRequests.values().stream().mapToLong(Long::longValue).sum() / (double) runs
          / (windowSeconds / 60);
    }
  }

  private ModeBenchmark() {}

  static Result run(BenchmarkOptions options, String mode, PrintStream progress) throws Exception {
    Duration interval = options.interval();
    Timing timing = options.timing();
    KubernetesRequests requests = new KubernetesRequests();
    try (BenchmarkEnvironment env = options.environment();
        StatusWatch watch = new StatusWatch(env.k8s(), BenchmarkEnvironment.NAMESPACE);
        OperatorWiring.Running operator = startOperator(env, options, mode.equals("per-run"),
            env.countedClient(requests))) {
      Instant start = Instant.now();
      createRuns(env, options.runs(), options.concurrency());
      await(() -> watch.submittedCount() >= options.runs(), Duration.ofMinutes(10), "all Runs submitted");
      Instant submitted = Instant.now();
      double submission = Duration.between(start, submitted).toNanos() / 1e9;
      Map<String, Long> submissionRequests = requests.snapshot();
      double submissionBytes = env.kfpBytes() / (double) options.runs();
      progress.printf("  %s: %d Runs submitted in %.1f s on %s; the operator's Kubernetes requests: %s%n", mode,
          options.runs(), submission, env.kubernetesBackend(), submissionRequests);
      Map<String, List<Double>> steps = watch.stepSeconds();
      steps.forEach((step, seconds) -> progress.printf(Locale.ROOT, "  %s: %-22s p50 %.2f s, p90 %.2f s, max %.2f s%n",
          mode, step, BenchmarkReport.percentile(seconds, 50), BenchmarkReport.percentile(seconds, 90),
          BenchmarkReport.percentile(seconds, 100)));

      // Steady state: every run past the young tier of the bulk sync, none finished yet.
      Instant windowStart = Instant.now().plus(interval.multipliedBy(PollSchedule.YOUNG_INTERVALS)).plusSeconds(2);
      sleepUntil(windowStart);
      long callsBefore = env.kfpCalls();
      long bytesBefore = env.kfpBytes();
      Map<String, Long> requestsBefore = requests.snapshot();
      Instant windowEnd = windowStart.plus(options.window());
      sleepUntil(windowEnd);
      long windowCalls = env.kfpCalls() - callsBefore;
      long windowBytes = env.kfpBytes() - bytesBefore;
      Map<String, Long> windowRequests = KubernetesRequests.since(requestsBefore, requests.snapshot());
      double windowSeconds = options.window().toNanos() / 1e9;
      double perRunPerMinute = windowCalls / (double) options.runs() / (windowSeconds / 60);
      double bytesPerRunPerMinute = windowBytes / (double) options.runs() / (windowSeconds / 60);
      long changes = env.transitions().stream()
          .filter(t -> !t.at().isBefore(windowStart) && t.at().isBefore(windowEnd))
          .count();
      progress.printf("  %s: %d KFP calls and %d bytes from KFP in %.0f s = %.3f calls and %.0f bytes per active "
          + "run per minute; %d state changes in that time, %.1f KiB per change%n", mode, windowCalls, windowBytes,
          windowSeconds, perRunPerMinute, bytesPerRunPerMinute, changes,
          changes == 0 ? 0 : windowBytes / 1024.0 / changes);
      progress.printf("  %s: the operator's Kubernetes requests in that time: %s%n", mode, windowRequests);

      await(() -> watch.count("SUCCEEDED") >= options.runs(),
          timing.pending().plus(timing.running()).plus(Duration.ofMinutes(5)), "all Runs succeeded");
      List<Double> lags = lags(env, watch, Instant.MIN);
      List<Double> lagsAfterSubmission = lags(env, watch, submitted);
      progress.printf("  %s: %d state changes timed, %d of them after every Run was submitted%n", mode, lags.size(),
          lagsAfterSubmission.size());
      return new Result(mode, submission, perRunPerMinute, windowSeconds, windowCalls, lags, submissionBytes,
          bytesPerRunPerMinute, submissionRequests, windowRequests, steps, lagsAfterSubmission);
    }
  }

  /**
   * The operator as the {@code operator} command starts it (KFP call metrics, circuit breaker, reconcile metrics,
   * endpoints on a free port), watching the benchmark's namespace, with as many reconcile threads as the Runs are
   * applied from. On KFP's server its KFP calls are counted on the wire, with the bare loop's.
   */
  static OperatorWiring.Running startOperator(BenchmarkEnvironment env, BenchmarkOptions options,
      boolean pollsEachRun) {
    return startOperator(env, options, pollsEachRun, env.k8s());
  }

  /** The same, with the operator's requests sent through {@code kubernetes} (a counted client). */
  static OperatorWiring.Running startOperator(BenchmarkEnvironment env, BenchmarkOptions options,
      boolean pollsEachRun, KubernetesClient kubernetes) {
    OperatorConfig config = OperatorConfig.load(Map.of(
        Setting.KFP_ENDPOINT.envName(), env.baseUrl(),
        Setting.POLL_INTERVAL.envName(), options.interval().toString(),
        Setting.RESYNC_INTERVAL.envName(), options.resync().toString(),
        Setting.SYNC_MODE.envName(), (pollsEachRun ? SyncMode.PER_RUN : SyncMode.BULK).externalName(),
        Setting.WATCH_NAMESPACES.envName(), BenchmarkEnvironment.NAMESPACE,
        Setting.MONITORING_PORT.envName(), "0",
        Setting.LEADER_ELECTION.envName(), "false"), new String[0]);
    OperatorWiring wiring = OperatorWiring.of(config, kubernetes).exitOnLostLease(false)
        .operatorSettings(o -> o.withConcurrentReconciliationThreads(options.concurrency()));
    env.kfpInterceptors().forEach(wiring::kfpInterceptor);
    return wiring.start();
  }

  /** Applies the Runs from a pool as large as the operator's, as {@code kubectl apply} of many files would. */
  static void createRuns(BenchmarkEnvironment env, int runs, int threads) throws Exception {
    KubernetesClient user = env.countedClient(new KubernetesRequests());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        int number = i;
        done.add(pool.submit(() -> user.resource(env.run(number)).create()));
      }
      for (Future<?> future : done) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * From each run's transition instant in KFP (exact in the simulator; when the persistence agent sent its report
   * on KFP's server) to the Run's status showing that state. The create itself (PENDING) is timed as submission.
   */
  private static List<Double> lags(BenchmarkEnvironment env, StatusWatch watch, Instant from) {
    List<Double> lags = new ArrayList<>();
    for (BenchmarkEnvironment.Transition transition : env.transitions()) {
      if (transition.at().isBefore(from)) {
        continue;
      }
      watch.firstSeen(transition.runName(), transition.state()).ifPresent(seen ->
          lags.add(Math.max(0, Duration.between(transition.at(), seen).toNanos() / 1e9)));
    }
    return lags;
  }

  static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("benchmark: gave up waiting for " + what + " after " + timeout);
      }
      Thread.sleep(20);
    }
  }

  static void sleepUntil(Instant instant) throws InterruptedException {
    long millis = Duration.between(Instant.now(), instant).toMillis();
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }
}
