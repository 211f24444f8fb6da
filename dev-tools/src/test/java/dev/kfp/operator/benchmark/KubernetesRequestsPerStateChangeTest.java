package dev.kfp.operator.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.OperatorWiring;
import dev.kfp.operator.sandbox.SandboxKfp;
import dev.kfp.operator.simulator.Timing;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a state change costs on the Kubernetes side in bulk sync, in the benchmark's own setting (embedded API
 * server, simulator on the system clock): the status write and the event, nothing else; the run comes from
 * the poller's list, so no GET of the Run either. With 1,000 Runs the benchmark's lag tail is the writing of
 * these on two shared cores (docs/developing/benchmark.md); a third request per change would show here first.
 */
@MockApiTier
class KubernetesRequestsPerStateChangeTest {

  private static final int RUNS = 20;

  @Test
  void aStateChangeIsOneStatusPatchAndOneEvent() throws Exception {
    BenchmarkOptions options = BenchmarkOptions.parse(new String[] {"--runs", "" + RUNS, "--interval", "1s"});
    // Long enough a PENDING for every Run to be submitted, and its writes done, before the first one moves.
    Timing timing = new Timing(Duration.ofSeconds(10), Duration.ofMinutes(10), Duration.ofSeconds(1));
    try (BenchmarkEnvironment env = new BenchmarkEnvironment(timing, Duration.ofSeconds(1), 1,
            SandboxKfp.Choice.SIMULATOR, null);
        StatusWatch watch = new StatusWatch(env.k8s(), BenchmarkEnvironment.NAMESPACE);
        OperatorWiring.Running operator = ModeBenchmark.startOperator(env, options, false)) {
      ModeBenchmark.createRuns(env, RUNS, 4);
      ModeBenchmark.await(() -> watch.submittedCount() >= RUNS, Duration.ofMinutes(1), "all Runs submitted");
      ModeBenchmark.await(() -> watch.count("PENDING") >= RUNS, Duration.ofMinutes(1), "all Runs PENDING");
      drainUntilQuiet(env);

      ModeBenchmark.await(() -> watch.count("RUNNING") >= RUNS, Duration.ofMinutes(1), "all Runs RUNNING");
      Map<String, Integer> requests = new TreeMap<>();
      for (RecordedRequest request : drainUntilQuiet(env)) {
        String path = request.getPath().replaceAll("bench-\\d+", "NAME").replaceAll("\\?.*", "");
        requests.merge(request.getMethod() + " " + path, 1, Integer::sum);
      }
      System.out.printf("Kubernetes requests while %d Runs went PENDING -> RUNNING: %s%n", RUNS, requests);
      assertThat(requests).containsExactlyInAnyOrderEntriesOf(Map.of(
          "PATCH /apis/pipelines.kfp.dev/v1alpha1/namespaces/bench/runs/NAME/status", RUNS,
          "POST /api/v1/namespaces/bench/events", RUNS));
    }
  }

  /** The requests the server recorded, taken until none came for a second (the last event writes included). */
  private static List<RecordedRequest> drainUntilQuiet(BenchmarkEnvironment env) throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    RecordedRequest request;
    while ((request = env.kubernetes.server().takeRequest(1, TimeUnit.SECONDS)) != null) {
      requests.add(request);
    }
    return requests;
  }
}
