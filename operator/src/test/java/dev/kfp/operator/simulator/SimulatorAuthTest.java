package dev.kfp.operator.simulator;

import static dev.kfp.operator.simulator.SimulatorHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Multi-user mode: bearer tokens, namespace rights, and KFP's lookup order (404 before 401). */
class SimulatorAuthTest {

  private KfpSimulator simulator;
  private PipelineVersion demo;
  private Experiment teamA;
  private Experiment teamB;

  @BeforeEach
  void start() {
    simulator = KfpSimulator.builder().clock(new ManualClock())
        .token("token-a", "team-a")
        .token("token-admin", "*")
        .start();
    demo = simulator.registerPipeline("demo", DemoPipeline.yaml());
    teamA = simulator.registerExperiment("a", "team-a");
    teamB = simulator.registerExperiment("b", "team-b");
  }

  @AfterEach
  void stop() {
    simulator.close();
  }

  private SimulatorHttp as(String token) {
    return new SimulatorHttp(simulator).withToken(token);
  }

  private String body(Experiment experiment) {
    return SimulatorFixture.runOf("r", demo.pipelineId(), "\"experiment_id\":\"" + experiment.experimentId() + "\"");
  }

  @Test
  void createWithARightfulTokenWorksAndUsesTheMultiUserServiceAccount() {
    var reply = as("token-a").post("/apis/v2beta1/runs", body(teamA));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("service_account").asText()).isEqualTo("default-editor");
    assertThat(new SimulatorHttp(simulator).get("/apis/v2beta1/healthz").body().get("multi_user").asBoolean())
        .isTrue();
  }

  @Test
  void missingOrUnknownTokenIs401WithWwwAuthenticate() {
    var anonymous = new SimulatorHttp(simulator).post("/apis/v2beta1/runs", body(teamA));
    var unknown = as("stolen").post("/apis/v2beta1/runs", body(teamA));

    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.code()).isEqualTo(16);
    assertThat(anonymous.raw().headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(anonymous.shortMessage()).contains("User identity is empty");
    assertThat(unknown.status()).isEqualTo(401);
  }

  @Test
  void tokenWithoutRightsInTheExperimentsNamespaceIs403() {
    var reply = as("token-a").post("/apis/v2beta1/runs", body(teamB));

    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.code()).isEqualTo(7);
    assertThat(reply.shortMessage()).contains("team-b").contains("create");
    assertThat(simulator.runCount()).isZero();
  }

  @Test
  void createNeedsAnExperimentAndValidatesItBeforeAuth() {
    var noExperiment = new SimulatorHttp(simulator).post("/apis/v2beta1/runs",
        SimulatorFixture.runOf("r", demo.pipelineId(), ""));
    var unknownExperiment = new SimulatorHttp(simulator).post("/apis/v2beta1/runs",
        SimulatorFixture.runOf("r", demo.pipelineId(), "\"experiment_id\":\"nope\""));

    assertThat(noExperiment.status()).isEqualTo(400);
    assertThat(noExperiment.shortMessage()).isEqualTo("Experiment id can not be empty in multi-user mode");
    assertThat(unknownExperiment.status()).isEqualTo(404);
  }

  @Test
  void perRunCallsLookTheRunUpBeforeAuthenticating() {
    String id = as("token-admin").post("/apis/v2beta1/runs", body(teamB)).body().get("run_id").asText();
    SimulatorHttp anonymous = new SimulatorHttp(simulator);

    assertThat(anonymous.get("/apis/v2beta1/runs/nope").status()).isEqualTo(404);
    assertThat(anonymous.get("/apis/v2beta1/runs/" + id).status()).isEqualTo(401);
    assertThat(as("token-a").get("/apis/v2beta1/runs/" + id).status()).isEqualTo(403);
    assertThat(as("token-a").post("/apis/v2beta1/runs/" + id + ":terminate", null).status()).isEqualTo(403);
    assertThat(as("token-a").delete("/apis/v2beta1/runs/" + id).status()).isEqualTo(403);
    assertThat(as("token-admin").get("/apis/v2beta1/runs/" + id).status()).isEqualTo(200);
    assertThat(simulator.runCount()).isEqualTo(1);
  }

  @Test
  void listNeedsANamespaceOrExperimentAndRightsThere() {
    as("token-a").post("/apis/v2beta1/runs", body(teamA));
    as("token-admin").post("/apis/v2beta1/runs", body(teamB));

    var noScope = as("token-a").get("/apis/v2beta1/runs");
    var ownNamespace = as("token-a").get("/apis/v2beta1/runs?" + query("namespace", "team-a"));
    var otherNamespace = as("token-a").get("/apis/v2beta1/runs?" + query("namespace", "team-b"));
    var otherExperiment = as("token-a").get("/apis/v2beta1/runs?" + query("experiment_id", teamB.experimentId())
        + "&" + query("namespace", "team-a"));

    assertThat(noScope.status()).isEqualTo(400);
    assertThat(noScope.shortMessage()).contains("empty namespace in multi-user mode");
    assertThat(ownNamespace.status()).isEqualTo(200);
    assertThat(ownNamespace.body().get("total_size").asInt()).isEqualTo(1);
    assertThat(otherNamespace.status()).isEqualTo(403);
    assertThat(otherExperiment.status()).isEqualTo(403);
  }

  @Test
  void experimentLookupIsAuthorizedToo() {
    assertThat(as("token-a").get("/apis/v2beta1/experiments/" + teamA.experimentId()).status()).isEqualTo(200);
    assertThat(as("token-a").get("/apis/v2beta1/experiments/" + teamB.experimentId()).status()).isEqualTo(403);
  }
}
