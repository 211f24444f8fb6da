package dev.kfp.operator.reliability;

import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorCommand;
import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.RunSnapshot;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * The stage of the reliability suite: an embedded Kubernetes API, the KFP simulator on the real clock, and
 * operator instances started through {@link OperatorWiring}, as the {@code operator} command starts them
 * (circuit breaker, call metrics, capped backoff), with leader election on a Lease so that several instances can
 * run and fail over. A watch records every state each
 * Run's status ever showed, to prove that none went backwards.
 */
final class FaultBench implements AutoCloseable {

  static final String LEASE_NAMESPACE = "kfp-system";
  static final List<String> NAMESPACES = List.of("team-a", "team-b");
  static final Duration POLL = Duration.ofMillis(500);
  static final Duration KFP_TIMEOUT = Duration.ofSeconds(2);

  /**
   * The Kubernetes API the suite runs against: {@code -Dfaults.kubernetes=real} for the shared real
   * kube-apiserver ({@link RealCluster}), otherwise the embedded Fabric8 mock.
   */
  static final String BACKEND = System.getProperty("faults.kubernetes", "mock");

  final LocalKubernetes kubernetes;
  final KfpSimulator kfp;
  final PipelineVersion pipeline;
  private final Duration resync;
  private final List<Instance> instances = new CopyOnWriteArrayList<>();
  private final Map<String, List<String>> statesSeen = new ConcurrentHashMap<>();
  private final Watch watch;

  /**
   * One operator process, started as the {@code operator} command starts it (its own KFP client with the call
   * metrics and the circuit breaker, leader election on the Lease), on its own Kubernetes client; the Lease's
   * timings are shortened so that a failover takes seconds.
   */
  final class Instance {
    final String identity;
    private final KubernetesClient client;
    private final OperatorWiring.Running operator;

    Instance(String identity) {
      this.identity = identity;
      client = new KubernetesClientBuilder()
          .withConfig(new ConfigBuilder(kubernetes.client().getConfiguration()).build()).build();
      OperatorConfig config = OperatorConfig.load(Map.of(
          Setting.KFP_ENDPOINT.envName(), kfp.baseUrl().toString(),
          Setting.KFP_TIMEOUT.envName(), KFP_TIMEOUT.toString(),
          Setting.POLL_INTERVAL.envName(), POLL.toString(),
          Setting.RESYNC_INTERVAL.envName(), resync.toString(),
          Setting.MONITORING_PORT.envName(), "0",
          Setting.LEADER_ELECTION.envName(), "true",
          Setting.LEADER_ELECTION_NAMESPACE.envName(), LEASE_NAMESPACE), new String[0]);
      operator = OperatorWiring.of(config, client).exitOnLostLease(false).operatorSettings(overrider -> overrider
          .withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder
              .aLeaderElectionConfiguration(OperatorCommand.LEASE_NAME)
              .withLeaseNamespace(LEASE_NAMESPACE)
              .withIdentity(identity)
              .withLeaseDuration(Duration.ofSeconds(3))
              .withRenewDeadline(Duration.ofSeconds(2))
              .withRetryPeriod(Duration.ofMillis(300))
              .withExitOnStopLeading(false)
              .build()))
          .start();
    }

