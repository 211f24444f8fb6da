package dev.kfp.operator.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunSchedule;
import dev.kfp.operator.api.RunSpec;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.ManualClock;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.RunSnapshot;
import dev.kfp.operator.simulator.Timing;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two shards on one real API server (docs/operating/sharding.md): two operator instances started as the
 * {@code operator} command starts them, with complementary {@code SHARD_SELECTOR}s (set-based, equality and
 * existence ones, as the API server reads them) and leader election on, each on its own Lease, behind one KFP
 * simulator. Every Run is handled by exactly the shard its label puts it in:
 * only that instance caches it, reconciles it and claims its create, and KFP holds one run per Run.
 * {@code -Dshard.runs=N} changes the number of Runs (2,000 in the test command).
 */
@RealApiTier
class ShardingTest {

  private static final int RUNS = Integer.getInteger("shard.runs", 2000);
  private static final String NAMESPACE = "team-b";
  private static final String LEASE_NAMESPACE = "team-a";
  private static final String LABEL = "example.com/shard";
  private static final Duration WAIT = Duration.ofMinutes(8);

  private LocalKubernetes kubernetes;
  private KfpSimulator kfp;
  /** The simulator's clock: its runs stay PENDING until the test moves it. */
  private final ManualClock kfpClock = new ManualClock();
  private PipelineVersion pipeline;
  private final List<AutoCloseable> started = new ArrayList<>();

  /** One shard: its operator, its settings, and the UIDs of the Runs it reconciled. */
  private record Shard(OperatorWiring.Running running, OperatorConfig config, Set<String> reconciled) {

    String instance() {
      return running.operator().instance();
    }
  }

  @BeforeEach
  void start() {
    kubernetes = RealCluster.lease();
    kfp = KfpSimulator.builder().clock(kfpClock)
        .timing(new Timing(Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofSeconds(2))).start();
    pipeline = kfp.registerPipeline("plain", """
        schemaVersion: 2.1.0
        pipelineInfo: {name: plain}
        root: {dag: {tasks: {}}}
        """);
  }

