package dev.kfp.operator.contract;

import static dev.kfp.operator.contract.ClientSimulatorHarness.CLIENT_TIMEOUT;
import static dev.kfp.operator.contract.KfpFailures.assertPermanent;
import static dev.kfp.operator.contract.KfpFailures.assertRetryable;
import static dev.kfp.operator.contract.KfpFailures.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.RunFilter;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.simulator.Outage;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the client classifies failures the simulator injects: overload, outages, timeouts and lost connections
 * are worth retrying; client mistakes are not; a create whose response was lost may have created the run.
 */
class ClientSimulatorFaultsTest {

  /** Beyond the client's read timeout, so a delayed call times out on the client's side. */
  private static final Duration TOO_SLOW = CLIENT_TIMEOUT.multipliedBy(2);

  private ClientSimulatorHarness kfp;
  private String runId;

  @BeforeEach
  void start() {
    kfp = ClientSimulatorHarness.start();
    runId = kfp.createDemoRun("existing");
  }

  @AfterEach
  void stop() {
    kfp.close();
  }

  private void inject(Fault fault) {
    kfp.simulator.faults().inject(fault);
  }

  @Test
  void unavailableIsRetryableAndTheNextCallSucceeds() {
    inject(Fault.status(503).on(Endpoint.GET_RUN).times(1));

    KfpException failure = failureOf(() -> kfp.client.getRun(runId));

    assertThat(failure.httpStatus()).isEqualTo(503);
    assertThat(failure.kfpCode()).isEqualTo(14);
    assertRetryable(failure);
    assertThat(failure.isAmbiguous()).isFalse();
    assertThat(kfp.client.getRun(runId).runId()).isEqualTo(runId);
  }

  @Test
  void anOutageIsRetryableForEveryCall() {
    kfp.simulator.faults().startOutage(Outage.UNAVAILABLE);

    assertRetryable(failureOf(() -> kfp.client.listRuns(ListRunsRequest.all())));
    assertRetryable(failureOf(() -> kfp.client.archiveRun(runId)));
    assertRetryable(failureOf(() -> kfp.client.createRun(kfp.runOfDemo("during outage").build())));
  }

  @Test
  void tooManyRequestsIsRetryableAfterTheTimeTheServerAsksFor() {
    inject(Fault.tooManyRequests(Duration.ofSeconds(7)).on(Endpoint.LIST_RUNS).times(1));

    KfpException failure = failureOf(() -> kfp.client.listRuns(ListRunsRequest.all()));

    assertThat(failure.httpStatus()).isEqualTo(429);
    assertThat(failure.kfpCode()).isEqualTo(8);
    assertRetryable(failure);
    assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
  }

  @Test
  void aReadTimeoutIsRetryable() {
    inject(Fault.latency(TOO_SLOW).on(Endpoint.GET_RUN).times(1));

    KfpException failure = failureOf(() -> kfp.client.getRun(runId));

    assertThat(failure.httpStatus()).isZero();
    assertThat(failure).hasCauseInstanceOf(SocketTimeoutException.class);
    assertRetryable(failure);
    assertThat(failure.isAmbiguous()).isFalse();
  }

  @Test
  void aCreateThatTimesOutIsAmbiguousBecauseKfpMayStillCreateTheRun() {
    inject(Fault.latency(TOO_SLOW).on(Endpoint.CREATE_RUN).times(1));

    KfpException failure = failureOf(() -> kfp.client.createRun(kfp.runOfDemo("slow").build()));

    assertRetryable(failure);
    assertThat(failure.isAmbiguous()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> kfp.simulator.runCount() == 2);
  }

  @Test
  void aDroppedConnectionIsRetryableAndAmbiguousForAnAction() {
    inject(Fault.connectionDrop().on(Endpoint.GET_RUN, Endpoint.TERMINATE_RUN).times(2));

    KfpException get = failureOf(() -> kfp.client.getRun(runId));
    KfpException terminate = failureOf(() -> kfp.client.terminateRun(runId));

    assertThat(get.httpStatus()).isZero();
    assertRetryable(get);
    assertThat(get.isAmbiguous()).isFalse();
    assertRetryable(terminate);
    assertThat(terminate.isAmbiguous()).isTrue();
  }

  /**
   * A client with no pooled connection: on a pooled one the create would already be on its way when the
   * closed socket shows, which is ambiguous (see {@link #aPooledConnectionClosedByTheServerMakesACreateAmbiguous}).
   */
  @Test
  void aRefusedConnectionIsRetryableAndCertainlyCreatedNothing() {
    HttpKfpClient fresh = kfp.anotherClient(client -> client);
    kfp.simulator.faults().startOutage(Outage.REFUSE_CONNECTIONS);

    KfpException failure = failureOf(() -> fresh.createRun(kfp.runOfDemo("refused").build()));

    assertThat(failure).hasCauseInstanceOf(ConnectException.class);

    assertRetryable(failure);
    assertThat(failure.isAmbiguous()).isFalse();
    assertThat(kfp.simulator.runCount()).isEqualTo(1);
  }

  @Test
  void aPooledConnectionClosedByTheServerMakesACreateAmbiguous() {
    kfp.simulator.faults().startOutage(Outage.REFUSE_CONNECTIONS);

    KfpException failure = failureOf(() -> kfp.client.createRun(kfp.runOfDemo("maybe").build()));

    assertRetryable(failure);
    assertThat(failure.isAmbiguous()).isTrue();
  }

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {400, 403, 404})
  void clientMistakesArePermanentForReadsActionsAndCreates(int status) {
    inject(Fault.status(status).on(Endpoint.GET_RUN, Endpoint.RETRY_RUN, Endpoint.CREATE_RUN));

    KfpException get = failureOf(() -> kfp.client.getRun(runId));
    KfpException retry = failureOf(() -> kfp.client.retryRun(runId));
    KfpException create = failureOf(() -> kfp.client.createRun(kfp.runOfDemo("refused").build()));

    for (KfpException failure : new KfpException[] {get, retry, create}) {
      assertThat(failure.httpStatus()).isEqualTo(status);
      assertPermanent(failure);
    }
  }

  @Test
  void aCreateCommittedThenDroppedIsAmbiguousAndTheRunExistsOnce() {
    inject(Fault.commitThenDrop().times(1));
    KfpRun run = kfp.runOfDemo("nightly").description("kfp-run-operator uid=2c0f").build();

    KfpException failure = failureOf(() -> kfp.client.createRun(run));

    assertThat(failure.httpStatus()).isZero();
    assertThat(failure.isAmbiguous()).isTrue();
    assertRetryable(failure);
    assertThat(kfp.client.listRuns(ListRunsRequest.all()
        .withFilter(RunFilter.builder().substring("description", "uid=2c0f").build())).runs())
        .singleElement().extracting(KfpRun::displayName).isEqualTo("nightly");
    assertThat(kfp.simulator.runCount()).isEqualTo(2);
  }
}
