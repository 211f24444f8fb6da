package dev.kfp.operator.benchmark;

import dev.kfp.operator.sandbox.SandboxKfp;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code benchmark}: the status sync and submission measured in one process (the real kube-apiserver and etcd
 * when their binaries are there, else the embedded mock; the simulator on the system clock or with
 * {@code --kfp kfp-server} KFP's own server; the operator), bulk and per-run side by side; see
 * docs/developing/benchmark.md.
 */
public final class BenchmarkCommand {

  /** Held so the logging configuration below is not garbage-collected. */
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private BenchmarkCommand() {}

  /**
   * Submits a few hundred Runs with the bare loop and through the operator, so the JIT has compiled the
   * client, simulator, Kubernetes client and operator paths before anything is measured; else the first mode measured
   * pays for it.
   */
  private static void warmUp(BenchmarkOptions options) throws Exception {
    int runs = Math.min(options.runs(), 300);
    try (BenchmarkEnvironment env = options.environment()) {
      BareSubmissionLoop.submit(env, runs, options.concurrency(), true);
    }
    try (BenchmarkEnvironment env = options.environment();
        StatusWatch watch = new StatusWatch(env.k8s(), BenchmarkEnvironment.NAMESPACE);
        var operator = ModeBenchmark.startOperator(env, options, false)) {
      ModeBenchmark.createRuns(env, runs, options.concurrency());
      ModeBenchmark.await(() -> watch.submittedCount() >= runs, Duration.ofMinutes(5), "warm-up submissions");
    }
  }

  public static int run(String[] args) throws Exception {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(BenchmarkOptions.USAGE);
      System.out.println(ScaleBenchmark.Options.USAGE);
      return 0;
    }
    if (List.of(args).contains("--scale")) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      return ScaleBenchmark.run(args, System.out);
    }
    BenchmarkOptions options;
    try {
      options = BenchmarkOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("benchmark: " + e.getMessage());
      return 2;
    }
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    PrintStream out = System.out;
    out.println("benchmark on " + BenchmarkReport.machine());

    try {
      warmUp(options);
    } catch (IllegalStateException e) {
      // --kfp kfp-server without its binary, or it did not start: the message says why and what to do
      System.err.println("benchmark: " + e.getMessage());
      return 1;
    }
    BareSubmissionLoop.Result bare;
    double bareBytes;
    BenchmarkReport.Kfp kfp;
    BenchmarkReport.Kubernetes kubernetes;
    try (BenchmarkEnvironment env = options.environment()) {
      kfp = new BenchmarkReport.Kfp(options.kfp() == SandboxKfp.Choice.SIMULATOR ? "simulator" : "kfp-server",
          env.kfpVersion(), env.kfpDescription());
      kubernetes = new BenchmarkReport.Kubernetes(env.kubernetesBackend(), env.kubernetesDescription());
      out.println("KFP: " + kfp.description() + ", version " + kfp.version());
      out.println("Kubernetes: " + kubernetes.description());
      // Timed as the operator is: until the benchmark's watch (whose cost the API server pays in both) shows
      // every run id.
      try (StatusWatch watch = new StatusWatch(env.k8s(), BenchmarkEnvironment.NAMESPACE)) {
        long start = System.nanoTime();
        BareSubmissionLoop.Result loop = BareSubmissionLoop.submit(env, options.runs(), options.concurrency(), true);
        ModeBenchmark.await(() -> watch.submittedCount() >= options.runs(), Duration.ofMinutes(5),
            "the bare loop's run ids to show");
        bare = new BareSubmissionLoop.Result((System.nanoTime() - start) / 1e9, loop.kubernetesRequests());
      }
      bareBytes = env.kfpBytes() / (double) options.runs();
    }
    out.printf("  bare loop: %d Runs submitted in %.1f s, %.0f bytes from KFP per Run; Kubernetes requests: %s%n",
        options.runs(), bare.seconds(), bareBytes, bare.kubernetesRequests());
    List<ModeBenchmark.Result> results = new ArrayList<>();
    for (String mode : options.modes()) {
      results.add(ModeBenchmark.run(options, mode, out));
    }
    HeapBenchmark.Result heap = options.heapRuns() == 0 ? null : HeapBenchmark.run(options, out);

    BenchmarkReport report = new BenchmarkReport(options, kfp, kubernetes, bare.seconds(), bareBytes,
        bare.kubernetesRequests(), results, heap);
    out.println();
    out.print(report.table());
    report.write(options.out());
    out.println("wrote " + options.out().resolve("benchmark.json") + " and " + options.out().resolve("benchmark.svg"));
    return 0;
  }
}
