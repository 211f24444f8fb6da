package dev.kfp.operator.benchmark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.config.SyncMode;
import dev.kfp.operator.config.UnknownName;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.peers.ControlPlaneBinaries;
import dev.kfp.operator.peers.RealKubernetes;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.RunState;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * {@code benchmark --scale N}: the operator over N Runs on the real kube-apiserver and etcd, most of them finished as
 * in a long-lived namespace and {@code --scale-active} of them active. The Runs are created through the API server
 * (finished ones with their KFP run in the simulator and its id in their status, written through the status
 * subresource); an operator then brings their statuses to what it writes itself and stops, as an operator that ran
 * for a while would have left them. A second operator is then measured: its start-up until {@code /readyz} answers
 * and until it has looked at every Run once, the active Runs submitted, the KFP calls and the Kubernetes requests
 * (by verb and resource, counted on its own client) per minute in a steady window, the status lag of the active
 * runs' state changes, and the used heap after a full GC with it and after it stopped. See
 * docs/developing/benchmark.md#scale.
 */
final class ScaleBenchmark {

  static final String NAMESPACE = "scale";
  /** Marks the active Runs, so that the lag watch sees only them. */
  static final String ACTIVE_LABEL = "bench.kfp.dev/active";
  private static final String PIPELINE = """
      schemaVersion: 2.1.0
      pipelineInfo: {name: scale}
      root: {dag: {tasks: {}}}
      """;
  /**
   * The heap the operator gets in a pod of the chart: its default memory limit (1Gi, helm values.yaml) times the
   * image's {@code -XX:MaxRAMPercentage=75} (Dockerfile).
   */
  static final String CHART_HEAP = "-Xmx768m";
  static final Path PRODUCTION_JAR = Path.of("operator", "target", "kfp-run-operator.jar");
  /** Threads that create the Runs; the API server, not the client, is what limits them. */
  private static final int SEED_THREADS = 48;

  /** What {@code --scale} runs. */
  record Options(int runs, int active, Duration interval, Duration window, Path out, int concurrency,
      Path productionJar, boolean settle) {

    static final String USAGE = """
        usage: benchmark --scale N [--scale-active 1000] [--interval 10s] [--scale-window 5m] [--concurrency 16]
                         [--production-jar operator/target/kfp-run-operator.jar|none] [--scale-settle true]
                         [--out target/benchmark-scale]
          --scale         Runs in the namespace on the real kube-apiserver; all but the active ones finished
          --scale-active  of those, Runs created once the measured operator is ready, active for the whole window
          --interval      POLL_INTERVAL of the operator (RESYNC_INTERVAL stays at its default, 5 minutes)
          --scale-window  how long the steady KFP calls and Kubernetes requests are counted
          --concurrency   reconcile threads of the operator
          --production-jar  also runs this jar's operator in a JVM of its own with the heap a pod of the chart gets
                          (-Xmx768m): ready time, heap after a full GC, still alive; none skips it
          --scale-settle  true: a first operator writes the finished Runs' statuses before the measured one starts;
                          false: the measured operator writes them in its start-up (a first start over those Runs)
          --out           directory for scale-N.json""";

    private static final List<String> FLAGS = List.of("--scale", "--scale-active", "--interval", "--scale-window",
        "--out", "--concurrency", "--production-jar", "--scale-settle");

    static Options parse(String[] args) {
      Map<String, String> values = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (!FLAGS.contains(args[i])) {
          throw new IllegalArgumentException(UnknownName.message("flag", args[i], FLAGS)
              + "\n" + USAGE);
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("flag " + args[i] + " needs a value\n" + USAGE);
        }
        values.put(args[i], args[++i]);
      }
      int runs = number("--scale", values.get("--scale"));
      int active = values.containsKey("--scale-active") ? number("--scale-active", values.get("--scale-active"))
          : Math.min(1000, runs);
      Duration interval = OperatorConfig.parseDuration("--interval", values.getOrDefault("--interval", "10s"));
      Duration window = OperatorConfig.parseDuration("--scale-window", values.getOrDefault("--scale-window", "5m"));
      int concurrency = values.containsKey("--concurrency") ? number("--concurrency", values.get("--concurrency"))
          : 16;
      if (runs < 1 || active < 0 || active > runs || concurrency < 1) {
        throw new IllegalArgumentException("--scale must be positive, --scale-active between 0 and --scale, "
            + "--concurrency positive\n" + USAGE);
      }
      String jar = values.getOrDefault("--production-jar", PRODUCTION_JAR.toString());
      return new Options(runs, active, interval, window,
          Path.of(values.getOrDefault("--out", "target/benchmark-scale")), concurrency,
          jar.equals("none") ? null : Path.of(jar), !"false".equals(values.get("--scale-settle")));
    }

