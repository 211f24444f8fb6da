package dev.kfp.operator.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.KfpServer;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.peers.RealKubernetes;
import dev.kfp.operator.peers.PersistenceAgent;
import dev.kfp.operator.sandbox.SandboxKfp;
import dev.kfp.operator.simulator.Faults;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.RunState;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * One Kubernetes API (the real kube-apiserver and etcd, or Fabric8's mock) and one KFP with a pipeline to run: the simulator on the system clock, or KFP's own
 * server ({@link KfpServer}) whose runs the sandbox's {@link PersistenceAgent} moves with the same timing. Either
 * way the calls and bytes are those of the benchmark's KFP client (the operator's and the bare loop's), not the
 * agent's. Each Kubernetes client handed out by {@link #countedClient} counts its own requests.
 */
final class BenchmarkEnvironment implements AutoCloseable {

  static final String NAMESPACE = "bench";
  /** How long the benchmark's Kubernetes clients wait for an answer; see {@link #countedClient}. */
  static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);
  /**
   * The benchmark's pipeline, compiled as the KFP SDK compiles a one-step pipeline (KFP's server refuses an empty
   * DAG), with a description of {@code %s}: padding for the inline spec's size.
   */
  private static final String BENCH_PIPELINE = """
      schemaVersion: 2.1.0
      pipelineInfo: {name: bench, description: '%s'}
      components:
        comp-step: {executorLabel: exec-step}
      deploymentSpec:
        executors:
          exec-step:
            container: {image: 'python:3.11', command: [echo], args: [bench]}
      root:
        dag:
          tasks:
            step:
              componentRef: {name: comp-step}
              taskInfo: {name: step}
      """;

  /** A state change in KFP: the run's display name (the Run's name), the new state, when it happened in KFP. */
  record Transition(String runName, String state, Instant at) {}

  final LocalKubernetes kubernetes;
  /** The clients {@link #countedClient} made, closed with the environment. */
  private final List<NamespacedKubernetesClient> countedClients = new CopyOnWriteArrayList<>();
  /** The simulator, or null on KFP's server. */
  private final KfpSimulator simulator;
  /** KFP's server and its agent, or null on the simulator. */
  private final KfpServer server;
  private final PersistenceAgent agent;
  final HttpKfpClient client;
  /** The stored pipeline's id. */
  final String pipelineId;
  /** The compiled pipeline every Run carries inline, or null when Runs name the stored pipeline. */
  final ObjectNode inlineSpec;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  /** Counts the calls and response bytes of a KFP client on the wire; unused on the simulator, which counts. */
  private final Interceptor counter = chain -> {
    Response response = chain.proceed(chain.request());
    calls.incrementAndGet();
    bytes.addAndGet(response.peekBody(Long.MAX_VALUE).contentLength());
    return response;
  };

  /**
   * @param spread each run's phases are longer by up to this much, so runs do not change state in step
   * @param specKib size of the inline pipeline spec of each Run (KFP sends it back with every run it lists,
   *     as a compiled pipeline of some dozens of components would be); 0: Runs name a stored pipeline
   * @param agentTick how often the persistence agent looks at KFP's runs (KFP's server only)
   */
  BenchmarkEnvironment(Timing timing, Duration spread, int specKib, SandboxKfp.Choice kfp, Duration agentTick) {
    this(timing, spread, specKib, kfp, agentTick, EmbeddedKubernetes.start());
  }

  /**
   * The same on a Kubernetes API already started, which the environment then owns (and closes).
   *
   * @param kubernetes the real API server or the mock, with the Run CRD installed
   */
  BenchmarkEnvironment(Timing timing, Duration spread, int specKib, SandboxKfp.Choice kfp, Duration agentTick,
      LocalKubernetes kubernetes) {
    KfpSimulator startedSimulator = null;
    KfpServer startedServer = null;
    PersistenceAgent startedAgent = null;
    String pipeline;
    if (kfp == SandboxKfp.Choice.SIMULATOR) {
      startedSimulator = KfpSimulator.builder().timing(timing).durationSpread(spread).threads(32).start();
      pipeline = startedSimulator.registerPipeline("bench", BENCH_PIPELINE.formatted("")).pipelineId();
    } else {
      try {
        startedServer = KfpServer.start(Path.of(""), System.out::println);
      } catch (RuntimeException e) {
        kubernetes.close();
        throw e;
      }
      try {
        pipeline = KfpServer.field(startedServer.uploadPipeline("bench", BENCH_PIPELINE.formatted("")), "pipeline_id");
        startedAgent = PersistenceAgent.start(startedServer, timing, OutcomeRule.alwaysSucceed(), spread, agentTick);
      } catch (RuntimeException e) {
        startedServer.close();
        kubernetes.close();
        throw e;
      }
    }
    this.simulator = startedSimulator;
    this.server = startedServer;
    this.agent = startedAgent;
    this.pipelineId = pipeline;
    this.kubernetes = kubernetes;
    // A real API server refuses objects in a namespace that does not exist; the mock stores them anyway.
    kubernetes.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE)
        .endMetadata().build()).createOr(existing -> existing.update());
    this.client = new HttpKfpClient(KfpClientConfig.builder(baseUrl()).build(), kfpInterceptors());
    this.inlineSpec = specKib == 0 ? null : (ObjectNode) Serialization.unmarshal(
        BENCH_PIPELINE.formatted("x".repeat(specKib * 1024)), JsonNode.class);
  }

  /** What every KFP client of the benchmark (the operator's, the bare loop's) sends its calls through. */
  List<Interceptor> kfpInterceptors() {
    return server == null ? List.of() : List.of(counter);
  }

  String baseUrl() {
    return (simulator != null ? simulator.baseUrl() : server.baseUrl()).toString();
  }

  /** Which KFP, and its version as its /healthz names it. */
  String kfpDescription() {
    return simulator != null ? "the KFP simulator (dev.kfp.operator.simulator)"
        : "KFP " + server.version() + "'s own API server (src/test/go/kfp-server)";
  }

  /** The KFP release this KFP answers as. */
  String kfpVersion() {
    return simulator != null ? KfpSimulator.VERSION : server.version();
  }

  /** Calls KFP answered so far: counted by the simulator, or by the benchmark's client on KFP's server. */
  long kfpCalls() {
    return simulator != null ? simulator.calls().total() : calls.get();
  }

  /** Response bytes KFP sent so far, counted the same way as {@link #kfpCalls()}. */
  long kfpBytes() {
    return simulator != null ? simulator.calls().bytesSent() : bytes.get();
  }

  /** The simulator's faults, to take it down; fails on KFP's server. */
  Faults simulatorFaults() {
    if (simulator == null) {
      throw new IllegalStateException("the benchmark runs on " + kfpDescription() + ", not on the simulator");
    }
    return simulator.faults();
  }

  /** Every state change of a run after its create (PENDING), with the instant KFP made it. */
  List<Transition> transitions() {
    if (simulator != null) {
      return simulator.runs().stream().flatMap(run -> run.transitions().stream()
          .filter(t -> t.state() != RunState.PENDING)
          .map(t -> new Transition(run.displayName(), t.state().name(), t.at()))).toList();
    }
    return agent.transitions().stream().map(t -> new Transition(t.displayName(), t.state().name(), t.at())).toList();
  }

  NamespacedKubernetesClient k8s() {
    return kubernetes.client();
  }

  /**
   * A new administrator's client of this API whose every request {@code requests} counts. It waits up to
   * {@link #REQUEST_TIMEOUT} for an answer: with Fabric8's 10 s a create that a loaded API server answers late is
   * sent again, and meets its own first attempt as 409 AlreadyExists.
   */
  NamespacedKubernetesClient countedClient(KubernetesRequests requests) {
    NamespacedKubernetesClient client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(kubernetes.client().getConfiguration())
            .withRequestTimeout((int) REQUEST_TIMEOUT.toMillis()).build())
        .withHttpClientBuilderConsumer(builder -> builder.addOrReplaceInterceptor("benchmark-count", requests))
        .build().adapt(NamespacedKubernetesClient.class);
    countedClients.add(client);
    return client;
  }

  /** {@code real} or {@code mock}: which Kubernetes API this is. */
  String kubernetesBackend() {
    return kubernetes instanceof RealKubernetes ? "real" : "mock";
  }

  /** Which Kubernetes API this is, and its version where it has one. */
  String kubernetesDescription() {
    return kubernetes instanceof RealKubernetes real ? "kube-apiserver " + real.serverVersion() + " and etcd (real)"
        : "Fabric8's mock API server (CRUD, in process)";
  }

  /** The Run the benchmark applies, number {@code i}. */
  Run run(int i) {
    if (inlineSpec != null) {
      Run run = Serialization.unmarshal("""
          apiVersion: pipelines.kfp.dev/v1alpha1
          kind: Run
          metadata: {name: bench-%05d, namespace: %s}
          spec: {}
          """.formatted(i, NAMESPACE), Run.class);
      run.getSpec().setPipeline(PipelineSource.inline(inlineSpec));
      return run;
    }
    return Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: bench-%05d, namespace: %s}
        spec:
          pipeline:
            versionRef: {pipelineId: %s}
        """.formatted(i, NAMESPACE, pipelineId), Run.class);
  }

  @Override
  public void close() {
    client.close();
    if (simulator != null) {
      simulator.close();
    } else {
      agent.close();
      server.close();
    }
    countedClients.forEach(NamespacedKubernetesClient::close);
    kubernetes.close();
  }
}