    void stop() {
      operator.close();
      client.close();
      instances.remove(this);
    }
  }

  FaultBench(Timing timing, Duration resync) {
    this.resync = resync;
    if ("real".equals(BACKEND)) {
      kubernetes = RealCluster.lease();
      RealCluster.ensureNamespace(kubernetes.client(), LEASE_NAMESPACE);
    } else if ("mock".equals(BACKEND)) {
      kubernetes = EmbeddedKubernetes.start().allowLeaderElection();
    } else {
      throw new IllegalArgumentException("faults.kubernetes is " + BACKEND + "; use mock or real");
    }
    kfp = KfpSimulator.builder().timing(timing).outcomeRule(OutcomeRule.failWhenNameContains("fail")).start();
    pipeline = kfp.registerPipeline("plain", """
        schemaVersion: 2.1.0
        pipelineInfo: {name: plain}
        root: {dag: {tasks: {}}}
        """);
    watch = kubernetes.client().resources(Run.class).inAnyNamespace().watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Run run) {
        if (run.getStatus() != null && run.getStatus().getState() != null) {
          List<String> seen = statesSeen.computeIfAbsent(key(run), k -> new CopyOnWriteArrayList<>());
          synchronized (seen) {
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(run.getStatus().getState())) {
              seen.add(run.getStatus().getState());
            }
          }
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        // closed by close()
      }
    });
  }

  Instance startInstance(String identity) {
    Instance instance = new Instance(identity);
    instances.add(instance);
    return instance;
  }

  List<Instance> instances() {
    return List.copyOf(instances);
  }

  /** The identity holding the Lease, or null. */
  String leader() {
    var lease = kubernetes.client().leases().inNamespace(LEASE_NAMESPACE).withName(OperatorCommand.LEASE_NAME).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** Creates {@code count} Runs spread over the namespaces; every tenth one's KFP run fails. */
  List<String> applyRuns(String prefix, int count) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String namespace = NAMESPACES.get(i % NAMESPACES.size());
      String name = String.format("%s-%03d", prefix, i);
      kubernetes.client().resource(Serialization.unmarshal("""
          apiVersion: pipelines.kfp.dev/v1alpha1
          kind: Run
          metadata: {name: %s, namespace: %s}
          spec:
            displayName: "%s"
            pipeline: {versionRef: {pipelineId: %s}}
          """.formatted(name, namespace, i % 10 == 9 ? name + " (will fail)" : name, pipeline.pipelineId()),
          Run.class)).create();
      keys.add(namespace + "/" + name);
    }
    return keys;
  }

  List<Run> runs() {
    return kubernetes.client().resources(Run.class).inAnyNamespace().list().getItems();
  }

  /** Runs whose status does not (yet) show what KFP has, each with the reason. */
  List<String> unconverged(boolean requireTerminal) {
    Map<String, RunSnapshot> byId = kfp.runs().stream().collect(Collectors.toMap(RunSnapshot::runId, r -> r));
    List<String> problems = new ArrayList<>();
    for (Run run : runs()) {
      var status = run.getStatus();
      if (status == null || status.getRunId() == null) {
        problems.add(key(run) + ": not submitted");
        continue;
      }
      RunSnapshot kfpRun = byId.get(status.getRunId());
      if (kfpRun == null) {
        problems.add(key(run) + ": run id " + status.getRunId() + " unknown to KFP");
      } else if (!kfpRun.state().name().equals(status.getState())) {
        problems.add(key(run) + ": status " + status.getState() + ", KFP " + kfpRun.state());
      } else if (requireTerminal && !Set.of("SUCCEEDED", "FAILED").contains(status.getState())) {
        problems.add(key(run) + ": still " + status.getState());
      } else if (!status.isTrue(RunConditions.SYNCED)) {
        problems.add(key(run) + ": Synced is not True");
      }
    }
    return problems;
  }

  /** Waits until every Run's status shows KFP's state (terminal if asked) with Synced=True. */
  void awaitConverged(Duration atMost, boolean requireTerminal) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(250))
        .until(() -> unconverged(requireTerminal), List::isEmpty);
  }

  /**
   * Runs that have more or fewer than one KFP run carrying their marker, or whose status names another run:
   * the duplicates and losses the suite must never see.
   */
  List<String> duplicatesOrLosses() {
    List<String> problems = new ArrayList<>();
    List<RunSnapshot> kfpRuns = kfp.runs();
    for (Run run : runs()) {
      String uid = "uid=" + run.getMetadata().getUid() + "]";
      List<RunSnapshot> carriers = kfpRuns.stream()
          .filter(r -> r.description() != null && r.description().contains(uid)).toList();
      if (carriers.size() != 1) {
        problems.add(key(run) + ": " + carriers.size() + " KFP runs");
      } else if (!Objects.equals(carriers.get(0).runId(), run.getStatus() == null ? null
          : run.getStatus().getRunId())) {
        problems.add(key(run) + ": status names another run");
      }
    }
    if (kfpRuns.size() != runs().size()) {
      problems.add(kfpRuns.size() + " KFP runs for " + runs().size() + " Runs");
    }
    return problems;
  }

  /** Runs whose status ever went backwards (PENDING after RUNNING, RUNNING after SUCCEEDED, ...). */
  Map<String, List<String>> reversals() {
    Map<String, List<String>> reversed = new ConcurrentHashMap<>();
    statesSeen.forEach((run, seen) -> {
      for (int i = 1; i < seen.size(); i++) {
        if (rank(seen.get(i)) < rank(seen.get(i - 1))) {
          reversed.put(run, List.copyOf(seen));
        }
      }
    });
    return reversed;
  }

  int transitionsSeen() {
    return statesSeen.values().stream().mapToInt(List::size).sum();
  }

  private static int rank(String state) {
    return switch (state) {
      case "PENDING" -> 1;
      case "RUNNING" -> 2;
      case "CANCELING" -> 3;
      case "SUCCEEDED", "FAILED", "SKIPPED", "CANCELED" -> 4;
      default -> 0;
    };
  }

  private static String key(Run run) {
    return run.getMetadata().getNamespace() + "/" + run.getMetadata().getName();
  }

  @Override
  public void close() {
    watch.close();
    for (Instance instance : instances()) {
      instance.stop();
    }
    kfp.close();
    kubernetes.close();
  }
}