  /**
   * Stops the shards, then takes the finalizers off four at a time and deletes the Runs in one call, which is
   * quicker than the shared server's wipe of one Run after the other.
   */
  @AfterEach
  void stop() throws Exception {
    long begin = System.nanoTime();
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
    kfp.close();
    inParallel(runs().stream().map(run -> (Runnable) () -> kubernetes.client().resources(Run.class)
        .inNamespace(NAMESPACE).withName(run.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}")).toList());
    kubernetes.client().resources(Run.class).inNamespace(NAMESPACE).delete();
    kubernetes.close();
    System.out.printf("sharding: stopped and cleaned up in %.1f s%n", (System.nanoTime() - begin) / 1e9);
  }

  private static void inParallel(List<Runnable> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable task : tasks) {
        futures.add(pool.submit(task));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private Shard startShard(String selector) {
    Map<String, String> env = new HashMap<>();
    env.put(Setting.KFP_ENDPOINT.envName(), kfp.baseUrl().toString());
    env.put(Setting.SHARD_SELECTOR.envName(), selector);
    env.put(Setting.LEADER_ELECTION.envName(), "true");
    env.put(Setting.LEADER_ELECTION_NAMESPACE.envName(), LEASE_NAMESPACE);
    env.put(Setting.POLL_INTERVAL.envName(), "2s");
    env.put(Setting.RESYNC_INTERVAL.envName(), "30s");
    env.put(Setting.MONITORING_PORT.envName(), "0");
    OperatorConfig config = OperatorConfig.load(env, new String[0]);
    Set<String> reconciled = ConcurrentHashMap.newKeySet();
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(kubernetes.client().getConfiguration()).build()).build();
    started.add(client);
    OperatorWiring.Running running = OperatorWiring.of(config, client).exitOnLostLease(false)
        .reconcileListener(new Metrics() {
          @Override
          public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
            if (resource instanceof Run) {
              reconciled.add(resource.getMetadata().getUid());
            }
          }
        })
        .start();
    started.add(running);
    return new Shard(running, config, reconciled);
  }

  /** Creates the Runs, four at a time; {@code label} gives each Run's shard label value, or null for none. */
  private void createRuns(Function<Integer, String> label) throws Exception {
    RunSpec spec = Serialization.unmarshal("pipeline: {versionRef: {pipelineId: " + pipeline.pipelineId() + "}}",
        RunSpec.class);
    inParallel(IntStream.range(0, RUNS).mapToObj(index -> (Runnable) () -> {
      Run run = new Run();
      run.getMetadata().setName(String.format("r-%05d", index));
      run.getMetadata().setNamespace(NAMESPACE);
      if (label.apply(index) != null) {
        run.getMetadata().setLabels(Map.of(LABEL, label.apply(index)));
      }
      run.setSpec(spec);
      kubernetes.client().resource(run).create();
    }).toList());
  }

  private List<Run> runs() {
    return kubernetes.client().resources(Run.class).inNamespace(NAMESPACE).list().getItems();
  }

  @Test
  void everyRunIsHandledByExactlyTheShardItsLabelPutsItIn() throws Exception {
    Shard a = startShard(LABEL + " in (a)");
    Shard rest = startShard(LABEL + " notin (a)");
    long begin = System.nanoTime();
    // Half the Runs in shard a; of the rest, half labelled b and half unlabelled: both are the other shard's.
    createRuns(i -> i % 2 == 0 ? "a" : i % 4 == 1 ? "b" : null);
    long created = System.nanoTime();

    await("every Run submitted").atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> runs().stream()
        .filter(r -> r.getStatus() != null && r.getStatus().getRunId() != null).count() == RUNS);
    long submitted = System.nanoTime();

    List<Run> runs = runs();
    Map<String, Shard> expected = runs.stream().collect(Collectors.toMap(r -> r.getMetadata().getUid(),
        r -> r.getMetadata().getLabels() != null && "a".equals(r.getMetadata().getLabels().get(LABEL)) ? a : rest));
    Set<String> inA = expected.entrySet().stream().filter(e -> e.getValue() == a).map(Map.Entry::getKey)
        .collect(Collectors.toSet());
    Set<String> inRest = expected.entrySet().stream().filter(e -> e.getValue() == rest).map(Map.Entry::getKey)
        .collect(Collectors.toSet());

    List<String> wrongClaims = runs.stream()
        .filter(r -> !expected.get(r.getMetadata().getUid()).instance().equals(r.getStatus().getClaim().holder()))
        .map(r -> r.getMetadata().getName()).toList();
    Set<String> handledByBoth = new TreeSet<>(a.reconciled());
    handledByBoth.retainAll(rest.reconciled());
    List<RunSnapshot> kfpRuns = kfp.runs();
    Map<String, Long> carriersPerRun = runs.stream().collect(Collectors.toMap(r -> r.getMetadata().getUid(),
        r -> kfpRuns.stream().filter(k -> k.description() != null
            && k.description().contains("uid=" + r.getMetadata().getUid() + "]")).count()));
    long duplicates = carriersPerRun.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
    Map<String, Long> claimsByInstance = runs.stream().collect(Collectors.groupingBy(
        r -> r.getStatus().getClaim().holder().equals(a.instance()) ? "shard a" : "the other shard",
        Collectors.counting()));

    System.out.printf("sharding: %d Runs on %s, created in %.1f s, all submitted %.1f s later; claims %s;"
            + " %d KFP runs, %d create calls, %d duplicates, %d Runs reconciled by both shards;"
            + " cached: shard a %d, the other %d%n", RUNS, kubernetes.description(), (created - begin) / 1e9,
        (submitted - created) / 1e9, claimsByInstance, kfpRuns.size(), kfp.calls().count(Endpoint.CREATE_RUN),
        duplicates, handledByBoth.size(), a.running().operator().cachedRuns().count(),
        rest.running().operator().cachedRuns().count());

    assertThat(inA).hasSize(RUNS / 2);
    assertThat(kfpRuns).as("KFP's runs").hasSize(RUNS);
    assertThat(kfp.calls().count(Endpoint.CREATE_RUN)).as("create calls").isEqualTo(RUNS);
    assertThat(carriersPerRun.values()).as("KFP runs carrying each Run's marker").allMatch(n -> n == 1);
    assertThat(wrongClaims).as("Runs claimed by the other shard's instance").isEmpty();
    assertThat(handledByBoth).as("Runs reconciled by both shards").isEmpty();
    assertThat(a.reconciled()).as("shard a reconciled exactly its Runs").isEqualTo(inA);
    assertThat(rest.reconciled()).as("the other shard reconciled exactly its Runs").isEqualTo(inRest);
    assertThat(a.running().operator().cachedRuns().map(r -> r.getMetadata().getUid()).collect(Collectors.toSet()))
        .as("shard a's informer holds only its Runs (the API server filters)").isEqualTo(inA);
    assertThat(rest.running().operator().cachedRuns().map(r -> r.getMetadata().getUid()).collect(Collectors.toSet()))
        .as("the other shard's informer holds only its Runs").isEqualTo(inRest);

    Map<String, Lease> leases = kubernetes.client().leases().inNamespace(LEASE_NAMESPACE).list().getItems().stream()
        .collect(Collectors.toMap(l -> l.getMetadata().getName(), l -> l));
    assertThat(a.config().leaderElectionLease()).isNotEqualTo(rest.config().leaderElectionLease())
        .startsWith(OperatorConfig.DEFAULT_LEASE + "-");
    assertThat(leases).as("each shard holds a Lease of its own")
        .containsKeys(a.config().leaderElectionLease(), rest.config().leaderElectionLease());
    assertThat(leases.values()).allMatch(l -> l.getSpec().getHolderIdentity() != null, "is held");
  }

