package dev.kfp.operator.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.sandbox.SandboxKfp;
import dev.kfp.operator.simulator.Timing;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a state change costs on the Kubernetes side in bulk sync, in the benchmark's own setting (simulator on the
 * system clock, the operator's requests counted on its client): the status write and the event, nothing else;
 * the run comes from the poller's list, so no GET of the Run either. Polls that find nothing changed cost no
 * Kubernetes request at all: no event and no write per poll, so the event volume grows with state changes, not
 * with time or the number of Runs tracked. One subclass per Kubernetes API.
 */
abstract class KubernetesRequestsPerStateChangeTest {

  private static final int RUNS = 20;

  /** A fresh Kubernetes API with the Run CRD; the benchmark's environment owns it. */
  abstract LocalKubernetes kubernetes();

  @Test
  void aStateChangeIsOneStatusPatchAndOneEventAndAQuietPollNothing() throws Exception {
    BenchmarkOptions options = BenchmarkOptions.parse(new String[] {"--runs", "" + RUNS, "--interval", "1s"});
    // Long enough a PENDING for every Run to be submitted, and its writes done, before the first one moves.
    Timing timing = new Timing(Duration.ofSeconds(10), Duration.ofMinutes(10), Duration.ofSeconds(1));
    KubernetesRequests requests = new KubernetesRequests();
    try (BenchmarkEnvironment env = new BenchmarkEnvironment(timing, Duration.ofSeconds(1), 1,
            SandboxKfp.Choice.SIMULATOR, null, kubernetes());
        StatusWatch watch = new StatusWatch(env.k8s(), BenchmarkEnvironment.NAMESPACE);
        OperatorWiring.Running operator = ModeBenchmark.startOperator(env, options, false,
            env.countedClient(requests))) {
      ModeBenchmark.createRuns(env, RUNS, 4);
      ModeBenchmark.await(() -> watch.count("PENDING") >= RUNS, Duration.ofMinutes(1), "all Runs PENDING");
      Map<String, Long> pending = awaitQuiet(requests);

      ModeBenchmark.await(() -> watch.count("RUNNING") >= RUNS, Duration.ofMinutes(1), "all Runs RUNNING");
      Map<String, Long> running = awaitQuiet(requests);
      Map<String, Long> perChange = KubernetesRequests.since(pending, running);
      System.out.printf("Kubernetes requests of the operator while %d Runs went PENDING -> RUNNING: %s%n", RUNS,
          perChange);
      assertThat(perChange).containsExactlyInAnyOrderEntriesOf(Map.of(
          "patch runs/status", (long) RUNS,
          "create events", (long) RUNS));

      // The sync keeps listing the running runs; none of its quiet polls reaches Kubernetes.
      long ticks = operator.operator().statusSync().orElseThrow().ticks();
      long lists = operator.operator().statusSync().orElseThrow().lists();
      await().atMost(Duration.ofSeconds(30)).until(() -> operator.operator().statusSync().orElseThrow().ticks()
          >= ticks + 12 && operator.operator().statusSync().orElseThrow().lists() > lists);
      assertThat(KubernetesRequests.since(running, requests.snapshot())).isEmpty();
    }
  }

  /** The counts once the operator sent nothing for a second (the last event writes included). */
  private static Map<String, Long> awaitQuiet(KubernetesRequests requests) {
    long[] last = {-1, System.nanoTime()};
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      long total = requests.total();
      if (total != last[0]) {
        last[0] = total;
        last[1] = System.nanoTime();
        return false;
      }
      return System.nanoTime() - last[1] >= Duration.ofSeconds(1).toNanos();
    });
    return requests.snapshot();
  }
}
