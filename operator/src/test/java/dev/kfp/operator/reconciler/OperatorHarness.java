package dev.kfp.operator.reconciler;

import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.RunOperator;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.config.SyncMode;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.realkfp.KfpTestServer;
import dev.kfp.operator.reconciler.phase.ReconcilerSettings;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.peers.RealKubernetes;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.ManualClock;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A real JOSDK operator in-process, against a Kubernetes API ({@link Backend#REAL}: the shared real
 * kube-apiserver; {@link Backend#MOCK}: the embedded Fabric8 mock, CRUD) and a KFP ({@link KfpBackend#SIMULATOR}:
 * the simulator on a manual clock, whose runs advance only when a test moves the clock;
 * {@link KfpBackend#KFP_SERVER}: KFP's own server, whose runs advance only when a test reports a workflow phase
 * through {@link #kfpServer()}). The operator is started through {@link OperatorWiring}, as the {@code operator}
 * command starts it (its own KFP client with the call metrics and the circuit breaker, reconcile metrics,
 * {@code /metrics} on a free port); it follows runs in bulk (the default) or per run, as the test asks, and
 * counts its reconciles per Run. A test's KFP client decorator wraps the operator's client above those listeners.
 */
public final class OperatorHarness implements AutoCloseable {

  public static final String NAMESPACE = "team-a";
  static final Timing TIMING = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
  static final Duration POLL = Duration.ofMillis(200);
  static final Duration RESYNC = Duration.ofSeconds(2);
  static final URI UI = URI.create("https://kfp.example/pipeline");
  /** What the operator's KFP client waits: connect and read timeout each. */
  static final Duration KFP_TIMEOUT = Duration.ofSeconds(2);
  /** How long a create may still be running in KFP after it was sent, for that timeout. */
  static final Duration CREATE_WINDOW = ReconcilerSettings.createWindowFor(KFP_TIMEOUT, KFP_TIMEOUT);

  /**
   * {@code -Dharness.reconcile=off} (never in a normal run): {@link #touch} stops the operator before it changes the
   * Run, so the operator looks at nothing from then on. A test that asserts that nothing happened must then fail, as
   * it waits first until the operator has reconciled the touch ({@link #awaitReconciled}).
   */
  static final boolean RECONCILE_OFF = "off".equals(System.getProperty("harness.reconcile"));

  /** Which Kubernetes API a harness runs against. */
  public enum Backend {
    /** The real kube-apiserver of {@link RealCluster}: CRD schema and CEL rules, RBAC, real watches. */
    REAL,
    /** Fabric8's mock in CRUD mode: no validation, but requests can be scripted to fail. */
    MOCK
  }

  /** Which KFP a harness runs against. */
  public enum KfpBackend {
    /** The simulator ({@code dev.kfp.operator.simulator}) on the harness's manual clock. */
    SIMULATOR("the KFP simulator"),
    /** KFP 2.17.0's own API server code ({@link KfpTestServer}), built from KFP's source. */
    KFP_SERVER("KFP 2.17.0's own server (src/test/go/kfp-server)");

    private final String description;

    KfpBackend(String description) {
      this.description = description;
    }

    /** What a suite prints about where it ran. */
    public String description() {
      return description;
    }
  }

  final LocalKubernetes kubernetes;
  final ManualClock clock;
  /** The simulator, or null on {@link KfpBackend#KFP_SERVER}. */
  final KfpSimulator kfp;
  /** KFP's own server, or null on {@link KfpBackend#SIMULATOR}. */
  private final KfpTestServer kfpServer;
  private final URI kfpUrl;
  final HttpKfpClient client;
  private final boolean pollsEachRun;
  private final Duration poll;
  private final Map<String, AtomicInteger> reconciles = new ConcurrentHashMap<>();
  /** The newest resourceVersion of each Run that a finished reconcile started from. */
  private final Map<String, Long> reconciledVersions = new ConcurrentHashMap<>();
  /** Whether {@link #touch} has stopped the operator, as {@link #RECONCILE_OFF} asks. */
  private boolean stoppedBySwitch;
  private final Map<String, List<Exception>> failures = new ConcurrentHashMap<>();
  private OperatorWiring.Running running;
  private final List<Runnable> others = new CopyOnWriteArrayList<>();

  private final UnaryOperator<KfpClient> decorator;
  private final OperatorAccess access;
  /** The operator's TTL_SECONDS_AFTER_FINISHED, or null for none. */
  private Long defaultTtl;
  /** The operator's RESYNC_INTERVAL. */
  private Duration resync = RESYNC;

  private OperatorHarness(LocalKubernetes kubernetes, ManualClock clock, KfpSimulator kfp, KfpTestServer kfpServer,
      boolean pollsEachRun, Duration poll, UnaryOperator<KfpClient> decorator, OperatorAccess access) {
    this.poll = poll;
    this.kubernetes = kubernetes;
    this.clock = clock;
    this.kfp = kfp;
    this.kfpServer = kfpServer;
    this.kfpUrl = kfp != null ? kfp.baseUrl() : kfpServer.baseUrl();
    this.pollsEachRun = pollsEachRun;
    this.decorator = decorator;
    this.access = access;
    this.client = new HttpKfpClient(KfpClientConfig.builder(kfpUrl.toString())
        .connectTimeout(KFP_TIMEOUT)
        .readTimeout(KFP_TIMEOUT)
        .build());
  }

  static OperatorHarness start() {
    return start(builder -> { });
  }

  static OperatorHarness start(Consumer<KfpSimulator.Builder> simulator) {
    return start(false, simulator);
  }

  /** Like {@link #start(Consumer)}, with the operator's KFP client wrapped by {@code decorator}. */
  static OperatorHarness start(Consumer<KfpSimulator.Builder> simulator, UnaryOperator<KfpClient> decorator) {
    return start(false, simulator, decorator);
  }

  /** @param pollsEachRun true: per-run sync (a GET per run and interval); false: the bulk status sync */
  public static OperatorHarness start(boolean pollsEachRun, Consumer<KfpSimulator.Builder> simulator) {
    return start(pollsEachRun, simulator, UnaryOperator.identity());
  }

  static OperatorHarness start(boolean pollsEachRun, Consumer<KfpSimulator.Builder> simulator,
      UnaryOperator<KfpClient> decorator) {
    return start(Backend.MOCK, pollsEachRun, simulator, decorator);
  }

  /** Like {@link #start(boolean, Consumer)}, polling every {@code poll} instead of every 200 ms. */
  public static OperatorHarness start(boolean pollsEachRun, Duration poll, Consumer<KfpSimulator.Builder> simulator) {
    return start(Backend.MOCK, pollsEachRun, poll, simulator, UnaryOperator.identity(), OperatorAccess.ADMINISTRATOR);
  }

  public static OperatorHarness start(Backend backend, boolean pollsEachRun,
      Consumer<KfpSimulator.Builder> simulator) {
    return start(backend, pollsEachRun, simulator, UnaryOperator.identity());
  }

  static OperatorHarness start(Backend backend, boolean pollsEachRun, Consumer<KfpSimulator.Builder> simulator,
      UnaryOperator<KfpClient> decorator) {
    return start(backend, pollsEachRun, POLL, simulator, decorator, OperatorAccess.ADMINISTRATOR);
  }

  /**
   * Like {@link #start(Backend, boolean, Consumer)}, with the operator on the Kubernetes API as {@code access}
   * says (a service account's client and leader election, for example); the harness closes {@code access}.
   */
  public static OperatorHarness start(Backend backend, boolean pollsEachRun, Consumer<KfpSimulator.Builder> simulator,
      OperatorAccess access) {
    return start(backend, pollsEachRun, POLL, simulator, UnaryOperator.identity(), access);
  }

  /**
   * Like {@link #start(Backend, boolean, Consumer)} (bulk sync), listing the finished runs every {@code resync}
   * instead of every 2 s.
   */
  static OperatorHarness start(Backend backend, Duration resync, Consumer<KfpSimulator.Builder> simulator) {
    return start(backend, KfpBackend.SIMULATOR, false, POLL, resync, simulator, UnaryOperator.identity(),
        OperatorAccess.ADMINISTRATOR, null);
  }

  /** Like {@link #start(Backend, boolean, Consumer)} (bulk sync), with the operator's TTL_SECONDS_AFTER_FINISHED. */
  static OperatorHarness startWithDefaultTtl(Backend backend, long defaultTtl) {
    return start(backend, false, POLL, simulator -> { }, UnaryOperator.identity(), OperatorAccess.ADMINISTRATOR,
        defaultTtl);
  }

  private static OperatorHarness start(Backend backend, boolean pollsEachRun, Duration poll,
      Consumer<KfpSimulator.Builder> simulator, UnaryOperator<KfpClient> decorator, OperatorAccess access) {
    return start(backend, pollsEachRun, poll, simulator, decorator, access, null);
  }

  /**
   * An operator against KFP's own server ({@link KfpBackend#KFP_SERVER}) on the given Kubernetes API, following
   * runs in bulk or per run, with the operator's TTL_SECONDS_AFTER_FINISHED ({@code defaultTtl}, or null).
   */
  static OperatorHarness startOnKfpServer(Backend backend, boolean pollsEachRun, Long defaultTtl) {
    return start(backend, KfpBackend.KFP_SERVER, pollsEachRun, POLL, RESYNC, simulator -> { },
        UnaryOperator.identity(), OperatorAccess.ADMINISTRATOR, defaultTtl);
  }

  /**
   * An operator against KFP's own server on the mock, following runs in bulk every {@code poll} and re-reading
   * finished runs every {@code resync}.
   */
  static OperatorHarness startOnKfpServer(Duration poll, Duration resync) {
    return start(Backend.MOCK, KfpBackend.KFP_SERVER, false, poll, resync, simulator -> { },
        UnaryOperator.identity(), OperatorAccess.ADMINISTRATOR, null);
  }

  private static OperatorHarness start(Backend backend, boolean pollsEachRun, Duration poll,
      Consumer<KfpSimulator.Builder> simulator, UnaryOperator<KfpClient> decorator, OperatorAccess access,
      Long defaultTtl) {
    return start(backend, KfpBackend.SIMULATOR, pollsEachRun, poll, RESYNC, simulator, decorator, access,
        defaultTtl);
  }

  private static OperatorHarness start(Backend backend, KfpBackend kfpBackend, boolean pollsEachRun, Duration poll,
      Duration resync, Consumer<KfpSimulator.Builder> simulator, UnaryOperator<KfpClient> decorator,
      OperatorAccess access, Long defaultTtl) {
    ManualClock clock = new ManualClock();
    KfpSimulator kfp = null;
    KfpTestServer kfpServer = null;
    if (kfpBackend == KfpBackend.SIMULATOR) {
      KfpSimulator.Builder builder = KfpSimulator.builder().clock(clock).timing(TIMING);
      simulator.accept(builder);
      kfp = builder.start();
    } else {
      kfpServer = KfpTestServer.start();
    }
    LocalKubernetes kubernetes;
    try {
      kubernetes = backend == Backend.REAL ? RealCluster.lease() : EmbeddedKubernetes.start();
    } catch (RuntimeException e) {
      if (kfp != null) {
        kfp.close();
      } else {
        kfpServer.close();
      }
      throw e;
    }
    OperatorHarness harness = new OperatorHarness(kubernetes, clock, kfp, kfpServer, pollsEachRun, poll, decorator,
        access);
    harness.defaultTtl = defaultTtl;
    harness.resync = resync;
    try {
      harness.startOperator();
    } catch (RuntimeException e) {
      harness.close();
      throw e;
    }
    return harness;
  }

  void startOperator() {
    Metrics countingReconciles = new Metrics() {
      @Override
      public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
        reconciles.computeIfAbsent(resource.getMetadata().getName(), name -> new AtomicInteger()).incrementAndGet();
        reconciledVersions.merge(resource.getMetadata().getName(),
            Long.parseLong(resource.getMetadata().getResourceVersion()), Math::max);
      }

      @Override
      public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
        failures.computeIfAbsent(resource.getMetadata().getName(), name -> new CopyOnWriteArrayList<>())
            .add(exception);
      }
    };
    running = OperatorWiring.of(config(true), access.client(kubernetes)).exitOnLostLease(false)
        .kfpDecorator(decorator)
        .reconcileListener(countingReconciles)
        .operatorSettings(access::configure)
        .start();
  }

  /**
   * The operator's settings, as environment variables would give them: this harness's KFP, timeouts, poll and
   * resync intervals, sync mode and default TTL, endpoints on a free port, no leader election; then, if asked,
   * those of its {@link OperatorAccess}.
   */
  private OperatorConfig config(boolean withAccess) {
    Map<String, String> env = new HashMap<>();
    env.put(Setting.KFP_ENDPOINT.envName(), kfpUrl.toString());
    env.put(Setting.KFP_TIMEOUT.envName(), KFP_TIMEOUT.toString());
    env.put(Setting.KFP_UI_URL.envName(), UI.toString());
    env.put(Setting.POLL_INTERVAL.envName(), poll.toString());
    env.put(Setting.RESYNC_INTERVAL.envName(), resync.toString());
    env.put(Setting.SYNC_MODE.envName(), (pollsEachRun ? SyncMode.PER_RUN : SyncMode.BULK).externalName());
    if (defaultTtl != null) {
      env.put(Setting.TTL_SECONDS_AFTER_FINISHED.envName(), defaultTtl.toString());
    }
    env.put(Setting.MONITORING_PORT.envName(), "0");
    env.put(Setting.LEADER_ELECTION.envName(), "false");
    if (withAccess) {
      env.putAll(access.settings());
    }
    return OperatorConfig.load(env, new String[0]);
  }

  /**
   * Another operator instance against the same Kubernetes API and KFP, with clients of its own and without
   * leader election, as a second replica would run; it is stopped by {@link #close()} unless a test stops it.
   */
  public RunOperator startAnotherInstance() {
    return startAnotherInstance(http -> { });
  }

  /**
   * Like {@link #startAnotherInstance()}, with the instance's Kubernetes HTTP client set up by {@code http} as
   * well (an interceptor that slows some of its requests down, for example).
   */
  RunOperator startAnotherInstance(Consumer<HttpClient.Builder> http) {
    KubernetesClient kubernetesClient = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(k8s().getConfiguration()).build()).withHttpClientBuilderConsumer(http).build();
    OperatorWiring.Running another = OperatorWiring.of(config(false), kubernetesClient).exitOnLostLease(false)
        .kfpDecorator(decorator)
        .start();
    others.add(() -> {
      another.close();
      kubernetesClient.close();
    });
    return another.operator();
  }

  /** The port of the running operator's /healthz, /readyz and /metrics. */
  public int monitoringPort() {
    return running.monitoringPort();
  }

  /** The running operator. */
  public RunOperator operator() {
    return running.operator();
  }

  /** Reconciles of the named Run that finished so far. */
  public int reconciles(String name) {
    AtomicInteger count = reconciles.get(name);
    return count == null ? 0 : count.get();
  }

  /** The exceptions the named Run's reconciles failed with so far, oldest first. */
  public List<Exception> failures(String name) {
    return List.copyOf(failures.getOrDefault(name, List.of()));
  }

  void stopOperator() {
    running.close();
    running = null;
  }

  public NamespacedKubernetesClient k8s() {
    return kubernetes.client();
  }

  /** Whether the Kubernetes API checks the CRD's schema and CEL rules: the real server does, the mock does not. */
  boolean validatesCrds() {
    return !(kubernetes instanceof EmbeddedKubernetes);
  }

  /** The embedded mock, for tests that script its answers; fails on the real server. */
  EmbeddedKubernetes mock() {
    if (kubernetes instanceof EmbeddedKubernetes mock) {
      return mock;
    }
    throw new IllegalStateException("this harness runs on " + kubernetes.description() + ", not on the mock");
  }

  public KfpSimulator kfp() {
    if (kfp == null) {
      throw new IllegalStateException("this harness runs on " + KfpBackend.KFP_SERVER.description());
    }
    return kfp;
  }

  /** KFP's own server; fails on the simulator. */
  public KfpTestServer kfpServer() {
    if (kfpServer == null) {
      throw new IllegalStateException("this harness runs on " + KfpBackend.SIMULATOR.description());
    }
    return kfpServer;
  }

  /** Which KFP this harness runs against. */
  public KfpBackend kfpBackend() {
    return kfp != null ? KfpBackend.SIMULATOR : KfpBackend.KFP_SERVER;
  }

  public ManualClock clock() {
    return clock;
  }

  public HttpKfpClient client() {
    return client;
  }

  /** Registers a compiled pipeline without inputs in the simulator. */
  public PipelineVersion registerPlainPipeline() {
    return kfp.registerPipeline("plain", """
        schemaVersion: 2.1.0
        pipelineInfo: {name: plain}
        root: {dag: {tasks: {}}}
        """);
  }

  /**
   * Installs a minimal CRD of ours for KFP's Kubernetes-native {@code pipelines.kubeflow.org/v2beta1}
   * PipelineVersion (any content; KFP's own CRD has a full schema, and webhooks that this API server does not run)
   * and waits until the API server serves it. The mock needs none.
   */
  public void installPipelineVersionCrd() {
    CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName("pipelineversions.pipelines.kubeflow.org").endMetadata()
        .withNewSpec().withGroup("pipelines.kubeflow.org").withScope("Namespaced")
        .withNewNames().withKind("PipelineVersion").withPlural("pipelineversions").withSingular("pipelineversion")
        .endNames()
        .addNewVersion().withName("v2beta1").withServed(true).withStorage(true)
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema().endVersion()
        .endSpec().build();
    k8s().apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
    k8s().apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
        .waitUntilCondition(RealKubernetes::isEstablished, 30, TimeUnit.SECONDS);
  }

  /**
   * Creates a PipelineVersion object in {@link #NAMESPACE} as KFP's webhook leaves it (an owner reference to its
   * Pipeline, by {@code pipelineUid}), registers a pipeline version with both UIDs in the simulator, and returns
   * the object's UID.
   */
  public String createPipelineVersion(String name, String pipelineUid) {
    ResourceDefinitionContext kind = new ResourceDefinitionContext.Builder()
        .withGroup("pipelines.kubeflow.org").withVersion("v2beta1").withKind("PipelineVersion")
        .withPlural("pipelineversions").withNamespaced(true).build();
    // The shared real cluster's wipe knows nothing of this kind: the object goes with the harness.
    others.add(() -> k8s().genericKubernetesResources(kind).inNamespace(NAMESPACE).withName(name).delete());
    GenericKubernetesResource version = k8s().genericKubernetesResources(kind)
        .inNamespace(NAMESPACE)
        .resource(new GenericKubernetesResourceBuilder()
            .withApiVersion("pipelines.kubeflow.org/v2beta1").withKind("PipelineVersion")
            .withNewMetadata().withName(name).withNamespace(NAMESPACE)
            .addNewOwnerReference().withApiVersion("pipelines.kubeflow.org/v2beta1").withKind("Pipeline")
            .withName(name).withUid(pipelineUid).endOwnerReference().endMetadata()
            .withAdditionalProperties(Map.of("spec", Map.of("pipelineName", name)))
            .build())
        .create();
    String versionUid = version.getMetadata().getUid();
    kfp.registerPipeline(pipelineUid, versionUid, name, """
        schemaVersion: 2.1.0
        pipelineInfo: {name: %s}
        root: {dag: {tasks: {}}}
        """.formatted(name));
    return versionUid;
  }

  /** Applies a Run of the pipeline, by version reference, in {@link #NAMESPACE}. */
  public Run applyVersionRefRun(String name, PipelineVersion pipeline) {
    return applyVersionRefRun(name, pipeline, "");
  }

  /** Like {@link #applyVersionRefRun(String, PipelineVersion)}, with more spec fields (YAML lines). */
  public Run applyVersionRefRun(String name, PipelineVersion pipeline, String extraSpec) {
    return apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: %s}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
        %s""".formatted(name, NAMESPACE, pipeline.pipelineId(), extraSpec.indent(2)));
  }

  public Run apply(String yaml) {
    return apply(Serialization.unmarshal(yaml, Run.class));
  }

  Run apply(Run run) {
    if (run.getMetadata().getNamespace() == null) {
      run.getMetadata().setNamespace(NAMESPACE);
    }
    return k8s().resource(run).create();
  }

  public Run get(String name) {
    return k8s().resources(Run.class).inNamespace(NAMESPACE).withName(name).get();
  }

  /**
   * Changes the Run as a person editing it would: read, change, write with the resourceVersion read, and start
   * over when the operator wrote in between (409), as {@code kubectl edit} asks the user to.
   */
  void edit(String name, Consumer<Run> change) {
    await().atMost(Duration.ofSeconds(30)).ignoreExceptionsMatching(OperatorHarness::isConflict).until(() -> {
      Run run = get(name);
      change.accept(run);
      k8s().resource(run).update();
      return true;
    });
  }

  private static boolean isConflict(Throwable e) {
    return e instanceof KubernetesClientException k && k.getCode() == 409;
  }

  /** Sets an annotation as {@code kubectl annotate --overwrite} does: a merge patch, whatever the operator wrote. */
  Run annotate(String name, String key, String value) {
    return kubernetes.annotateRun(NAMESPACE, name, key, value);
  }

  void delete(String name) {
    k8s().resources(Run.class).inNamespace(NAMESPACE).withName(name).delete();
  }

  /**
   * Sets an annotation that asks the operator for nothing, as any tool may, and returns the Run as the patch left
   * it: the change a test waits on ({@link #awaitReconciled}) before it asserts that nothing happened.
   */
  Run touch(String name) {
    if (RECONCILE_OFF && !stoppedBySwitch) {
      stoppedBySwitch = true;
      stopOperator();
    }
    return annotate(name, "test.kfp.dev/touched", Instant.now().toString());
  }

  /**
   * Waits until the operator has finished a reconcile of the Run as {@code changed} left it, or of a later version:
   * it has looked at the change.
   */
  void awaitReconciled(Run changed) {
    String name = changed.getMetadata().getName();
    long version = Long.parseLong(changed.getMetadata().getResourceVersion());
    await("the operator reconciled " + name + " at resourceVersion " + version).atMost(Duration.ofSeconds(30))
        .until(() -> reconciledVersions.getOrDefault(name, 0L) >= version);
  }

  /** Waits (no sleeps: polls) until the Run satisfies the condition and returns it. */
  public Run awaitRun(String name, Predicate<Run> condition) {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> get(name), run -> run != null && condition.test(run));
  }

  public Run awaitState(String name, String state) {
    return awaitRun(name, run -> run.getStatus() != null && state.equals(run.getStatus().getState()));
  }

  void awaitGone(String name) {
    await().atMost(Duration.ofSeconds(30)).until(() -> get(name) == null);
  }

  /** Events about one Run, oldest first. */
  List<Event> events(String name) {
    return k8s().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .sorted(Comparator.comparing(e -> e.getMetadata().getName()))
        .toList();
  }

  List<String> eventReasons(String name) {
    return events(name).stream().map(Event::getReason).toList();
  }

  @Override
  public void close() {
    others.forEach(Runnable::run);
    if (running != null) {
      running.close();
    }
    client.close();
    if (kfp != null) {
      kfp.close();
    } else {
      kfpServer.close();
    }
    access.close();
    kubernetes.close();
  }
}
