package dev.kfp.operator.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.reconciler.OperatorHarness;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.Timing;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs whose inline pipeline spec is close to 1 MiB (issue 11): each listed run carries its spec, so 20 of them
 * are more than one answer may hold (16 MiB). The sync asks only for runs that changed, splits what is still
 * too large, and a list that fails shows on every Run it covered.
 */
@MockApiTier
class BulkSyncUnderSizeTest {

  private static final int RUNS = 20;
  private static final int SPEC_KIB = 900;
  /**
   * The poll interval, and what it leaves for reading and writing. A run is listed every third of an interval while it
   * is younger than 3 intervals and every half interval after that (PollSchedule), so a change waits that
   * long for its list at most; what is left of the interval is for reading the changed runs (here 18 MiB, two
   * lists of 8 MiB and one of 2) and writing 20 Runs of 900 KiB, watch events included. That took 1 to 5 s on
   * this 2-core machine at load averages of 7 to 11, so the interval is 20 s by default: half of it, 10 s,
   * covers the young runs this test changes. {@code -Dsize.poll=4s} runs it at a shorter interval
   * (docs/operating/reliability.md): the promise of one interval holds only while the changes can be moved in what the schedule
   * leaves of it.
   */
  private static final Duration POLL = OperatorConfig.parseDuration("size.poll",
      System.getProperty("size.poll", "20s"));
  private static final Timing TIMING = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(600),
      Duration.ofSeconds(2));
  private OperatorHarness harness;
  private List<String> names;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(false, POLL, simulator -> simulator.timing(TIMING));
    names = IntStream.range(0, RUNS).mapToObj(i -> String.format("big-%02d", i)).toList();
    String padding = "x".repeat(SPEC_KIB * 1024);
    names.forEach(name -> harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s}
        spec:
          pipeline:
            spec:
              schemaVersion: 2.1.0
              pipelineInfo: {name: big, description: %s}
              root: {dag: {tasks: {}}}
        """.formatted(name, padding)));
    names.forEach(name -> harness.awaitState(name, "PENDING"));
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private BulkStatusPoller poller() {
    return harness.operator().statusSync().orElseThrow();
  }

  private List<Run> runs() {
    return names.stream().map(harness::get).toList();
  }

  @Test
  void everyStatusFollowsKfpWithinOnePollIntervalAndQuietPollsAnswerEmptyPages() {
    long quietBytesBefore = harness.kfp().calls().bytesSent();
    long quietTicksBefore = poller().ticks();
    await().atMost(Duration.ofSeconds(60)).until(() -> poller().ticks() >= quietTicksBefore + 3);
    long quietBytes = harness.kfp().calls().bytesSent() - quietBytesBefore;
    long quietTicks = poller().ticks() - quietTicksBefore;

    Map<String, Instant> seenRunning = new ConcurrentHashMap<>();
    long listsBefore = poller().lists();
    long getsBefore = harness.kfp().calls().count(Endpoint.GET_RUN);
    try (Watch watch = harness.k8s().resources(Run.class).inNamespace(OperatorHarness.NAMESPACE).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Run run) {
        if (run.getStatus() != null && "RUNNING".equals(run.getStatus().getState())) {
          seenRunning.putIfAbsent(run.getMetadata().getName(), Instant.now());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      // The simulator's runs all leave PENDING at this instant: the manual clock passes their pending time.
      Instant changed = Instant.now();
      harness.clock().advance(TIMING.pending());
      await().atMost(Duration.ofSeconds(60)).until(() -> seenRunning.size() == RUNS);
      List<Duration> lags = names.stream().map(name -> Duration.between(changed, seenRunning.get(name))).sorted()
          .toList();

      System.out.printf("900 KiB specs: %d Runs; quiet: %d bytes from KFP in %d ticks; PENDING -> RUNNING shown "
              + "after %.2f s (first), %.2f s (median), %.2f s (last), poll interval %.0f s; %d lists, %d GETs; "
              + "load average %s%n",
          RUNS, quietBytes, quietTicks, seconds(lags.get(0)), seconds(lags.get(RUNS / 2)),
          seconds(lags.get(RUNS - 1)), seconds(POLL), poller().lists() - listsBefore,
          harness.kfp().calls().count(Endpoint.GET_RUN) - getsBefore, loadAverage());
      assertThat(lags.get(RUNS - 1)).as("from the change in KFP to the last status showing it")
          .isLessThanOrEqualTo(POLL);
    }
    assertThat(runs()).allSatisfy(run -> assertThat(run.getStatus().isTrue(RunConditions.SYNCED)).isTrue());
    assertThat(harness.kfp().calls().count(Endpoint.GET_RUN) - getsBefore)
        .as("GETs: the lists' runs reach the reconciles").isZero();
    // Every tick of this harness is also a resync (2 s), which counts the runs with a page of one run.
    assertThat(quietBytes / quietTicks).as("bytes per quiet tick; a full list would be 18 MiB")
        .isLessThan(2 * SPEC_KIB * 1024);
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Test
  void aFailedListShowsSyncedFalseWithTheReasonOnEveryRunItCovered() {
    harness.kfp().faults().inject(Fault.status(500).on(Endpoint.LIST_RUNS, Endpoint.GET_RUN));

    await().atMost(Duration.ofSeconds(60)).until(() -> runs().stream().allMatch(run -> run.getStatus()
        .condition(RunConditions.SYNCED).map(c -> "False".equals(c.getStatus())).orElse(false)));
    Condition synced = runs().get(0).getStatus().condition(RunConditions.SYNCED).orElseThrow();
    harness.kfp().faults().clear();
    await().atMost(Duration.ofSeconds(60)).until(() -> runs().stream()
        .allMatch(run -> run.getStatus().isTrue(RunConditions.SYNCED)));

    System.out.printf("900 KiB specs, lists and GETs answered 500: all %d Runs Synced=False/%s (\"%s\"), state %s kept; "
        + "Synced=True again once KFP answers%n", RUNS, synced.getReason(), synced.getMessage(),
        runs().get(0).getStatus().getState());
    assertThat(synced.getReason()).isEqualTo(RunConditions.REASON_KFP_UNREACHABLE);
    assertThat(synced.getMessage()).contains("HTTP 500");
    assertThat(runs()).allSatisfy(run -> assertThat(run.getStatus().getState()).isEqualTo("PENDING"));
  }
}
