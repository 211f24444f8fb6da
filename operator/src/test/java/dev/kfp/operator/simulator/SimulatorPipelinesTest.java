package dev.kfp.operator.simulator;

import static dev.kfp.operator.simulator.SimulatorHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline service's GetPipelineByName and ListPipelineVersions as KFP answers them on the wire: fields,
 * error codes and messages, filters in KFP's JSON, sort, page tokens. Responses are checked against KFP's OpenAPI
 * document.
 */
class SimulatorPipelinesTest {

  private static final String PIPELINES = "/apis/v2beta1/pipelines/";

  private final ManualClock clock = new ManualClock();
  private KfpSimulator simulator;
  private SimulatorHttp http;
  private PipelineVersion first;

  @BeforeEach
  void start() {
    simulator = KfpSimulator.builder().clock(clock).start();
    http = new SimulatorHttp(simulator);
    first = simulator.registerPipeline("train", DemoPipeline.yaml());
    for (String name : List.of("v1", "v10", "v2")) {
      clock.advance(Duration.ofSeconds(1));
      simulator.registerPipelineVersion(first.pipelineId(), name, DemoPipeline.yaml());
    }
  }

  @AfterEach
  void stop() {
    simulator.close();
  }

  private SimulatorHttp.Reply versions(String... params) {
    return http.get(PIPELINES + first.pipelineId() + "/versions" + (params.length == 0 ? ""
        : "?" + String.join("&", params)));
  }

  private static List<String> names(JsonNode page) {
    return StreamSupport.stream(page.path("pipeline_versions").spliterator(), false)
        .map(v -> v.get("display_name").asText()).toList();
  }

  private static String displayName(String operation, String value) {
    return query("filter", "{\"predicates\":[{\"key\":\"display_name\",\"operation\":\"" + operation
        + "\",\"string_value\":\"" + value + "\"}]}");
  }

  @Test
  void aPipelineByNameCarriesItsIdNamesAndCreationTime() {
    SimulatorHttp.Reply reply = http.get(PIPELINES + "names/train");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().get("pipeline_id").asText()).isEqualTo(first.pipelineId());
    assertThat(reply.body().get("name").asText()).isEqualTo("train");
    assertThat(reply.body().get("display_name").asText()).isEqualTo("train");
    assertThat(reply.body().has("created_at")).isTrue();
    assertThat(reply.body().has("namespace")).as("a shared pipeline has none").isFalse();
  }

  @Test
  void anUnknownNameIsKfpsResourceNotFound() {
    SimulatorHttp.Reply reply = http.get(PIPELINES + "names/nope?" + query("namespace", "team-a"));

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.code()).isEqualTo(5);
    assertThat(reply.shortMessage()).as("single-user KFP drops the namespace").isEqualTo(
        "Namespace/Pipeline /nope not found");
  }

  @Test
  void versionsListOldestFirstWithTheirPipelineAndSpec() {
    JsonNode page = versions().body();

    assertThat(names(page)).containsExactly("train", "v1", "v10", "v2");
    assertThat(page.get("total_size").asInt()).isEqualTo(4);
    assertThat(page.has("next_page_token")).isFalse();
    JsonNode version = page.get("pipeline_versions").get(0);
    assertThat(version.get("pipeline_id").asText()).isEqualTo(first.pipelineId());
    assertThat(version.get("pipeline_version_id").asText()).isEqualTo(first.pipelineVersionId());
    assertThat(version.get("pipeline_spec").has("pipelineInfo")).isTrue();
  }

  @Test
  void anEqualsFilterOnDisplayNameIsExactAndASubstringFilterIsNot() {
    assertThat(names(versions(displayName("EQUALS", "v1")).body())).containsExactly("v1");
    assertThat(names(versions(displayName("IS_SUBSTRING", "v1")).body())).containsExactly("v1", "v10");
  }

  @Test
  void pagesFollowTheTokenWhichCarriesSortAndFilter() {
    SimulatorHttp.Reply firstPage = versions("page_size=2", query("sort_by", "created_at desc"));
    String token = firstPage.body().get("next_page_token").asText();
    JsonNode decoded = SimulatorHttp.JSON.valueToTree(new String(Base64.getDecoder().decode(token),
        StandardCharsets.UTF_8));

    SimulatorHttp.Reply next = versions("page_size=2", query("page_token", token));

    assertThat(names(firstPage.body())).containsExactly("v2", "v10");
    assertThat(names(next.body())).containsExactly("v1", "train");
    assertThat(decoded.asText()).contains("\"IsDesc\":true", "\"Filter\"");
    assertThat(next.body().has("next_page_token")).isFalse();
  }

  @Test
  void anUnknownSortFieldAndANegativePageSizeAreInvalidArguments() {
    SimulatorHttp.Reply badSort = versions(query("sort_by", "state"));
    SimulatorHttp.Reply badSize = versions("page_size=-1");

    assertThat(badSort.status()).isEqualTo(400);
    assertThat(badSort.shortMessage()).contains("Invalid sorting field");
    assertThat(badSize.status()).isEqualTo(400);
  }

  @Test
  void theVersionsOfAnUnknownPipelineAreNotFound() {
    SimulatorHttp.Reply reply = http.get(PIPELINES + "p-0/versions");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.shortMessage()).isEqualTo("Pipeline p-0 not found");
  }

  @Test
  void inMultiUserModeTheNamespaceIsCheckedAndScopesTheName() {
    try (KfpSimulator multiUser = KfpSimulator.builder().clock(clock).token("a", "team-a").start()) {
      multiUser.registerPipelineInNamespace("team-a", "train", DemoPipeline.yaml());
      multiUser.registerPipelineInNamespace("team-b", "train", DemoPipeline.yaml());
      SimulatorHttp teamA = new SimulatorHttp(multiUser).withToken("a");

      SimulatorHttp.Reply own = teamA.get(PIPELINES + "names/train?" + query("namespace", "team-a"));
      SimulatorHttp.Reply other = teamA.get(PIPELINES + "names/train?" + query("namespace", "team-b"));

      assertThat(own.status()).isEqualTo(200);
      assertThat(own.body().get("namespace").asText()).isEqualTo("team-a");
      assertThat(other.status()).isEqualTo(403);
    }
  }
}
