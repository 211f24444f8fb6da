package dev.kfp.operator.simulator;

import dev.kfp.operator.devtools.SimulatorCommand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The standalone {@code simulator} command: flags, printed ids, and a run created by the printed version. */
class SimulatorCommandTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final SimulatorCommand command = new SimulatorCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8));

  private String printed(String label) {
    Matcher m = Pattern.compile(Pattern.quote(label) + ":\\s+(\\S+)").matcher(out.toString(StandardCharsets.UTF_8));
    assertThat(m.find()).as(label + " in " + out).isTrue();
    return m.group(1);
  }

  @Test
  void startsWithTheDemoPipelineAndRunsFailByName() {
    try (KfpSimulator simulator = command.start(new String[] {"--port", "0", "--pending", "0s",
        "--run-duration", "PT0S", "--fail-when-name-contains", "boom"})) {
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("listening on " + simulator.baseUrl());
      String versionId = printed("demo pipeline version id");
      SimulatorHttp http = new SimulatorHttp(simulator);

      var reply = http.post("/apis/v2beta1/runs", "{\"display_name\":\"boom\",\"pipeline_version_reference\":"
          + "{\"pipeline_version_id\":\"" + versionId + "\"}}");

      assertThat(reply.status()).isEqualTo(200);
      String id = reply.body().get("run_id").asText();
      assertThat(http.get("/apis/v2beta1/runs/" + id).body().get("state").asText()).isEqualTo("FAILED");
      assertThat(printed("experiment 'Default'")).isEqualTo(simulator.defaultExperimentId().orElseThrow());
    }
  }

  @Test
  void authTokensTurnOnMultiUserModeWithAnExperimentPerNamespace() {
    try (KfpSimulator simulator = command.start(new String[] {"--port", "0", "--auth-token", "t1=team-a,team-b"})) {
      assertThat(simulator.multiUser()).isTrue();
      String experiment = printed("experiment in namespace team-b");
      var reply = new SimulatorHttp(simulator).withToken("t1").get("/apis/v2beta1/experiments/" + experiment);
      assertThat(reply.body().get("namespace").asText()).isEqualTo("team-b");
    }
  }

  @Test
  void badArgumentsExitWith2AndUsage() throws Exception {
    assertThat(command.run(new String[] {"--colour", "blue"})).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown flag --colour").contains("usage:");
    assertThatThrownBy(() -> command.start(new String[] {"--pending", "soon"}))
        .hasMessageContaining("--pending wants a duration");
    assertThatThrownBy(() -> command.start(new String[] {"--auth-token", "nonamespaces"}))
        .hasMessageContaining("TOKEN=ns1,ns2");
  }

  @Test
  void durationsComeInShortAndIsoForms() {
    assertThat(SimulatorCommand.parseDuration("--x", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(SimulatorCommand.parseDuration("--x", "2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(SimulatorCommand.parseDuration("--x", "1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(SimulatorCommand.parseDuration("--x", "PT3S")).isEqualTo(Duration.ofSeconds(3));
  }
}
