package dev.kfp.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.argocd.ArgoCdLua;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/argocd's RunSchedule health check and actions, run under LuaJ as Argo CD 3.x runs scripts from argocd-cm
 * (no string or math library; the clock only through {@code require("os")}); see {@link ArgoCdLua}.
 */
class RunScheduleArgoCdTest {

  private static final Path DIR = ArgoCdLua.DIR.resolveSibling("RunSchedule");
  private static final Path ACTIONS = DIR.resolve("actions");

  static Stream<Arguments> healthCases() {
    List<Arguments> cases = new ArrayList<>();
    for (JsonNode test : ArgoCdLua.read(DIR.resolve("health_test.yaml")).path("tests")) {
      cases.add(Arguments.of(test.path("inputPath").asText(), test.path("healthStatus")));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("healthCases")
  void healthCase(String inputPath, JsonNode expected) {
    JsonNode health = ArgoCdLua.run(DIR.resolve("health.lua"), ArgoCdLua.read(DIR.resolve(inputPath)));
    assertThat(health.path("status").asText()).isEqualTo(expected.path("status").asText());
    assertThat(health.path("message").asText()).isEqualTo(expected.path("message").asText());
  }

  @Test
  void healthCasesCoverSuspendedDegradedAndHealthy() {
    Set<String> statuses = new HashSet<>();
    healthCases().forEach(a -> statuses.add(((JsonNode) a.get()[1]).path("status").asText()));
    assertThat(statuses).containsExactlyInAnyOrder("Healthy", "Suspended", "Degraded");
  }

  @Test
  void theDegradedCaseIsWhatTheOperatorWritesForAScheduleThatNeverComes() {
    String message = ArgoCdLua.read(DIR.resolve("testdata/invalid.yaml")).at("/status/conditions/0/message").asText();
    String schedule = ArgoCdLua.read(DIR.resolve("testdata/invalid.yaml")).at("/spec/schedule").asText();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CronSchedule.parse(schedule, "Europe/Berlin"))
        .hasMessage(message);
  }

  static Stream<Arguments> discoveryCases() {
    return ArgoCdLua.discoveryCases(ACTIONS);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("discoveryCases")
  void discoveryCase(String inputPath, JsonNode expected) {
    ArgoCdLua.assertDiscovery(ACTIONS, inputPath, expected);
  }

  static Stream<Arguments> actionCases() {
    return ArgoCdLua.actionCases(ACTIONS);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("actionCases")
  void actionCase(String action, String inputPath, String expectedOutputPath) {
    ArgoCdLua.assertAction(ACTIONS, action, inputPath, expectedOutputPath);
  }

  @Test
  void runNowSetsATriggerTokenFromArgoCdsClockAndChangesNothingElse() {
    JsonNode live = ArgoCdLua.read(DIR.resolve("testdata/live-scheduled.yaml"));
    DateTimeFormatter token = DateTimeFormatter.ofPattern("'argocd-'yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    String before = token.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));

    JsonNode result = ArgoCdLua.runAction(ACTIONS.resolve("run-now/action.lua"), live);

    String after = token.format(Instant.now());
    String value = result.at("/metadata/annotations/pipelines.kfp.dev~1trigger").asText();
    assertThat(value).matches("argocd-\\d{8}T\\d{6}Z");
    assertThat(value.compareTo(before)).isGreaterThanOrEqualTo(0);
    assertThat(value.compareTo(after)).isLessThanOrEqualTo(0);
    ObjectNode rest = result.deepCopy();
    ((ObjectNode) rest.get("metadata")).remove("annotations");
    assertThat(rest).isEqualTo(live);
  }

  @Test
  void docsCarryTheScriptsUnchanged() throws IOException {
    String docs = Files.readString(Path.of("docs", "using", "argocd.md"));
    for (Path script : List.of(DIR.resolve("health.lua"), ACTIONS.resolve("discovery.lua"),
        ACTIONS.resolve("run-now/action.lua"), ACTIONS.resolve("suspend/action.lua"),
        ACTIONS.resolve("resume/action.lua"))) {
      for (String line : Files.readAllLines(script)) {
        assertThat(docs).as("docs/using/argocd.md has " + script + " as it is").contains(line);
      }
    }
  }
}
