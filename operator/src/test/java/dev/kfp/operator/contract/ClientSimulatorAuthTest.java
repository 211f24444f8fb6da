package dev.kfp.operator.contract;

import static dev.kfp.operator.contract.KfpFailures.assertPermanent;
import static dev.kfp.operator.contract.KfpFailures.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Multi-user mode: the client's bearer token decides what it may do. The client holds team A's token; an
 * admin client (allowed everywhere) sets up runs in team B.
 */
class ClientSimulatorAuthTest {

  private ClientSimulatorHarness kfp;
  private String teamA;
  private String teamB;
  private HttpKfpClient admin;

  @BeforeEach
  void start() {
    kfp = ClientSimulatorHarness.start(
        simulator -> simulator.token("team-a-token", "team-a").token("admin-token", "*"),
        client -> client.bearerToken("team-a-token"));
    teamA = kfp.simulator.registerExperiment("a", "team-a").experimentId();
    teamB = kfp.simulator.registerExperiment("b", "team-b").experimentId();
    admin = kfp.anotherClient(client -> client.bearerToken("admin-token"));
  }

  @AfterEach
  void stop() {
    kfp.close();
  }

  private KfpRun runIn(String experimentId) {
    return kfp.runOfDemo("nightly").experimentId(experimentId).build();
  }

  @Test
  void aTokenActsInItsOwnNamespace() {
    String id = kfp.client.createRun(runIn(teamA)).runId();

    assertThat(kfp.client.getRun(id).experimentId()).isEqualTo(teamA);
    assertThat(kfp.client.listRuns(ListRunsRequest.all().withNamespace("team-a")).runs())
        .extracting(KfpRun::runId).containsExactly(id);
  }

  @Test
  void aWrongTokenIsAPermanent401() {
    HttpKfpClient stranger = kfp.anotherClient(client -> client.bearerToken("not-a-token"));

    KfpException create = failureOf(() -> stranger.createRun(runIn(teamA)));
    KfpException list = failureOf(() -> stranger.listRuns(ListRunsRequest.all().withNamespace("team-a")));

    for (KfpException failure : new KfpException[] {create, list}) {
      assertThat(failure.httpStatus()).isEqualTo(401);
      assertThat(failure.kfpCode()).isEqualTo(16);
      assertThat(failure.isUnauthorized()).isTrue();
      assertPermanent(failure);
    }
    assertThat(kfp.simulator.runCount()).isZero();
  }

  @Test
  void noTokenAtAllIsA401() {
    HttpKfpClient anonymous = kfp.anotherClient(client -> client);

    assertThat(failureOf(() -> anonymous.createRun(runIn(teamA))).httpStatus()).isEqualTo(401);
  }

  @Test
  void aTokenForAnotherNamespaceIsAPermanent403() {
    String teamBRun = admin.createRun(runIn(teamB)).runId();

    KfpException create = failureOf(() -> kfp.client.createRun(runIn(teamB)));
    KfpException get = failureOf(() -> kfp.client.getRun(teamBRun));
    KfpException terminate = failureOf(() -> kfp.client.terminateRun(teamBRun));
    KfpException list = failureOf(() -> kfp.client.listRuns(ListRunsRequest.all().withNamespace("team-b")));

    for (KfpException failure : new KfpException[] {create, get, terminate, list}) {
      assertThat(failure.httpStatus()).isEqualTo(403);
      assertThat(failure.kfpCode()).isEqualTo(7);
      assertThat(failure.isUnauthorized()).isTrue();
      assertPermanent(failure);
    }
    assertThat(kfp.simulator.runCount()).isEqualTo(1);
  }

  @Test
  void anUnknownRunIsNotFoundBeforeAnyAuthCheck() {
    HttpKfpClient stranger = kfp.anotherClient(client -> client.bearerToken("not-a-token"));

    assertThat(failureOf(() -> stranger.getRun("no-such-run")).httpStatus()).isEqualTo(404);
  }
}