  /** The Run's condition's reason, or null. */
  private static String reason(Run run, String type) {
    return run == null || run.getStatus() == null ? null
        : run.getStatus().condition(type).map(c -> c.getReason()).orElse(null);
  }

  private Run run(String name) {
    return kubernetes.client().resources(Run.class).inNamespace(NAMESPACE).withName(name).get();
  }

  /**
   * A RunSchedule's Runs carry its shard labels whatever its template says, so its shard sees and submits them;
   * a RunQueue admits only Runs of its own shard, counting only those, and a Run of another shard naming it is held
   * with a message saying so: no shard admits past the queue's limit. An admitted Run moved to the other shard gives
   * its slot back once its run finished, which the queue's shard learns from the API server.
   */
  @Test
  void schedulesAndQueuesStayWithinTheirShard() {
    Shard a = startShard(LABEL + "=a");
    Shard rest = startShard("!" + LABEL);
    String versionRef = "pipeline: {versionRef: {pipelineId: " + pipeline.pipelineId() + "}}";
    kubernetes.client().resource(Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: RunSchedule
        metadata:
          name: nightly
          namespace: %s
          labels: {%s: a}
          annotations: {pipelines.kfp.dev/trigger: now}
        spec:
          schedule: "0 3 1 1 *"
          runTemplate:
            metadata:
              labels: {%s: b, team: ml}
            spec: {%s}
        """.formatted(NAMESPACE, LABEL, LABEL, versionRef), RunSchedule.class)).create();
    kubernetes.client().resource(Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: RunQueue
        metadata: {name: one-at-a-time, namespace: %s, labels: {%s: a}}
        spec: {maxActive: 1}
        """.formatted(NAMESPACE, LABEL), RunQueue.class)).create();
    for (String[] member : new String[][] {{"q-a1", LABEL + ": a"}, {"q-a2", LABEL + ": a"}, {"q-b1", "team: ml"}}) {
      kubernetes.client().resource(Serialization.unmarshal("""
          apiVersion: pipelines.kfp.dev/v1alpha1
          kind: Run
          metadata: {name: %s, namespace: %s, labels: {%s}}
          spec: {queueName: one-at-a-time, %s}
          """.formatted(member[0], NAMESPACE, member[1], versionRef), Run.class)).create();
    }

