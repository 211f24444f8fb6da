package dev.kfp.operator;

import dev.kfp.operator.config.AuthMode;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.SyncMode;
import dev.kfp.operator.identity.NamespaceIdentityClients;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpCircuitBreaker;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.monitoring.MonitoringServer;
import dev.kfp.operator.monitoring.OperatorMetrics;
import dev.kfp.operator.monitoring.OperatorReadiness;
import dev.kfp.operator.reconciler.phase.ReconcilerSettings;
import dev.kfp.operator.schedule.ScheduleSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.api.monitoring.AggregatedMetrics;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import okhttp3.Interceptor;

/**
 * The one way the operator is put together and started, from its configuration and a Kubernetes client: the KFP
 * clients with the call metrics and the circuit breaker as listeners, the JOSDK operator with the reconcile
 * metrics and leader election, readiness, and the {@code /healthz}, {@code /readyz}, {@code /metrics} endpoints.
 * The {@code operator} command starts it as it is; the sandbox, the benchmark and the tests start the same, and
 * may only add to it at the points below, each at the place in the chain where a development tool belongs.
 */
public final class OperatorWiring {

  private final OperatorConfig config;
  private final KubernetesClient kubernetes;
  private boolean exitOnLostLease = true;
  private final List<Interceptor> kfpInterceptors = new ArrayList<>();
  private UnaryOperator<KfpClient> kfpDecorator = UnaryOperator.identity();
  private final List<Metrics> reconcileListeners = new ArrayList<>();
  private Consumer<ConfigurationServiceOverrider> operatorSettings = overrider -> { };
  private ScheduleSettings schedules = ScheduleSettings.DEFAULT;

  private OperatorWiring(OperatorConfig config, KubernetesClient kubernetes) {
    this.config = Objects.requireNonNull(config, "config");
    this.kubernetes = Objects.requireNonNull(kubernetes, "kubernetes");
  }

  /** The operator as the configuration says, on this Kubernetes client (which the caller keeps and closes). */
  public static OperatorWiring of(OperatorConfig config, KubernetesClient kubernetes) {
    return new OperatorWiring(config, kubernetes);
  }

  /**
   * With leader election, whether losing the Lease ends the process (the default: a replica never reconciles
   * without it); false only where the JVM must outlive the operator, as in the sandbox and the tests.
   */
  public OperatorWiring exitOnLostLease(boolean value) {
    this.exitOnLostLease = value;
    return this;
  }

  /**
   * An OkHttp interceptor on the wire of every KFP client, below the listeners: it sees exactly the requests
   * that reach KFP and their responses (the benchmark counts KFP's bytes here), not the calls the breaker held
   * back.
   */
  public OperatorWiring kfpInterceptor(Interceptor interceptor) {
    kfpInterceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
    return this;
  }

  /**
   * Wraps the KFP client the reconciler and the status sync get, above the listeners: the metrics and the breaker
   * see the calls the wrapper passes on, as they would see the reconciler's own (tests count or spoil answers
   * here). Applied once to the shared client, or to each namespace's client as it is handed out.
   */
  public OperatorWiring kfpDecorator(UnaryOperator<KfpClient> decorator) {
    this.kfpDecorator = Objects.requireNonNull(decorator, "decorator");
    return this;
  }

