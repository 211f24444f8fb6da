package dev.kfp.operator.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.OperatorProcess;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Experiment;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Run in namespace team-a cannot start a run in namespace team-b by naming team-b's experiment, with one
 * operator token (token mode) or with each namespace's own identity (namespace-identity mode); and no token
 * ever shows up in a log line, an event or a status.
 */
@MockApiTier
class TenancyTest {

  private static final String OPERATOR_TOKEN = "operator-token-3b9f27c1";
  private static final String TEAM_A_TOKEN = "team-a-token-5d01e8aa";
  private static final String TEAM_B_TOKEN = "team-b-token-77c2f4e0";

  private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  private PrintStream originalErr;
  private OperatorProcess operator;

  @BeforeEach
  void captureLogs() {
    originalErr = System.err;
    System.setErr(new PrintStream(new TeeStream(originalErr, logs), true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
    System.setErr(originalErr);
  }

  @Test
  void tokenModeRefusesAnExperimentOfAnotherNamespaceAndNeverLogsTheToken(@TempDir Path dir) throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token"), OPERATOR_TOKEN);
    operator = OperatorProcess.start(Map.of(Setting.KFP_AUTH.envName(), "token",
            Setting.KFP_TOKEN_FILE.envName(), tokenFile.toString()),
        kfp -> kfp.token(OPERATOR_TOKEN, "*").token(TEAM_B_TOKEN, "team-b"), kubernetes -> { });

    assertCrossNamespaceRunIsRefusedAndOwnNamespaceRunWorks(Set.of(RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE));
    assertNoSecretIn(OPERATOR_TOKEN);
  }

  @Test
  void namespaceIdentityModeActsAsTheRunsNamespaceAndNeverLogsItsTokens() throws Exception {
    operator = OperatorProcess.start(Map.of(Setting.KFP_AUTH.envName(), "namespace-identity"),
        kfp -> kfp.token(TEAM_A_TOKEN, OperatorProcess.NAMESPACE).token(TEAM_B_TOKEN, "team-b"),
        kubernetes -> kubernetes.server().expect().post()
            .withPath("/api/v1/namespaces/team-a/serviceaccounts/default-editor/token")
            .andReturn(201, new TokenRequestBuilder().withNewStatus().withToken(TEAM_A_TOKEN)
                .withExpirationTimestamp(Instant.now().plus(10, ChronoUnit.MINUTES).toString()).endStatus().build())
            .always());

    // With team-a's own identity, KFP itself refuses to show team-b's experiment (403), or the operator's
    // check does; either way the condition says why and nothing is created.
    assertCrossNamespaceRunIsRefusedAndOwnNamespaceRunWorks(
        Set.of(RunConditions.REASON_EXPERIMENT_NOT_IN_NAMESPACE, RunConditions.REASON_UNAUTHORIZED));
    assertNoSecretIn(TEAM_A_TOKEN);
  }

  private void assertCrossNamespaceRunIsRefusedAndOwnNamespaceRunWorks(Set<String> refusalReasons) {
    Experiment teamA = operator.kfp.registerExperiment("team-a experiments", OperatorProcess.NAMESPACE);
    Experiment teamB = operator.kfp.registerExperiment("team-b experiments", "team-b");

    operator.apply(operator.runManifest("reach-into-b", "experimentId: " + teamB.experimentId()));
    Run refused = operator.awaitRun("reach-into-b", run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED).isPresent());
    Condition submitted = refused.getStatus().condition(RunConditions.SUBMITTED).orElseThrow();
    assertThat(submitted.getStatus()).isEqualTo("False");
    assertThat(submitted.getReason()).isIn(refusalReasons);
    assertThat(submitted.getMessage()).containsAnyOf("belongs to namespace team-b", "HTTP 403");
    assertThat(operator.kfp.runs()).isEmpty();
    assertThat(operator.kfp.calls().count(Endpoint.CREATE_RUN)).isZero();

    operator.apply(operator.runManifest("stay-in-a", "experimentId: " + teamA.experimentId()));
    Run created = operator.awaitState("stay-in-a", "PENDING");
    assertThat(operator.kfp.runs()).singleElement()
        .satisfies(run -> assertThat(run.namespace()).isEqualTo(OperatorProcess.NAMESPACE));
    assertThat(created.getStatus().isTrue(RunConditions.SUBMITTED)).isTrue();
  }

  private void assertNoSecretIn(String token) {
    String everything = logs.toString(StandardCharsets.UTF_8)
        + Serialization.asJson(operator.k8s().v1().events().inAnyNamespace().list())
        + Serialization.asJson(operator.k8s().resources(Run.class).inAnyNamespace().list());
    assertThat(logs.size()).as("the operator logged something to check").isPositive();
    assertThat(everything).doesNotContain(token);
  }

  /** Writes to the console as usual and keeps a copy. */
  private static final class TeeStream extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    TeeStream(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws java.io.IOException {
      first.write(b);
      synchronized (second) {
        second.write(b);
      }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
      first.write(bytes, offset, length);
      synchronized (second) {
        second.write(bytes, offset, length);
      }
    }
  }
}
