package dev.kfp.operator;

import dev.kfp.operator.config.AuthMode;
import dev.kfp.operator.config.ConfigException;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.SyncMode;
import dev.kfp.operator.identity.NamespaceIdentityClients;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpCircuitBreaker;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.monitoring.MonitoringServer;
import dev.kfp.operator.monitoring.OperatorMetrics;
import dev.kfp.operator.monitoring.OperatorReadiness;
import dev.kfp.operator.reconciler.phase.ReconcilerSettings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** {@code operator}: runs the operator in a cluster, configured by environment variables and flags. */
public final class OperatorCommand {

  /** The leader election Lease's name, in {@code LEADER_ELECTION_NAMESPACE} or the operator's namespace. */
  public static final String LEASE_NAME = "kfp-run-operator";
  /** Calls in a row that must find KFP unavailable before calls are held back. */
  public static final int BREAKER_THRESHOLD = 5;
  /** While KFP is unavailable, one call every this long checks whether it is back. */
  public static final Duration BREAKER_PROBE_INTERVAL = Duration.ofSeconds(2);

  private OperatorCommand() {}

  public static int run(String[] args) throws InterruptedException {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println("usage: operator [flags]; every flag can also be set as the environment variable shown\n"
          + OperatorConfig.usage());
      return 0;
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.load(System.getenv(), args);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    KubernetesClient kubernetes = new KubernetesClientBuilder().build();
    String unreachable = kubernetesApiProblem(kubernetes.getConfiguration());
    if (unreachable != null) {
      System.err.println("operator: " + unreachable);
      kubernetes.close();
      return 1;
    }
    Running running = start(config, kubernetes, true);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      kubernetes.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  /**
   * One line naming the Kubernetes API and what failed, or null when it answers {@code GET /version}; asked once
   * before anything starts, with one retry, so that a wrong kubeconfig is not a page of informer stack traces.
   */
  static String kubernetesApiProblem(Config configuration) {
    Config config = new ConfigBuilder(configuration).withRequestRetryBackoffLimit(1).build();
    try (KubernetesClient probe = new KubernetesClientBuilder().withConfig(config).build()) {
      probe.getKubernetesVersion();
      return null;
    } catch (KubernetesClientException e) {
      return "the Kubernetes API at " + config.getMasterUrl()
          + (config.getFile() == null ? "" : " (from the kubeconfig " + config.getFile() + ")")
          + " failed GET /version: " + whatFailed(e);
    }
  }

  /** The causes that say something, wrappers without a message of their own left out, on one line. */
  private static String whatFailed(KubernetesClientException e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        parts.add("no connection (" + t.getClass().getName() + ")");
        break;
      }
      String message = t.getMessage() == null ? "" : t.getMessage().strip();
      boolean wrapper = t.getCause() != null && (t instanceof KubernetesClientException || message.isEmpty()
          || message.equals(t.getCause().toString()));
      if (!wrapper) {
        parts.add(t instanceof KubernetesClientException ? message : t.getClass().getSimpleName()
            + (message.isEmpty() ? "" : " " + message));
      }
    }
    return String.join(": ", parts).replaceAll("\\s*\n\\s*", " ");
  }

  /**
   * Starts the operator and its endpoints as the configuration says; closing the result stops both.
   *
   * @param exitOnLostLease with leader election, end the process when the Lease is lost (so a replica never
   *     reconciles without it); false only where the JVM must outlive the operator, as in tests
   */
  public static Running start(OperatorConfig config, KubernetesClient kubernetes, boolean exitOnLostLease) {
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
    kfp.listener(new KfpCircuitBreaker(BREAKER_THRESHOLD, BREAKER_PROBE_INTERVAL, Clock.systemUTC()));
    AutoCloseable clients;
    KfpClientProvider provider;
    if (config.kfpAuth() == AuthMode.NAMESPACE_IDENTITY) {
      NamespaceIdentityClients identities = new NamespaceIdentityClients(kubernetes,
          config.kfpIdentityServiceAccount(), token -> kfp.bearerToken(token).build(), Clock.systemUTC());
      clients = identities;
      provider = identities;
    } else {
      HttpKfpClient client = new HttpKfpClient(kfp.build());
      clients = client;
      provider = KfpClientProvider.shared(client);
    }
    AtomicReference<RunOperator> operator = new AtomicReference<>();
    OperatorReadiness readiness = new OperatorReadiness(
        () -> operator.get() == null ? null : operator.get().runtimeInfo(), config.leaderElection());
    MonitoringServer endpoints = MonitoringServer.start(config.monitoringPort(), readiness::notReadyReason, metrics);
    operator.set(RunOperator.start(kubernetes, provider,
        new ReconcilerSettings(config.pollInterval(), config.resyncInterval(), config.kfpUiUrl(),
            config.syncMode() == SyncMode.PER_RUN, config.kfpAuth() != AuthMode.NONE,
            ReconcilerSettings.createWindowFor(kfp.build()), config.ttlSecondsAfterFinished()),
        config.watchNamespaces(), operatorSettings(config, metrics, readiness, exitOnLostLease)));
    if (metrics != null) {
      metrics.countRunsByState(operator.get()::cachedRuns);
    }
    return new Running(operator.get(), clients, endpoints);
  }

  /** Metrics and leader election, as JOSDK settings. */
  private static Consumer<ConfigurationServiceOverrider> operatorSettings(OperatorConfig config,
      OperatorMetrics metrics, OperatorReadiness readiness, boolean exitOnLostLease) {
    return overrider -> {
      if (metrics != null) {
        overrider.withMetrics(metrics.reconcileMetrics());
      }
      if (config.leaderElection()) {
        LeaderElectionConfigurationBuilder lease = LeaderElectionConfigurationBuilder
            .aLeaderElectionConfiguration(LEASE_NAME)
            .withLeaderCallbacks(readiness.leaderCallbacks())
            .withExitOnStopLeading(exitOnLostLease);
        if (config.leaderElectionNamespace() != null) {
          lease.withLeaseNamespace(config.leaderElectionNamespace());
        }
        overrider.withLeaderElectionConfiguration(lease.build());
      }
    };
  }

  /** A started operator with its KFP client and endpoints. */
  public static final class Running implements AutoCloseable {

    private final RunOperator operator;
    private final AutoCloseable client;
    private final MonitoringServer endpoints;

    private Running(RunOperator operator, AutoCloseable client, MonitoringServer endpoints) {
      this.operator = operator;
      this.client = client;
      this.endpoints = endpoints;
    }

    /** The port of /healthz, /readyz and /metrics. */
    public int monitoringPort() {
      return endpoints.port();
    }

    @Override
    public void close() {
      operator.close();
      endpoints.close();
      try {
        client.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the KFP clients failed", e);
      }
    }
  }
}