  /** Hears every reconcile beside the operator's reconcile metrics (which it does not replace). */
  public OperatorWiring reconcileListener(Metrics listener) {
    reconcileListeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * JOSDK settings applied after the operator's own (reconcile threads, a Lease with test timings, ...); a
   * setting given here replaces the operator's one of the same name.
   */
  public OperatorWiring operatorSettings(Consumer<ConfigurationServiceOverrider> settings) {
    this.operatorSettings = Objects.requireNonNull(settings, "settings");
    return this;
  }

  /**
   * The RunSchedule controller's clock and longest wait, instead of the system clock and five minutes: a test's
   * clock that only the test moves.
   */
  public OperatorWiring scheduleSettings(ScheduleSettings settings) {
    this.schedules = Objects.requireNonNull(settings, "settings");
    return this;
  }

  /** Starts the operator and its endpoints; closing the result stops both and closes the KFP clients. */
  public Running start() {
    KfpClientConfig.Builder kfp = KfpClientConfig.builder(config.kfpEndpoint().toString())
        .connectTimeout(config.kfpTimeout())
        .readTimeout(config.kfpTimeout());
    if (config.kfpCaBundle() != null) {
      kfp.caBundle(config.kfpCaBundle());
    }
    if (config.kfpAuth() == AuthMode.TOKEN) {
      kfp.bearerTokenFile(config.kfpTokenFile());
    }
    OperatorMetrics metrics = config.metricsEnabled() ? new OperatorMetrics() : null;
    if (metrics != null) {
      kfp.listener(metrics.kfpCalls()); // first, so that the calls the breaker holds back are counted too
    }
    kfp.listener(new KfpCircuitBreaker(OperatorCommand.BREAKER_THRESHOLD, OperatorCommand.BREAKER_PROBE_INTERVAL,
        Clock.systemUTC()));
    KfpClientConfig kfpConfig = kfp.build();
    List<Interceptor> interceptors = List.copyOf(kfpInterceptors);
    AutoCloseable clients;
    KfpClientProvider provider;
    if (config.kfpAuth() == AuthMode.NAMESPACE_IDENTITY) {
      NamespaceIdentityClients identities = new NamespaceIdentityClients(kubernetes,
          config.kfpIdentityServiceAccount(),
          token -> new HttpKfpClient(kfpConfig.withBearerToken(token), interceptors), Clock.systemUTC());
      clients = identities;
      provider = namespace -> kfpDecorator.apply(identities.forNamespace(namespace));
    } else {
      HttpKfpClient client = new HttpKfpClient(kfpConfig, interceptors);
      clients = client;
      provider = KfpClientProvider.shared(kfpDecorator.apply(client));
    }
    AtomicReference<RunOperator> operator = new AtomicReference<>();
    OperatorReadiness readiness = new OperatorReadiness(
        () -> operator.get() == null ? null : operator.get().runtimeInfo(), config.leaderElection());
    MonitoringServer endpoints = MonitoringServer.start(config.monitoringPort(), readiness::notReadyReason, metrics);
    try {
      operator.set(RunOperator.start(kubernetes, provider,
          new ReconcilerSettings(config.pollInterval(), config.resyncInterval(), config.kfpUiUrl(),
              config.syncMode() == SyncMode.PER_RUN, config.kfpAuth() != AuthMode.NONE,
              ReconcilerSettings.createWindowFor(kfpConfig), config.ttlSecondsAfterFinished()),
          config.watchNamespaces(), config.shardSelector(), josdkSettings(metrics, readiness), schedules));
    } catch (RuntimeException e) {
      endpoints.close();
      closeClients(clients);
      throw e;
    }
    if (metrics != null) {
      metrics.countRunsByState(operator.get()::cachedRuns);
    }
    return new Running(operator.get(), clients, endpoints);
  }

  /** Reconcile metrics and leader election as the configuration says, then the caller's settings. */
  private Consumer<ConfigurationServiceOverrider> josdkSettings(OperatorMetrics metrics, OperatorReadiness readiness) {
    return overrider -> {
      List<Metrics> listeners = new ArrayList<>();
      if (metrics != null) {
        listeners.add(metrics.reconcileMetrics());
      }
      listeners.addAll(reconcileListeners);
      if (listeners.size() == 1) {
        overrider.withMetrics(listeners.get(0));
      } else if (listeners.size() > 1) {
        overrider.withMetrics(new AggregatedMetrics(listeners));
      }
      if (config.leaderElection()) {
        LeaderElectionConfigurationBuilder lease = LeaderElectionConfigurationBuilder
            .aLeaderElectionConfiguration(config.leaderElectionLease())
            .withLeaderCallbacks(readiness.leaderCallbacks())
            .withExitOnStopLeading(exitOnLostLease);
        if (config.leaderElectionNamespace() != null) {
          lease.withLeaseNamespace(config.leaderElectionNamespace());
        }
        overrider.withLeaderElectionConfiguration(lease.build());
      }
      operatorSettings.accept(overrider);
    };
  }

  private static void closeClients(AutoCloseable clients) {
    try {
      clients.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the KFP clients failed", e);
    }
  }

  /** A started operator with its KFP clients and endpoints. */
  public static final class Running implements AutoCloseable {

    private final RunOperator operator;
    private final AutoCloseable clients;
    private final MonitoringServer endpoints;

    private Running(RunOperator operator, AutoCloseable clients, MonitoringServer endpoints) {
      this.operator = operator;
      this.clients = clients;
      this.endpoints = endpoints;
    }

    /** The JOSDK operator with the Run reconciler. */
    public RunOperator operator() {
      return operator;
    }

    /** The port of /healthz, /readyz and /metrics. */
    public int monitoringPort() {
      return endpoints.port();
    }

    @Override
    public void close() {
      operator.close();
      endpoints.close();
      closeClients(clients);
    }
  }
}