    Run scheduled = await("the schedule's Run submitted").atMost(Duration.ofSeconds(60)).until(
        () -> kubernetes.client().resources(Run.class).inNamespace(NAMESPACE)
            .withLabel(RunSchedule.SCHEDULE_LABEL, "nightly").list().getItems().stream()
            .filter(r -> r.getStatus() != null && r.getStatus().getRunId() != null).findFirst().orElse(null),
        java.util.Objects::nonNull);
    assertThat(scheduled.getMetadata().getLabels()).as("the schedule's shard label, not the template's")
        .containsEntry(LABEL, "a").containsEntry("team", "ml");
    assertThat(scheduled.getStatus().getClaim().holder()).isEqualTo(a.instance());
    await("the schedule's shard sees its Run").atMost(Duration.ofSeconds(60)).until(() -> kubernetes.client()
        .resources(RunSchedule.class).inNamespace(NAMESPACE).withName("nightly").get().getStatus().getActive()
        .stream().anyMatch(entry -> scheduled.getMetadata().getUid().equals(entry.uid())));

    await("the other shard held the Run naming a queue it does not see").atMost(Duration.ofSeconds(60))
        .until(() -> RunConditions.REASON_QUEUE_NOT_FOUND.equals(reason(run("q-b1"), RunConditions.SUBMITTED)));
    assertThat(run("q-b1").getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getMessage())
        .contains("is not in this operator's shard (!" + LABEL + ")");
    await("the queue's shard admitted one of its Runs and holds the other").atMost(Duration.ofSeconds(60))
        .until(() -> {
          RunQueue queue = kubernetes.client().resources(RunQueue.class).inNamespace(NAMESPACE)
              .withName("one-at-a-time").get();
          return queue.getStatus() != null && Integer.valueOf(1).equals(queue.getStatus().getActive())
              && Integer.valueOf(1).equals(queue.getStatus().getWaiting())
              && java.util.stream.Stream.of("q-a1", "q-a2").map(name -> reason(run(name), RunConditions.SUBMITTED))
                  .filter(RunConditions.REASON_QUEUED::equals).count() == 1;
        });
    assertThat(java.util.stream.Stream.of("q-a1", "q-a2", "q-b1").map(this::run)
        .filter(r -> r.getStatus().getRunId() != null).map(r -> r.getMetadata().getName()))
        .as("Runs of the queue sent to KFP").hasSize(1).allMatch(name -> name.startsWith("q-a"));
    assertThat(rest.reconciled()).doesNotContain(scheduled.getMetadata().getUid(), run("q-a1").getMetadata().getUid());

    String moved = run("q-a1").getStatus().getRunId() != null ? "q-a1" : "q-a2";
    String next = moved.equals("q-a1") ? "q-a2" : "q-a1";
    kubernetes.client().resources(Run.class).inNamespace(NAMESPACE).withName(moved)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"" + LABEL + "\":null}}}");
    kfpClock.advance(Duration.ofMinutes(20));
    await("the moved Run's run finished, as the other shard reports").atMost(Duration.ofSeconds(60))
        .until(() -> "SUCCEEDED".equals(run(moved).getStatus().getState()));
    await("the queue's shard gave the moved Run's slot to its next Run").atMost(Duration.ofSeconds(90))
        .until(() -> run(next).getStatus().getRunId() != null);
    assertThat(run(next).getStatus().getClaim().holder()).isEqualTo(a.instance());
  }
}
