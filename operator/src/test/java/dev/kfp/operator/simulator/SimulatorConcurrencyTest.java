package dev.kfp.operator.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Many parallel callers: every create is stored exactly once, reads stay consistent. */
class SimulatorConcurrencyTest {

  @Test
  void parallelCreatesAndReadsAreAllServed() throws Exception {
    ManualClock clock = new ManualClock();
    try (KfpSimulator simulator = KfpSimulator.builder().clock(clock).threads(16).start()) {
      String body = SimulatorFixture.runOf("parallel",
          simulator.registerPipeline("demo", DemoPipeline.yaml()).pipelineId(), "");
      ExecutorService callers = Executors.newFixedThreadPool(24);
      try {
        List<Future<Integer>> replies = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          boolean create = i % 3 != 0;
          replies.add(callers.submit(() -> {
            SimulatorHttp http = new SimulatorHttp(simulator);
            return create ? http.post("/apis/v2beta1/runs", body).status()
                : http.get("/apis/v2beta1/runs?page_size=5").status();
          }));
        }
        for (Future<Integer> reply : replies) {
          assertThat(reply.get()).isEqualTo(200);
        }
      } finally {
        callers.shutdownNow();
      }
      assertThat(simulator.runCount()).isEqualTo(200);
      assertThat(simulator.runs()).extracting(RunSnapshot::runId).doesNotHaveDuplicates();
      assertThat(simulator.calls().count(Endpoint.CREATE_RUN)).isEqualTo(200);
    }
  }
}
