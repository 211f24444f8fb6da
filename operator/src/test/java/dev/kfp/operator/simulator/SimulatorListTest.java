package dev.kfp.operator.simulator;

import static dev.kfp.operator.simulator.SimulatorHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** List: scoping, filters with SQL semantics, sort, keyset paging with opaque tokens, total_size. */
class SimulatorListTest {

  private final ManualClock clock = new ManualClock();
  private KfpSimulator simulator;
  private SimulatorHttp http;
  private PipelineVersion demo;

  @BeforeEach
  void start() {
    simulator = KfpSimulator.builder().clock(clock)
        .timing(new Timing(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(3)))
        .outcomeRule(OutcomeRule.failWhenNameContains("bad")).start();
    http = new SimulatorHttp(simulator);
    demo = simulator.registerPipeline("demo", DemoPipeline.yaml());
  }

  @AfterEach
  void stop() {
    simulator.close();
  }

  private String create(String name, String extra) {
    var reply = http.post("/apis/v2beta1/runs", SimulatorFixture.runOf(name, demo.pipelineId(), extra));
    assertThat(reply.status()).isEqualTo(200);
    return reply.body().get("run_id").asText();
  }

  private SimulatorHttp.Reply list(String... params) {
    return http.get("/apis/v2beta1/runs" + (params.length == 0 ? "" : "?" + String.join("&", params)));
  }

  private static List<String> names(JsonNode page) {
    return StreamSupport.stream(page.path("runs").spliterator(), false)
        .map(r -> r.get("display_name").asText()).toList();
  }

  private SimulatorHttp.Reply filtered(String filterJson) {
    return list(query("filter", filterJson));
  }

