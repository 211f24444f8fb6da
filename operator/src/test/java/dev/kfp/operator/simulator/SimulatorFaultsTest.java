package dev.kfp.operator.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Injected faults and outages, and the call counters that see them. */
class SimulatorFaultsTest {

  private KfpSimulator simulator;
  private SimulatorHttp http;
  private String createBody;
  private String pipelineId;

  @BeforeEach
  void start() {
    simulator = KfpSimulator.builder().clock(new ManualClock()).start();
    http = new SimulatorHttp(simulator);
    pipelineId = simulator.registerPipeline("demo", DemoPipeline.yaml()).pipelineId();
    createBody = SimulatorFixture.runOf("r", pipelineId, "");
  }

  @AfterEach
  void stop() {
    simulator.close();
  }

  @Test
  void statusFaultForTheNextTwoCreatesThenNormalService() {
    simulator.faults().inject(Fault.status(503).on(Endpoint.CREATE_RUN).times(2));

    var first = http.post("/apis/v2beta1/runs", createBody);
    var list = http.get("/apis/v2beta1/runs");
    var second = http.post("/apis/v2beta1/runs", createBody);
    var third = http.post("/apis/v2beta1/runs", createBody);

    assertThat(first.status()).isEqualTo(503);
    assertThat(first.code()).isEqualTo(14);
    assertThat(list.status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(503);
    assertThat(third.status()).isEqualTo(200);
    assertThat(simulator.runCount()).isEqualTo(1);
  }

  @Test
  void tooManyRequestsCarriesRetryAfter() {
    simulator.faults().inject(Fault.tooManyRequests(Duration.ofSeconds(7)).times(1));

    var reply = http.get("/apis/v2beta1/runs");

    assertThat(reply.status()).isEqualTo(429);
    assertThat(reply.code()).isEqualTo(8);
    assertThat(reply.raw().headers().firstValue("Retry-After")).hasValue("7");
  }

  @Test
  void internalErrorFault() {
    simulator.faults().inject(Fault.status(500).on(Endpoint.GET_RUN));

    assertThat(http.get("/apis/v2beta1/runs/any").status()).isEqualTo(500);
    assertThat(http.get("/apis/v2beta1/runs").status()).isEqualTo(200);
  }

  @Test
  void fractionHitsRoughlyThatShareOfCalls() {
    simulator.faults().seed(42).inject(Fault.status(500).fraction(0.3));

    int failures = 0;
    for (int i = 0; i < 200; i++) {
      if (http.get("/apis/v2beta1/runs").status() == 500) {
        failures++;
      }
    }

    assertThat(failures).isBetween(35, 85);
  }

  @Test
  void latencyDelaysTheResponse() {
    simulator.faults().inject(Fault.latency(Duration.ofMillis(300)).times(1));

    long start = System.nanoTime();
    var reply = http.get("/apis/v2beta1/runs");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void connectionDropGivesTheClientNoResponse() {
    simulator.faults().inject(Fault.connectionDrop().on(Endpoint.CREATE_RUN).times(1));

    assertThatThrownBy(() -> http.send("POST", "/apis/v2beta1/runs", createBody)).isInstanceOf(IOException.class);
    assertThat(simulator.runCount()).isZero();
    assertThat(http.post("/apis/v2beta1/runs", createBody).status()).isEqualTo(200);
  }

  @Test
  void commitThenDropStoresTheRunButSendsNoResponse() {
    simulator.faults().inject(Fault.commitThenDrop().times(1));

    assertThatThrownBy(() -> http.send("POST", "/apis/v2beta1/runs", createBody)).isInstanceOf(IOException.class);

    assertThat(simulator.runCount()).isEqualTo(1);
    assertThat(http.get("/apis/v2beta1/runs").body().get("total_size").asInt()).isEqualTo(1);
  }

  @Test
  void outageAnswers503UntilSwitchedOff() {
    simulator.faults().startOutage(Outage.UNAVAILABLE);
    var during = http.get("/apis/v2beta1/runs");
    simulator.faults().endOutage();

    assertThat(during.status()).isEqualTo(503);
    assertThat(during.shortMessage()).isEqualTo("Service unavailable");
    assertThat(http.get("/apis/v2beta1/runs").status()).isEqualTo(200);
  }

  @Test
  void outageCanDropConnections() {
    simulator.faults().startOutage(Outage.DROP_CONNECTIONS);

    assertThatThrownBy(() -> http.send("GET", "/apis/v2beta1/runs", null)).isInstanceOf(IOException.class);
    simulator.faults().endOutage();
    assertThat(http.get("/apis/v2beta1/runs").status()).isEqualTo(200);
  }

  @Test
  void outageCanRefuseConnectionsAndTheSamePortComesBack() {
    int port = simulator.port();
    simulator.faults().startOutage(Outage.REFUSE_CONNECTIONS);

    assertThatThrownBy(() -> new SimulatorHttp(simulator).send("GET", "/apis/v2beta1/runs", null))
        .isInstanceOf(IOException.class);
    simulator.faults().endOutage();

    assertThat(simulator.port()).isEqualTo(port);
    assertThat(new SimulatorHttp(simulator).get("/apis/v2beta1/runs").status()).isEqualTo(200);
  }

  @Test
  void clearRemovesEveryFault() {
    simulator.faults().inject(Fault.status(503)).clear();

    assertThat(http.get("/apis/v2beta1/runs").status()).isEqualTo(200);
  }

  @Test
  void countersCountEveryCallPerEndpointIncludingFaultedOnesAndReset() {
    simulator.faults().inject(Fault.status(503).on(Endpoint.LIST_RUNS).times(1));
    http.get("/apis/v2beta1/runs");
    http.get("/apis/v2beta1/runs");
    String id = http.post("/apis/v2beta1/runs", createBody).body().get("run_id").asText();
    http.get("/apis/v2beta1/runs/" + id);
    http.post("/apis/v2beta1/runs/" + id + ":archive", null);
    http.post("/apis/v2beta1/runs/" + id + ":unarchive", null);
    http.post("/apis/v2beta1/runs/" + id + ":terminate", null);
    http.post("/apis/v2beta1/runs/" + id + ":retry", null);
    http.get("/apis/v2beta1/runs/" + id + "/nodes/n/artifacts/main-logs:read");
    http.delete("/apis/v2beta1/runs/" + id);
    http.get("/apis/v2beta1/healthz");
    http.get("/apis/v2beta1/experiments/" + simulator.defaultExperimentId().orElseThrow());
    http.get("/apis/v2beta1/pipelines/names/demo");
    http.get("/apis/v2beta1/pipelines/" + pipelineId + "/versions");

    assertThat(simulator.calls().count(Endpoint.LIST_RUNS)).isEqualTo(2);
    assertThat(simulator.calls().snapshot().keySet())
        .containsExactlyInAnyOrderElementsOf(EnumSet.complementOf(EnumSet.of(Endpoint.UNKNOWN)));
    assertThat(simulator.calls().total()).isEqualTo(14);
    simulator.calls().reset();
    assertThat(simulator.calls().total()).isZero();
  }
}