    private static int number(String flag, String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException | NullPointerException e) {
        throw new IllegalArgumentException(flag + ": '" + value + "' is not a whole number\n" + USAGE);
      }
    }

    int finished() {
      return runs - active;
    }
  }

  private ScaleBenchmark() {}

  static int run(String[] args, PrintStream out) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("benchmark: " + e.getMessage());
      return 2;
    }
    ControlPlaneBinaries.Result located = ControlPlaneBinaries.locate(Path.of(""));
    if (located.binaries().isEmpty()) {
      System.err.println("benchmark: --scale runs on the real kube-apiserver, which is missing: "
          + located.whyMissing());
      return 1;
    }
    out.println("benchmark --scale on " + BenchmarkReport.machine());
    Map<String, Object> report = measure(options, located.orElseThrow(), out);
    Files.createDirectories(options.out());
    Path file = options.out().resolve("scale-" + options.runs() + ".json");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), report);
    out.println("wrote " + file);
    return 0;
  }

  private static Map<String, Object> measure(Options options, ControlPlaneBinaries binaries, PrintStream out)
      throws Exception {
    Timing active = new Timing(Duration.ofHours(2), Duration.ofHours(2), Duration.ofSeconds(1));
    Duration spread = options.interval().multipliedBy(2);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("machine", BenchmarkReport.machine());
    report.put("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
    report.put("kubernetes", "real");
    report.put("runs", options.runs());
    report.put("activeRuns", options.active());
    report.put("finishedRuns", options.finished());
    report.put("intervalSeconds", options.interval().toMillis() / 1000.0);
    report.put("resync", Setting.RESYNC_INTERVAL.defaultValue());
    report.put("concurrency", options.concurrency());
    try (RealKubernetes kubernetes = RealKubernetes.start(binaries);
        KfpSimulator kfp = KfpSimulator.builder().timing(new Timing(Duration.ZERO, Duration.ZERO, Duration.ZERO))
            .durationSpread(spread).threads(32).start();
        HttpKfpClient kfpClient = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl().toString()).build(),
            List.of());
        KubernetesClient seeder = client(kubernetes.config(), null)) {
      report.put("kubernetesVersion", kubernetes.serverVersion());
      out.println("  " + kubernetes.description());
      seeder.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
          .build()).create();
      String pipelineId = kfp.registerPipeline("scale", PIPELINE).pipelineId();

      Instant seedStart = Instant.now();
      inParallel(options.finished(), i -> seedFinished(seeder, kfpClient, pipelineId, i));
      double seedSeconds = seconds(seedStart);
      await(() -> {
        kfpClient.listRuns(ListRunsRequest.all().withPageSize(1)); // every run's state catches up with its timing
        return kfp.runs().stream().allMatch(r -> r.state() == RunState.SUCCEEDED);
      }, spread.plusMinutes(1), "the simulator to finish the finished Runs' KFP runs");
      kfp.setTiming(active);
      out.printf("  %d finished Runs created in %.1f s (Run, KFP run, status: %.0f Runs/s)%n", options.finished(),
          seedSeconds, options.finished() / seedSeconds);
      report.put("seedSeconds", seedSeconds);

      report.put("settledByAFirstOperator", options.settle());
      if (options.settle()) {
        Instant settleStart = Instant.now();
        try (KubernetesClient client = client(kubernetes.config(), null);
            OperatorWiring.Running settling = startOperator(options, kfp, client, freePort(), new ReconcileCount())) {
          await(() -> settling.operator().cachedRuns().filter(ScaleBenchmark::settled).count() >= options.finished(),
              Duration.ofHours(1), "the first operator to write every finished Run's status");
        }
        double settleSeconds = seconds(settleStart);
        out.printf("  a first operator wrote their statuses in %.1f s%n", settleSeconds);
        report.put("firstOperatorSettleSeconds", settleSeconds);
      }

      long withOperator = measuredOperator(options, kubernetes, kfp, seeder, pipelineId, report, out);
      long withoutOperator = HeapBenchmark.usedHeapAfterGc(); // the operator is unreachable once its method returned
      Map<String, Object> heap = new LinkedHashMap<>();
      heap.put("processWithOperatorMb", withOperator / 1e6);
      heap.put("processWithoutOperatorMb", withoutOperator / 1e6);
      heap.put("operatorMb", (withOperator - withoutOperator) / 1e6);
      heap.put("operatorBytesPerRun", (withOperator - withoutOperator) / (double) options.runs());
      report.put("heap", heap);
      out.printf("  operator heap after a full GC: %.1f MB (%.0f bytes per Run; process %.1f MB with, %.1f MB "
          + "without)%n", heap.get("operatorMb"), heap.get("operatorBytesPerRun"), withOperator / 1e6,
          withoutOperator / 1e6);
      if (options.productionJar() != null) {
        report.put("productionJar", productionJar(options, kubernetes, kfp, out));
      }
    }
    return report;
  }

  /**
   * Starts the measured operator and measures its start-up, the active Runs' submission, the steady window and the
   * lag into {@code report}; returns the used heap after a full GC while it runs. It is stopped, and no longer
   * reachable, once this returns.
   */
  private static long measuredOperator(Options options, RealKubernetes kubernetes, KfpSimulator kfp,
      KubernetesClient seeder, String pipelineId, Map<String, Object> report, PrintStream out) throws Exception {
    KubernetesRequests requests = new KubernetesRequests();
    ReconcileCount reconciles = new ReconcileCount();
    long kfpCallsBefore = kfp.calls().total();
    Map<Endpoint, Long> kfpCallsBeforeByEndpoint = kfp.calls().snapshot();
    int port = freePort();
    AtomicReference<Instant> ready = new AtomicReference<>();
    Instant start = Instant.now();
    Thread readiness = readinessProbe(port, ready);
    try (KubernetesClient client = client(kubernetes.config(), requests);
        OperatorWiring.Running operator = startOperator(options, kfp, client, port, reconciles);
        ActiveWatch watch = new ActiveWatch(seeder)) {
      double started = seconds(start);
      readiness.join(Duration.ofMinutes(5).toMillis());
      double readySeconds = ready.get() == null ? Double.NaN : Duration.between(start, ready.get()).toNanos() / 1e9;
      out.printf("  operator started in %.1f s, /readyz answered 200 after %.1f s%n", started, readySeconds);
      await(() -> reconciles.distinct() >= options.finished(), Duration.ofHours(1),
          "the operator to look at every Run once");
      double lookedAtAll = seconds(start);
      long startupCalls = kfp.calls().total() - kfpCallsBefore;
      Map<String, Long> startupCallsByEndpoint = since(kfpCallsBeforeByEndpoint, kfp.calls().snapshot());
      out.printf("  it had looked at every Run once after %.1f s, with %d KFP calls %s%n", lookedAtAll, startupCalls,
          startupCallsByEndpoint);
      Map<String, Object> startup = new LinkedHashMap<>();
      startup.put("operatorStartReturnedSeconds", started);
      startup.put("readySeconds", readySeconds);
      startup.put("everyRunReconciledSeconds", lookedAtAll);
      startup.put("runReconcilesOnItsMetrics", RunReconcileMetrics.scrape(port).succeeded());
      startup.put("kfpCalls", startupCalls);
      startup.put("kfpCallsByEndpoint", startupCallsByEndpoint);
      startup.put("kubernetesRequests", requests.snapshot());
      report.put("startup", startup);

      Instant submitStart = Instant.now();
      inParallel(options.active(), i -> seeder.resource(activeRun(pipelineId, i)).create());
      await(() -> watch.submitted() >= options.active(), Duration.ofMinutes(15),
          "the active Runs to be submitted");
      double submitted = seconds(submitStart);
      out.printf("  %d active Runs submitted in %.1f s%n", options.active(), submitted);
      report.put("activeSubmissionSeconds", submitted);

      // Nothing moved while they were submitted (PENDING for hours); now each is PENDING until the window starts
      // plus its time after the first one's create and its own share of the spread, so that the state changes
      // fall in the steady window, spread over it, and not behind the submission of the others.
      Instant windowStart = Instant.now().plus(options.interval().multipliedBy(3));
      Instant firstCreated = kfp.runs().stream().filter(r -> r.displayName().startsWith("active-"))
          .map(r -> r.transitions().get(0).at()).min(Instant::compareTo).orElse(Instant.now());
      kfp.setTiming(new Timing(Duration.between(firstCreated, windowStart), Duration.ofHours(2),
          Duration.ofSeconds(1)));
      ModeBenchmark.sleepUntil(windowStart);
      long calls = kfp.calls().total();
      Map<Endpoint, Long> byEndpoint = kfp.calls().snapshot();
      long bytes = kfp.calls().bytesSent();
      Map<String, Long> k8s = requests.snapshot();
      ModeBenchmark.sleepUntil(windowStart.plus(options.window()));
      double minutes = options.window().toNanos() / 60e9;
      Map<String, Object> steady = new LinkedHashMap<>();
      steady.put("windowSeconds", options.window().toSeconds());
      steady.put("kfpCallsPerMinute", (kfp.calls().total() - calls) / minutes);
      steady.put("kfpKibPerMinute", (kfp.calls().bytesSent() - bytes) / 1024.0 / minutes);
      steady.put("kfpCallsByEndpoint", since(byEndpoint, kfp.calls().snapshot()));
      Map<String, Long> k8sWindow = KubernetesRequests.since(k8s, requests.snapshot());
      steady.put("kubernetesRequestsPerMinute", k8sWindow.values().stream().mapToLong(Long::longValue).sum()
          / minutes);
      steady.put("kubernetesRequestsByVerbAndResource", k8sWindow);
      report.put("steady", steady);
      out.printf("  steady window of %d s: %.1f KFP calls/min, %.1f Kubernetes requests/min %s%n",
          options.window().toSeconds(), steady.get("kfpCallsPerMinute"), steady.get("kubernetesRequestsPerMinute"),
          k8sWindow);

      List<Double> lags = new ArrayList<>();
      kfp.runs().stream().filter(r -> r.displayName().startsWith("active-")).forEach(r -> r.transitions().stream()
          .filter(t -> t.state() != RunState.PENDING)
          .forEach(t -> watch.firstSeen(r.displayName(), t.state().name()).ifPresent(seen ->
              lags.add(Math.max(0, Duration.between(t.at(), seen).toNanos() / 1e9)))));
      Map<String, Object> lag = new LinkedHashMap<>();
      lag.put("stateChangesTimed", lags.size());
      lag.put("p50Seconds", BenchmarkReport.percentile(lags, 50));
      lag.put("p95Seconds", BenchmarkReport.percentile(lags, 95));
      lag.put("p99Seconds", BenchmarkReport.percentile(lags, 99));
      report.put("lag", lag);
      out.printf("  lag of %d state changes: p50 %.2f s, p99 %.2f s%n", lags.size(), lag.get("p50Seconds"),
          lag.get("p99Seconds"));

      reconciles.forget();
      return HeapBenchmark.usedHeapAfterGc();
    }
  }

  /**
   * The production jar in a JVM of its own with the heap a pod of the chart gets ({@value #CHART_HEAP}), over the
   * same Runs: when {@code /readyz} answers, when it has reconciled every Run once (its start-up reconciles, as its
   * own {@code /metrics} counts them) and the KFP calls they made by endpoint, its used heap after a full GC
   * ({@code jcmd GC.run}, then its own {@code /metrics}), and whether it is still alive (the image's JVM exits on
   * an OutOfMemoryError).
   */
  private static Map<String, Object> productionJar(Options options, RealKubernetes kubernetes, KfpSimulator kfp,
      PrintStream out) throws Exception {
    int port = freePort();
    Path log = options.out().resolve("production-jar-" + options.runs() + ".log");
    Files.createDirectories(options.out());
    if (!Files.isRegularFile(options.productionJar())) {
      throw new IllegalStateException(options.productionJar() + " is missing: build it with mvn -B -DskipTests "
          + "package, or pass --production-jar none");
    }
    Path bin = Path.of(ProcessHandle.current().info().command().orElse("java")).getParent();
    ProcessBuilder builder = new ProcessBuilder(bin.resolve("java").toString(), CHART_HEAP,
        "-XX:+ExitOnOutOfMemoryError", "-jar", options.productionJar().toString(), "operator")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(Map.of("KUBECONFIG", kubernetes.kubeconfig().toString(),
        Setting.KFP_ENDPOINT.envName(), kfp.baseUrl().toString(),
        Setting.POLL_INTERVAL.envName(), options.interval().toString(),
        Setting.WATCH_NAMESPACES.envName(), NAMESPACE,
        Setting.MONITORING_PORT.envName(), Integer.toString(port),
        Setting.LEADER_ELECTION.envName(), "false"));
    Map<Endpoint, Long> callsBefore = kfp.calls().snapshot();
    AtomicReference<Instant> ready = new AtomicReference<>();
    Instant start = Instant.now();
    Process process = builder.start();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("jvmArguments", List.of(CHART_HEAP, "-XX:+ExitOnOutOfMemoryError"));
    try {
      readinessProbe(port, ready).join(Duration.ofMinutes(5).toMillis());
      result.put("readySeconds", ready.get() == null ? Double.NaN : Duration.between(start, ready.get()).toNanos() / 1e9);
      // A finished Run's start-up reconcile makes no KFP call when its status stands (the resync lists it), so
      // the KFP calls cannot tell when the start-up is over: the jar's own reconcile count can.
      await(() -> !process.isAlive() || RunReconcileMetrics.everyRunReconciledOnce(port, options.runs()),
          Duration.ofHours(1), "the production jar to reconcile every Run once");
      result.put("everyRunReconciledSeconds", seconds(start));
      result.put("startupKfpCallsByEndpoint", since(callsBefore, kfp.calls().snapshot()));
      if (process.isAlive()) {
        new ProcessBuilder(bin.resolve("jcmd").toString(), Long.toString(process.pid()), "GC.run")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        result.put("heapUsedAfterGcMb", heapUsed(port) / 1e6);
        result.put("heapHistogram", histogram(bin, process.pid(),
            options.out().resolve("production-jar-" + options.runs() + ".histogram.txt")));
      }
      result.put("aliveAtTheEnd", process.isAlive());
    } finally {
      process.destroy();
      if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    out.printf("  production jar with %s: ready after %.1f s, every Run reconciled once after %.1f s with KFP calls "
        + "%s, heap after a full GC %s MB, %s (log: %s)%n", CHART_HEAP, result.get("readySeconds"),
        result.get("everyRunReconciledSeconds"), result.get("startupKfpCallsByEndpoint"),
        result.get("heapUsedAfterGcMb"), Boolean.TRUE.equals(result.get("aliveAtTheEnd")) ? "still running"
            : "EXITED (exit code " + process.exitValue() + ")", log);
    return result;
  }

  /**
   * Where the heap goes: {@code jcmd GC.class_histogram} (live objects only: it runs a full GC first), written
   * whole to {@code file}; the classes with the most bytes are returned, with bytes and instances.
   */
  private static List<Map<String, Object>> histogram(Path bin, long pid, Path file)
      throws IOException, InterruptedException {
    new ProcessBuilder(bin.resolve("jcmd").toString(), Long.toString(pid), "GC.class_histogram")
        .redirectErrorStream(true).redirectOutput(file.toFile()).start().waitFor();
    List<Map<String, Object>> top = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String[] fields = line.trim().split("\\s+");
      // "  1:   123456   7890123  java.lang.String (java.base@17)"
      if (fields.length >= 4 && fields[0].endsWith(":") && top.size() < 20) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("class", fields[3]);
        row.put("instances", Long.parseLong(fields[1]));
        row.put("bytes", Long.parseLong(fields[2]));
        top.add(row);
      }
    }
    return top;
  }

  /** The used heap in bytes as the operator's {@code /metrics} reports it: the sum of its heap pools. */
  private static long heapUsed(int port) throws IOException, InterruptedException {
    return (long) RunReconcileMetrics.sum(RunReconcileMetrics.metrics(port),
        line -> line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\""));
  }

  /** A client of its own; {@code requests} (when given) counts every request it sends. */
  private static KubernetesClient client(Config config, KubernetesRequests requests) {
    config.setMaxConcurrentRequests(256);
    config.setMaxConcurrentRequestsPerHost(256);
    KubernetesClientBuilder builder = new KubernetesClientBuilder().withConfig(config);
    if (requests != null) {
      builder.withHttpClientBuilderConsumer(http -> http.addOrReplaceInterceptor("count", requests));
    }
    return builder.build();
  }

  /**
   * The operator as the {@code operator} command starts it, bulk sync, watching the namespace, on its own client,
   * with its endpoints on {@code port}.
   */
  private static OperatorWiring.Running startOperator(Options options, KfpSimulator kfp, KubernetesClient client,
      int port, ReconcileCount reconciles) {
    OperatorConfig config = OperatorConfig.load(Map.of(
        Setting.KFP_ENDPOINT.envName(), kfp.baseUrl().toString(),
        Setting.POLL_INTERVAL.envName(), options.interval().toString(),
        Setting.SYNC_MODE.envName(), SyncMode.BULK.externalName(),
        Setting.WATCH_NAMESPACES.envName(), NAMESPACE,
        Setting.MONITORING_PORT.envName(), Integer.toString(port),
        Setting.LEADER_ELECTION.envName(), "false"), new String[0]);
    return OperatorWiring.of(config, client).exitOnLostLease(false)
        .reconcileListener(reconciles)
        .operatorSettings(o -> o.withConcurrentReconciliationThreads(options.concurrency()))
        .start();
  }

  /** One finished Run: the object with its finalizer, its KFP run (carrying its marker), the run id in its status. */
  private static void seedFinished(KubernetesClient kubernetes, HttpKfpClient kfp, String pipelineId, int i) {
    Run run = Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata:
          name: done-%06d
          namespace: %s
          finalizers: [%s]
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
        """.formatted(i, NAMESPACE, Run.FINALIZER, pipelineId), Run.class);
    Run created = kubernetes.resource(run).create();
    KfpRun kfpRun = kfp.createRun(KfpRun.create(created.getMetadata().getName())
        .description("[kfp-run-operator " + NAMESPACE + "/" + created.getMetadata().getName() + " uid="
            + created.getMetadata().getUid() + "]")
        .pipelineVersionReference(new PipelineVersionReference(pipelineId, null)).build());
    RunStatus status = new RunStatus();
    status.setRunId(kfpRun.runId());
    created.setStatus(status);
    kubernetes.resource(created).patchStatus();
  }

  /** An active Run, as a user applies it: the operator submits it. */
  private static Run activeRun(String pipelineId, int i) {
    return Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata:
          name: active-%06d
          namespace: %s
          labels: {%s: "true"}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
        """.formatted(i, NAMESPACE, ACTIVE_LABEL, pipelineId), Run.class);
  }

  /** Whether the operator has written the Run's status as it keeps a finished one (its Succeeded condition). */
  private static boolean settled(Run run) {
    return run.getStatus() != null && run.getStatus().condition(RunConditions.SUCCEEDED).isPresent();
  }

  /** Checks every second, since a check may cost something, until the condition holds. */
  private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    Instant giveUp = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(giveUp)) {
        throw new IllegalStateException("benchmark: gave up waiting for " + what + " after " + timeout);
      }
      Thread.sleep(1000);
    }
  }

  private static void inParallel(int count, IntConsumer task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(SEED_THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int number = i;
        done.add(pool.submit(() -> task.accept(number)));
      }
      for (Future<?> future : done) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Polls {@code /readyz} from now until it answers 200, and notes when. */
  private static Thread readinessProbe(int port, AtomicReference<Instant> ready) {
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + port + "/readyz");
    Thread probe = new Thread(() -> {
      Instant giveUp = Instant.now().plus(Duration.ofMinutes(5));
      while (ready.get() == null && Instant.now().isBefore(giveUp)) {
        try {
          HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(1))
              .build(), HttpResponse.BodyHandlers.discarding());
          if (response.statusCode() == 200) {
            ready.set(Instant.now());
            return;
          }
        } catch (IOException e) {
          // the endpoint is not up yet
        } catch (InterruptedException e) {
          return;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "readyz-probe");
    probe.setDaemon(true);
    probe.start();
    return probe;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static double seconds(Instant since) {
    return Duration.between(since, Instant.now()).toNanos() / 1e9;
  }

  private static Map<String, Long> since(Map<Endpoint, Long> before, Map<Endpoint, Long> after) {
    Map<String, Long> delta = new TreeMap<>();
    after.forEach((endpoint, count) -> {
      long moved = count - before.getOrDefault(endpoint, 0L);
      if (moved != 0) {
        delta.put(endpoint.name(), moved);
      }
    });
    return delta;
  }

  /** The Runs the operator has finished a reconcile of, by name. */
  private static final class ReconcileCount implements Metrics {
    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private volatile boolean counting = true;

    @Override
    public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
      if (counting) {
        names.add(resource.getMetadata().getName());
      }
    }

    /** Stops counting and lets go of the names, which are not the operator's to weigh. */
    void forget() {
      counting = false;
      names.clear();
    }

    int distinct() {
      return names.size();
    }
  }

  /**
   * Watches the active Runs only (by their label; a watch of the whole namespace would hold every Run) and notes
   * when each first showed a run id and each state.
   */
  private static final class ActiveWatch implements AutoCloseable {
    private final Map<String, Instant> seen = new ConcurrentHashMap<>();
    private final Set<String> submitted = ConcurrentHashMap.newKeySet();
    private final Watch watch;

    ActiveWatch(KubernetesClient kubernetes) {
      this.watch = kubernetes.resources(Run.class).inNamespace(NAMESPACE).withLabel(ACTIVE_LABEL, "true")
          .watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Run run) {
              Instant now = Instant.now();
              if (run.getStatus() == null || run.getStatus().getRunId() == null) {
                return;
              }
              submitted.add(run.getMetadata().getName());
              if (run.getStatus().getState() != null) {
                seen.putIfAbsent(run.getMetadata().getName() + "/" + run.getStatus().getState(), now);
              }
            }

            @Override
            public void onClose(WatcherException cause) {
              if (cause != null) {
                System.err.println("benchmark: the watch of the active Runs closed: " + cause.getMessage());
              }
            }
          });
    }

    int submitted() {
      return submitted.size();
    }

    Optional<Instant> firstSeen(String name, String state) {
      return Optional.ofNullable(seen.get(name + "/" + state));
    }

    @Override
    public void close() {
      watch.close();
    }
  }
}
