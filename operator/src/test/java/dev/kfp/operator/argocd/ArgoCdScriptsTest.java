package dev.kfp.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Path;
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
 * Every case of deploy/argocd's health_test.yaml files (Run and RunQueue) and action_test.yaml, run under LuaJ as
 * Argo CD runs them.
 */
class ArgoCdScriptsTest {

  private static final Path ACTIONS = ArgoCdLua.DIR.resolve("actions");

  /** The cases of both health_test.yaml files: the kind (Run or RunQueue), the input, the health expected. */
  static Stream<Arguments> healthCases() {
    List<Arguments> cases = new ArrayList<>();
    for (Path dir : List.of(ArgoCdLua.DIR, ArgoCdLua.QUEUE_DIR)) {
      for (JsonNode test : ArgoCdLua.read(dir.resolve("health_test.yaml")).path("tests")) {
        cases.add(Arguments.of(dir.getFileName().toString(), test.path("inputPath").asText(),
            test.path("healthStatus")));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("healthCases")
  void healthCase(String kind, String inputPath, JsonNode expected) {
    Path dir = ArgoCdLua.DIR.resolveSibling(kind);
    JsonNode health = ArgoCdLua.run(dir.resolve("health.lua"), ArgoCdLua.read(dir.resolve(inputPath)));
    assertThat(health.path("status").asText()).isEqualTo(expected.path("status").asText());
    assertThat(health.path("message").asText()).isEqualTo(expected.path("message").asText());
  }

  @Test
  void healthCasesCoverEveryStateAndEveryHealthStatus() {
    Set<String> states = new HashSet<>();
    Set<String> statuses = new HashSet<>();
    boolean stale = false;
    boolean invalid = false;
    boolean unsubmitted = false;
    boolean optIn = false;
    for (JsonNode test : ArgoCdLua.read(ArgoCdLua.DIR.resolve("health_test.yaml")).path("tests")) {
      JsonNode run = ArgoCdLua.read(ArgoCdLua.DIR.resolve(test.path("inputPath").asText()));
      statuses.add(test.at("/healthStatus/status").asText());
      states.add(run.at("/status/state").asText());
      unsubmitted |= run.path("status").isMissingNode();
      stale |= run.at("/status/observedGeneration").asLong() < run.at("/metadata/generation").asLong();
      invalid |= run.at("/status/conditions").toString().contains("\"InvalidSpec\"");
      optIn |= run.at("/metadata/annotations/pipelines.kfp.dev~1healthy-when-submitted").asText().equals("true");
    }
    assertThat(states).contains("SUCCEEDED", "SKIPPED", "FAILED", "CANCELED", "PENDING", "RUNNING", "CANCELING",
        "PAUSED");
    assertThat(statuses).contains("Healthy", "Degraded", "Progressing", "Suspended");
    assertThat(List.of(unsubmitted, stale, invalid, optIn)).containsOnly(true);
  }

  @Test
  void queueHealthCasesCoverEveryHealthStatusItCanGive() {
    Set<String> statuses = new HashSet<>();
    for (JsonNode test : ArgoCdLua.read(ArgoCdLua.QUEUE_DIR.resolve("health_test.yaml")).path("tests")) {
      statuses.add(test.at("/healthStatus/status").asText());
    }
    assertThat(statuses).containsExactlyInAnyOrder("Healthy", "Degraded", "Progressing");
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
  void retryTokenIsNewForEachFailureAndStableForTheSameOne() {
    Path retry = ACTIONS.resolve("retry").resolve("action.lua");
    JsonNode failed = ArgoCdLua.read(ArgoCdLua.DIR.resolve("testdata/live-failed.yaml"));
    String first = ArgoCdLua.runAction(retry, failed).at("/metadata/annotations/pipelines.kfp.dev~1retry").asText();
    assertThat(ArgoCdLua.runAction(retry, ArgoCdLua.runAction(retry, failed))
        .at("/metadata/annotations/pipelines.kfp.dev~1retry").asText()).isEqualTo(first);
    JsonNode failedAgain = failed.deepCopy();
    ((ArrayNode) failedAgain.at("/status/stateHistory")).addObject().put("state", "FAILED")
        .put("updateTime", "2030-01-01T00:00:00Z");
    assertThat(ArgoCdLua.runAction(retry, failedAgain).at("/metadata/annotations/pipelines.kfp.dev~1retry").asText())
        .isEqualTo("argocd-failed-at-2030-01-01T00:00:00Z").isNotEqualTo(first);
  }

  @Test
  void docsCarryTheScriptsUnchanged() throws java.io.IOException {
    String docs = java.nio.file.Files.readString(Path.of("docs", "using", "argocd.md"));
    for (Path script : List.of(ArgoCdLua.DIR.resolve("health.lua"), ArgoCdLua.QUEUE_DIR.resolve("health.lua"),
        ACTIONS.resolve("discovery.lua"),
        ACTIONS.resolve("terminate/action.lua"), ACTIONS.resolve("retry/action.lua"),
        ACTIONS.resolve("archive/action.lua"), ACTIONS.resolve("unarchive/action.lua"))) {
      for (String line : java.nio.file.Files.readAllLines(script)) {
        assertThat(docs).as("docs/using/argocd.md has " + script + " as it is").contains(line);
      }
    }
  }
}
