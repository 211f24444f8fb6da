package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process KFP API server (v2beta1 runs, KFP ≥ 2.14 behaviour) for tests, the sandbox and local
 * development. Start one with {@code KfpSimulator.builder().clock(clock).start()}; stop it with
 * {@link #close()}.
 */
public final class KfpSimulator implements AutoCloseable {

  /** The version the simulator's /healthz answers with ({@code tag_name}). */
  public static final String VERSION = "2.14.3-simulator";


  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final RunStore store;
  private final Faults faults;
  private final CallCounters counters = new CallCounters();
  private final HttpFrontEnd frontEnd;
  private final ExecutorService executor;
  private final InetAddress bindAddress;

  private KfpSimulator(Builder builder) {
    this.bindAddress = builder.bindAddress;
    this.store = new RunStore(builder.clock, new AccessPolicy(builder.tokens), builder.timing, builder.rule,
        builder.spread);
    this.executor = Executors.newFixedThreadPool(builder.threads, new SimulatorThreads());
    this.faults = new Faults(this::outageChanged);
    this.frontEnd = new HttpFrontEnd(store, faults, counters, new InetSocketAddress(builder.bindAddress,
        builder.port), executor);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code http://127.0.0.1:<port>}, the base URL clients use (paths start with /apis/v2beta1). */
  public URI baseUrl() {
    InetAddress host = bindAddress.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : bindAddress;
    String literal = host.getHostAddress().contains(":") ? "[" + host.getHostAddress() + "]" : host.getHostAddress();
    return URI.create("http://" + literal + ":" + frontEnd.port());
  }

  public int port() {
    return frontEnd.port();
  }

  /** True when started with tokens: then KFP's multi-user rules apply. */
  public boolean multiUser() {
    return store.multiUser();
  }

  // ---- experiments and pipelines ----

  /** The experiment named "Default" that single-user KFP uses when a run names none; empty in multi-user mode. */
  public Optional<String> defaultExperimentId() {
    return store.defaultExperimentId();
  }

  public Experiment registerExperiment(String displayName, String namespace) {
    return store.registerExperiment(displayName, namespace);
  }

  /** Archives the experiment and all its runs (KFP does the same). */
  public void archiveExperiment(String experimentId) {
    store.archiveExperiment(experimentId);
  }

  public void unarchiveExperiment(String experimentId) {
    store.unarchiveExperiment(experimentId);
  }

  /**
   * A new pipeline with its first version, both named {@code displayName} (GetPipelineByName finds it by it);
   * {@code spec} is the compiled IR as YAML or JSON text.
   */
  public PipelineVersion registerPipeline(String displayName, String spec) {
    return store.pipelines().register(null, displayName, parseSpec(spec));
  }

  /**
   * A pipeline version with ids chosen by the caller (a new pipeline when {@code pipelineId} is unknown), so
   * that manifests naming fixed ids, like the sandbox's examples, find it.
   */
  public PipelineVersion registerPipeline(String pipelineId, String pipelineVersionId, String displayName,
      String spec) {
    return store.pipelines().register(pipelineId, pipelineVersionId, displayName, parseSpec(spec));
  }

  /** A new version of an existing pipeline, with that display name; it becomes the pipeline's latest. */
  public PipelineVersion registerPipelineVersion(String pipelineId, String displayName, String spec) {
    return store.pipelines().register(pipelineId, displayName, parseSpec(spec));
  }

  /**
   * A new pipeline of a namespace, for multi-user mode, whose first version has the same name; shared pipelines
   * (those registered without a namespace) are found by name only in single-user mode.
   */
  public PipelineVersion registerPipelineInNamespace(String namespace, String name, String spec) {
    return store.pipelines().registerInNamespace(namespace, name, parseSpec(spec));
  }

  private static JsonNode parseSpec(String spec) {
    try {
      JsonNode node = YAML.readTree(spec);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("a pipeline spec must be a YAML/JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable pipeline spec", e);
    }
  }

  // ---- behaviour ----

  /** Replaces the rule that decides how runs end; applies to every attempt that finishes from now on. */
  public void setOutcomeRule(OutcomeRule rule) {
    store.setRule(rule);
  }

  /** Which KFP version's read_artifact to imitate; {@link ReadArtifactApi#GRPC_GATEWAY} (≤ 2.14) by default. */
  public void setReadArtifactApi(ReadArtifactApi api) {
    frontEnd.setReadArtifactApi(api);
  }

  /** Replaces the phase durations; runs already in a phase use the new ones too. */
  public void setTiming(Timing timing) {
    store.setTiming(timing);
  }

  /** The faults to inject; change them at any time. */
  public Faults faults() {
    return faults;
  }

  public CallCounters calls() {
    return counters;
  }

  // ---- the stored runs, read directly ----

  public int runCount() {
    return store.count();
  }

  /** Every stored run, oldest first. */
  public List<RunSnapshot> runs() {
    return store.snapshots();
  }

  public Optional<RunSnapshot> run(String runId) {
    return store.snapshot(runId);
  }

  /** Forgets every run (experiments and pipelines stay). */
  public void clearRuns() {
    store.clearRuns();
  }

  private void outageChanged(Outage outage) {
    frontEnd.outageChanged(outage);
  }

  @Override
  public void close() {
    frontEnd.stop();
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class SimulatorThreads implements java.util.concurrent.ThreadFactory {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "kfp-simulator-" + next.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }

  /** Settings of a simulator; every one has a default that suits tests. */
  public static final class Builder {

    private SimulatorClock clock = SimulatorClock.system();
    private Timing timing = Timing.defaults();
    private OutcomeRule rule = OutcomeRule.alwaysSucceed();
    private final Map<String, Set<String>> tokens = new LinkedHashMap<>();
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int port;
    private int threads = 32;
    private Duration spread = Duration.ZERO;

    private Builder() {}

    public Builder clock(SimulatorClock clock) {
      this.clock = clock;
      return this;
    }

    public Builder timing(Timing timing) {
      this.timing = timing;
      return this;
    }

    public Builder timing(Duration pending, Duration running) {
      return timing(new Timing(pending, running, timing.canceling()));
    }

    public Builder outcomeRule(OutcomeRule rule) {
      this.rule = rule;
      return this;
    }

    /**
     * Turns on multi-user mode with bearer-token auth: {@code token} may act in these namespaces
     * ({@code "*"} = all).
     */
    public Builder token(String token, String... namespaces) {
      tokens.put(token, Set.of(namespaces));
      return this;
    }

    /** 0 (the default) picks a free port. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Defaults to the loopback address; use "0.0.0.0" to accept remote callers. */
    public Builder bindAddress(String host) {
      try {
        this.bindAddress = InetAddress.getByName(host);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("unknown bind address " + host, e);
      }
      return this;
    }

    /**
     * Lengthens each run's PENDING and RUNNING phases by its own amount between zero and {@code spread}
     * (derived from the run id), so that runs created together change state at different times, as real runs
     * do. Zero (the default) keeps every run on {@link Timing} exactly.
     */
    public Builder durationSpread(Duration spread) {
      if (spread.isNegative()) {
        throw new IllegalArgumentException("the spread must be zero or positive: " + spread);
      }
      this.spread = spread;
      return this;
    }

    /** Size of the request thread pool (default 32). */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1");
      }
      this.threads = threads;
      return this;
    }

    public KfpSimulator start() {
      KfpSimulator simulator = new KfpSimulator(this);
      simulator.frontEnd.start();
      return simulator;
    }
  }
}