  @Test
  void emptyListIsAnEmptyObject() {
    var reply = list();

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().toString()).isEqualTo("{}");
  }

  @Test
  void twoHundredFiftyRunsComeInThreePagesOfAHundredEachRunExactlyOnce() {
    Set<String> created = new HashSet<>();
    for (int i = 0; i < 250; i++) {
      created.add(create("run-" + i, ""));
      if (i % 7 == 0) {
        clock.advance(Duration.ofSeconds(1));
      }
    }

    List<String> seen = new ArrayList<>();
    List<Integer> totals = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      var reply = token == null ? list("page_size=100") : list("page_size=100", query("page_token", token));
      assertThat(reply.status()).isEqualTo(200);
      reply.body().get("runs").forEach(r -> seen.add(r.get("run_id").asText()));
      totals.add(reply.body().get("total_size").asInt());
      token = reply.body().path("next_page_token").asText(null);
      pages++;
    } while (token != null);

    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(250).doesNotHaveDuplicates();
    assertThat(new HashSet<>(seen)).isEqualTo(created);
    assertThat(totals).containsOnly(250);
  }

  @Test
  void pagingDescendingNeverRepeatsRunsOfTheSameSecond() {
    for (int i = 0; i < 30; i++) {
      create("same-second-" + i, "");
    }
    List<String> seen = new ArrayList<>();
    String token = null;
    do {
      var reply = token == null ? list("page_size=7", query("sort_by", "created_at desc"))
          : list("page_size=7", query("page_token", token));
      reply.body().get("runs").forEach(r -> seen.add(r.get("run_id").asText()));
      token = reply.body().path("next_page_token").asText(null);
    } while (token != null);

    assertThat(seen).hasSize(30).doesNotHaveDuplicates();
    assertThat(seen).isSortedAccordingTo((a, b) -> b.compareTo(a));
  }

  @Test
  void defaultOrderIsOldestFirstAndSortByWorksBothWays() {
    create("b", "");
    clock.advance(Duration.ofSeconds(1));
    create("c", "");
    clock.advance(Duration.ofSeconds(1));
    create("a", "");

    assertThat(names(list().body())).containsExactly("b", "c", "a");
    assertThat(names(list(query("sort_by", "display_name")).body())).containsExactly("a", "b", "c");
    assertThat(names(list(query("sort_by", "display_name asc")).body())).containsExactly("a", "b", "c");
    assertThat(names(list(query("sort_by", "name DESC")).body())).containsExactly("c", "b", "a");
    assertThat(names(list(query("sort_by", "created_at desc")).body())).containsExactly("a", "c", "b");
  }

  @Test
  void unknownSortFieldIs400() {
    var reply = list(query("sort_by", "colour"));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.shortMessage()).contains("Invalid sorting field");
  }

  @Test
  void pageSizeDefaultsTo20CapsAt200AndRejectsNegatives() {
    for (int i = 0; i < 205; i++) {
      create("r" + i, "");
    }

    assertThat(list().body().get("runs")).hasSize(20);
    assertThat(list("page_size=0").body().get("runs")).hasSize(20);
    assertThat(list("page_size=500").body().get("runs")).hasSize(200);
    assertThat(list("page_size=-1").status()).isEqualTo(400);
    var notANumber = list("page_size=abc");
    assertThat(notANumber.status()).isEqualTo(400);
    assertThat(notANumber.body().has("details")).isFalse();
  }

  @Test
  void filterByDisplayNameEqualsIsCaseInsensitiveLikeMysql() {
    create("Nightly Training", "");
    create("other", "");

    var reply = filtered("{\"predicates\":[{\"key\":\"display_name\",\"operation\":\"EQUALS\","
        + "\"string_value\":\"nightly training\"}]}");

    assertThat(names(reply.body())).containsExactly("Nightly Training");
    assertThat(reply.body().get("total_size").asInt()).isEqualTo(1);
  }

  @Test
  void filterByDescriptionSubstringFindsTheMarker() {
    String marked = create("one", "\"description\":\"kfp-run-operator uid=2c0f-11\"");
    create("two", "\"description\":\"kfp-run-operator uid=99\"");

    var reply = filtered("{\"predicates\":[{\"key\":\"description\",\"operation\":\"IS_SUBSTRING\","
        + "\"string_value\":\"uid=2c0f\"}]}");

    assertThat(reply.body().get("runs")).hasSize(1);
    assertThat(reply.body().get("runs").get(0).get("run_id").asText()).isEqualTo(marked);
  }

  @Test
  void isSubstringTreatsPercentAndUnderscoreAsWildcards() {
    create("a_b", "");
    create("axb", "");
    create("ab", "");

    assertThat(names(filtered("{\"predicates\":[{\"key\":\"name\",\"operation\":\"IS_SUBSTRING\","
        + "\"stringValue\":\"a_b\"}]}").body())).containsExactlyInAnyOrder("a_b", "axb");
  }

  /**
   * A filter naming run ids looks only at those runs (the bulk status sync's lists, over 100,000 stored runs), and
   * answers what a scan of every run would: each run once, unknown ids ignored, the other predicates applied.
   */
  @Test
  void filterByRunIdsAnswersAsAScanWould() {
    String first = create("first", "");
    String second = create("second", "");
    create("third", "");
    clock.advance(Duration.ofSeconds(6));

    var byIds = filtered("{\"predicates\":[{\"key\":\"run_id\",\"operation\":\"IN\",\"string_values\":{\"values\":"
        + "[\"" + second + "\",\"" + first + "\",\"" + second + "\",\"no-such-run\"]}}]}");
    var changed = filtered("{\"predicates\":[{\"key\":\"run_id\",\"operation\":\"IN\",\"string_values\":{\"values\":"
        + "[\"" + first + "\",\"" + second + "\"]}},{\"key\":\"state\",\"operation\":\"NOT_EQUALS\","
        + "\"string_value\":\"RUNNING\"}]}");

    assertThat(names(byIds.body())).containsExactlyInAnyOrder("first", "second");
    assertThat(byIds.body().get("total_size").asInt()).isEqualTo(2);
    assertThat(changed.body().toString()).as("both moved on to RUNNING: nothing else to say").isEqualTo("{}");
  }

  @Test
  void filterByStateWithInAndNotEquals() {
    create("good", "");
    clock.advance(Duration.ofSeconds(6));
    create("bad-later", "");
    String archived = create("archived", "");
    http.post("/apis/v2beta1/runs/" + archived + ":archive", null);

    var active = filtered("{\"predicates\":[{\"key\":\"state\",\"operation\":\"IN\","
        + "\"string_values\":{\"values\":[\"PENDING\",\"PAUSED\"]}},"
        + "{\"key\":\"storage_state\",\"operation\":\"NOT_EQUALS\",\"string_value\":\"ARCHIVED\"}]}");
    var running = filtered("{\"predicates\":[{\"key\":\"status\",\"operation\":1,\"string_value\":\"RUNNING\"}]}");

    assertThat(names(active.body())).containsExactly("bad-later");
    assertThat(names(running.body())).containsExactly("good");
  }

  @Test
  void filterByTimesWithTimestampAndLongValues() {
    create("early", "");
    clock.advance(Duration.ofMinutes(10));
    create("late", "");
    long tenPast = clock.now().getEpochSecond();

    var byTimestamp = filtered("{\"predicates\":[{\"key\":\"created_at\",\"operation\":\"GREATER_THAN_EQUALS\","
        + "\"timestamp_value\":\"2026-11-29T10:05:00Z\"}]}");
    var byLong = filtered("{\"predicates\":[{\"key\":\"created_at\",\"operation\":\"LESS_THAN\","
        + "\"long_value\":\"" + tenPast + "\"}]}");
    var byInt = filtered("{\"predicates\":[{\"key\":\"finished_at\",\"operation\":\"GREATER_THAN\","
        + "\"int_value\":0}]}");
    var inLongs = filtered("{\"predicates\":[{\"key\":\"created_at\",\"operation\":\"IN\","
        + "\"long_values\":{\"values\":[\"" + tenPast + "\"]}}]}");

    assertThat(names(byTimestamp.body())).containsExactly("late");
    assertThat(names(byLong.body())).containsExactly("early");
    assertThat(names(byInt.body())).containsExactly("early");
    assertThat(names(inLongs.body())).containsExactly("late");
  }

  @Test
  void theFilterIsDecodedASecondTimeSoAPlusBecomesASpace() {
    create("a b", "");
    create("a+b", "");

    var once = filtered("{\"predicates\":[{\"key\":\"display_name\",\"operation\":\"EQUALS\","
        + "\"string_value\":\"a+b\"}]}");
    var twice = filtered("{\"predicates\":[{\"key\":\"display_name\",\"operation\":\"EQUALS\","
        + "\"string_value\":\"a%2Bb\"}]}");
    var lonePercent = filtered("{\"predicates\":[{\"key\":\"display_name\",\"operation\":\"EQUALS\","
        + "\"string_value\":\"100%\"}]}");

    assertThat(names(once.body())).containsExactly("a b");
    assertThat(names(twice.body())).containsExactly("a+b");
    assertThat(lonePercent.status()).isEqualTo(400);
  }

  @Test
  void malformedFilterIs400() {
    var reply = filtered("{\"predicates\":[");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.code()).isEqualTo(3);
    assertThat(reply.shortMessage()).startsWith("failed to parse valid filter from");
  }

  @Test
  void invalidPredicatesAre400() {
    List<String> bad = List.of(
        "{\"predicates\":[{\"key\":\"colour\",\"operation\":\"EQUALS\",\"string_value\":\"x\"}]}",
        "{\"predicates\":[{\"key\":\"\",\"operation\":\"EQUALS\",\"string_value\":\"x\"}]}",
        "{\"predicates\":[{\"key\":\"name\",\"operation\":\"OPERATION_UNSPECIFIED\",\"string_value\":\"x\"}]}",
        "{\"predicates\":[{\"key\":\"name\",\"operation\":\"EQUALS\"}]}",
        "{\"predicates\":[{\"key\":\"name\",\"operation\":\"IN\",\"string_value\":\"x\"}]}",
        "{\"predicates\":[{\"key\":\"name\",\"operation\":\"EQUALS\",\"string_values\":{\"values\":[\"x\"]}}]}",
        "{\"predicates\":[{\"key\":\"name\",\"operation\":\"IS_SUBSTRING\",\"int_value\":1}]}",
        "{\"predicates\":[{\"key\":\"name\",\"operation\":\"EQUALS\",\"string_value\":\"x\",\"int_value\":1}]}",
        "{\"predicates\":[{\"key\":\"name\",\"op\":\"EQUALS\",\"string_value\":\"x\"}]}");

    for (String filter : bad) {
      var reply = filtered(filter);
      assertThat(reply.status()).as(filter).isEqualTo(400);
      assertThat(reply.code()).as(filter).isEqualTo(3);
    }
  }

  @Test
  void tokenWithADifferentSortOrFilterIs400AndGarbageTokenIs400() {
    for (int i = 0; i < 3; i++) {
      create("r" + i, "");
    }
    String token = list("page_size=1").body().get("next_page_token").asText();

    var sameSort = list("page_size=1", query("page_token", token), query("sort_by", "created_at"));
    var otherSort = list("page_size=1", query("page_token", token), query("sort_by", "display_name"));
    var otherFilter = list("page_size=1", query("page_token", token), query("filter",
        "{\"predicates\":[{\"key\":\"name\",\"operation\":\"EQUALS\",\"string_value\":\"x\"}]}"));
    var garbage = list(query("page_token", "not-a-token"));

    assertThat(sameSort.status()).isEqualTo(200);
    assertThat(otherSort.status()).isEqualTo(400);
    assertThat(otherSort.shortMessage()).contains("page token does not match");
    assertThat(otherFilter.status()).isEqualTo(400);
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.shortMessage()).isEqualTo("Invalid page token");
  }

  @Test
  void theTokenCarriesTheFilter() {
    for (int i = 0; i < 5; i++) {
      create(i % 2 == 0 ? "even-" + i : "odd-" + i, "");
      clock.advance(Duration.ofSeconds(1));
    }
    String filter = "{\"predicates\":[{\"key\":\"name\",\"operation\":\"IS_SUBSTRING\",\"string_value\":\"even\"}]}";
    var first = list("page_size=2", query("filter", filter));

    var second = list("page_size=2", query("page_token", first.body().get("next_page_token").asText()));

    assertThat(names(first.body())).containsExactly("even-0", "even-2");
    assertThat(names(second.body())).containsExactly("even-4");
    assertThat(second.body().get("total_size").asInt()).isEqualTo(3);
    assertThat(second.body().has("next_page_token")).isFalse();
  }

  @Test
  void listIsScopedByExperimentAndIgnoresNamespaceInSingleUserMode() {
    Experiment experiment = simulator.registerExperiment("e", "");
    create("in-default", "");
    create("in-e", "\"experiment_id\":\"" + experiment.experimentId() + "\"");

    assertThat(names(list(query("experiment_id", experiment.experimentId())).body())).containsExactly("in-e");
    assertThat(names(list(query("namespace", "anything")).body())).hasSize(2);
    assertThat(list(query("experiment_id", "nope")).status()).isEqualTo(404);
  }

  @Test
  void listIncludesArchivedRunsAndFullRunObjects() {
    String id = create("archived", "");
    http.post("/apis/v2beta1/runs/" + id + ":archive", null);
    clock.advance(Duration.ofMinutes(2));

    JsonNode run = list().body().get("runs").get(0);
    assertThat(run.get("storage_state").asText()).isEqualTo("ARCHIVED");
    assertThat(run.get("state").asText()).isEqualTo("SUCCEEDED");
    assertThat(run.get("state_history")).hasSize(3);
  }
}
