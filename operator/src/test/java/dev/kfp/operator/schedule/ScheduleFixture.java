package dev.kfp.operator.schedule;

import static org.awaitility.Awaitility.await;

import dev.kfp.operator.RealCluster;
import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunSchedule;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.ManualClock;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * RunSchedules end to end on the real kube-apiserver: whole operators in-process (the Run and the RunSchedule
 * controllers), started and stopped at will, two at once if a test asks, against the KFP simulator. Schedules run
 * on a clock of their own that only the test moves ({@link #advance}); the simulator's runs, on another, advance
 * only through {@link #finishRuns()} and {@link #startRuns()}.
 */
final class ScheduleFixture implements AutoCloseable {

  static final String NAMESPACE = "team-a";
  static final Timing TIMING = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
  private static final Duration KFP_TIMEOUT = Duration.ofSeconds(2);

  /** The schedule clock: thread-safe, moved by the test. */
  private final ManualClock scheduleTime;
  private final ManualClock kfpTime = new ManualClock();
  private final LocalKubernetes kubernetes;
  private final KfpSimulator kfp;
  private final PipelineVersion pipeline;
  private final List<Instance> instances = new ArrayList<>();
  private final AtomicInteger reconciles = new AtomicInteger();

  /** One operator instance: its own clients, its own JOSDK operator. */
  private record Instance(OperatorWiring.Running operator, KubernetesClient kubernetes) {
    void close() {
      operator.close();
      kubernetes.close();
    }
  }

  ScheduleFixture(Instant start) {
    scheduleTime = new ManualClock(start);
    kfp = KfpSimulator.builder().clock(kfpTime).timing(TIMING).start();
    LocalKubernetes leased;
    try {
      leased = RealCluster.lease();
    } catch (RuntimeException e) {
      kfp.close();
      throw e;
    }
    kubernetes = leased;
    pipeline = kfp.registerPipeline("plain", """
        schemaVersion: 2.1.0
        pipelineInfo: {name: plain}
        root: {dag: {tasks: {}}}
        """);
  }

  /** Starts one more operator instance (no leader election). */
  void startOperator() {
    KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(k8s().getConfiguration()).build()).build();
    Metrics counting = new Metrics() {
      @Override
      public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
        if (resource instanceof RunSchedule) {
          reconciles.incrementAndGet();
        }
      }
    };
    Clock clock = new Clock() {
      @Override
      public Instant instant() {
        return scheduleTime.now();
      }

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("one zone, UTC");
      }
    };
    Map<String, String> env = new HashMap<>();
    env.put(Setting.KFP_ENDPOINT.envName(), kfp.baseUrl().toString());
    env.put(Setting.KFP_TIMEOUT.envName(), KFP_TIMEOUT.toString());
    env.put(Setting.KFP_UI_URL.envName(), "https://kfp.example");
    env.put(Setting.POLL_INTERVAL.envName(), Duration.ofMillis(200).toString());
    env.put(Setting.RESYNC_INTERVAL.envName(), Duration.ofSeconds(2).toString());
    env.put(Setting.MONITORING_PORT.envName(), "0");
    env.put(Setting.LEADER_ELECTION.envName(), "false");
    OperatorWiring.Running operator = OperatorWiring.of(OperatorConfig.load(env, new String[0]), client)
        .exitOnLostLease(false).reconcileListener(counting)
        .scheduleSettings(new ScheduleSettings(clock, Duration.ofMillis(100))).start();
    instances.add(new Instance(operator, client));
  }

  /** Stops every operator instance: the cluster and KFP stay. */
  void stopOperators() {
    instances.forEach(Instance::close);
    instances.clear();
  }

  KubernetesClient k8s() {
    return kubernetes.client();
  }

  KfpSimulator kfp() {
    return kfp;
  }

  Instant now() {
    return scheduleTime.now();
  }

  /** Moves the schedules' clock, then waits until the operators have looked at the schedules twice since. */
  void advance(Duration duration) {
    scheduleTime.advance(duration);
    awaitLooked();
  }

  /** Moves the schedules' clock while no operator runs. */
  void moveClockWhileDown(Duration duration) {
    scheduleTime.advance(duration);
  }

  /** Sets an annotation as {@code kubectl annotate --overwrite} does: a merge patch. */
  void annotate(String name, String key, String value) {
    k8s().resources(RunSchedule.class).inNamespace(NAMESPACE).withName(name).patch(
        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
        Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(key, value)))));
  }

  /** Sets the schedules' clock to {@code instant}, then waits as {@link #advance} does. */
  void advanceTo(Instant instant) {
    scheduleTime.set(instant);
    awaitLooked();
  }

  /** Waits until the running operators have reconciled schedules twice more (they look every 100 ms). */
  void awaitLooked() {
    int before = reconciles.get();
    await().atMost(Duration.ofSeconds(30)).until(() -> reconciles.get() >= before + 2 * Math.max(1, instances.size()));
  }

  /** Moves KFP's clock so that every run created so far is RUNNING. */
  void startRuns() {
    kfpTime.advance(TIMING.pending());
  }

  /** Moves KFP's clock so that every run created so far has finished (succeeded, unless told otherwise). */
  void finishRuns() {
    kfpTime.advance(TIMING.pending().plus(TIMING.running()));
  }

  /** Creates a RunSchedule of the plain pipeline; {@code spec} holds more spec lines (YAML, two-space indent). */
  RunSchedule create(String name, String schedule, String spec) {
    return k8s().resource(Serialization.unmarshal(manifest(name, schedule, spec), RunSchedule.class)).create();
  }

  String manifest(String name, String schedule, String spec) {
    return """
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: RunSchedule
        metadata: {name: %s, namespace: %s}
        spec:
          schedule: "%s"
        %s
          runTemplate:
            metadata: {labels: {team: a}}
            spec:
              pipeline: {versionRef: {pipelineId: %s}}
        """.formatted(name, NAMESPACE, schedule, spec.indent(2).stripTrailing(), pipeline.pipelineId());
  }

  RunSchedule schedule(String name) {
    return k8s().resources(RunSchedule.class).inNamespace(NAMESPACE).withName(name).get();
  }

  /** Changes the schedule as {@code kubectl edit} would: read, change, write, again on a conflict. */
  void edit(String name, Consumer<RunSchedule> change) {
    await().atMost(Duration.ofSeconds(30))
        .ignoreExceptionsMatching(e -> e instanceof KubernetesClientException k && k.getCode() == 409).until(() -> {
          RunSchedule schedule = schedule(name);
          change.accept(schedule);
          k8s().resource(schedule).update();
          return true;
        });
  }

  /** The Runs of a schedule, oldest slot first. */
  List<Run> runs(String schedule) {
    return k8s().resources(Run.class).inNamespace(NAMESPACE).withLabel(RunSchedule.SCHEDULE_LABEL, schedule).list()
        .getItems().stream().sorted(Comparator.comparing(run -> run.getMetadata().getName())).toList();
  }

  /** The slot annotations of a schedule's Runs, oldest first. */
  List<String> slots(String schedule) {
    return runs(schedule).stream().map(run -> run.annotation(RunSchedule.SCHEDULED_TIME_ANNOTATION)).sorted()
        .toList();
  }

  Run awaitRunCount(String schedule, int count) {
    await().atMost(Duration.ofSeconds(30)).until(() -> runs(schedule).size() == count);
    return runs(schedule).get(count - 1);
  }

  /** Events about one schedule, oldest first. */
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
    stopOperators();
    kfp.close();
    kubernetes.close();
  }
}
