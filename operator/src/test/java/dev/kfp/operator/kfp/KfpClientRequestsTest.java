package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.contract.KfpOpenApi;
import dev.kfp.operator.sync.BulkStatusPoller;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every request the client sends, checked against KFP's OpenAPI document and KFP's wire rules. */
class KfpClientRequestsTest {

  private static final ObjectMapper JSON = KfpJson.mapper();
  private static final String RUN_JSON = """
      {"run_id":"r1","experiment_id":"e1","display_name":"nightly","storage_state":"AVAILABLE",
       "created_at":"2026-11-29T10:00:00Z","scheduled_at":"2026-11-29T10:00:00Z",
       "finished_at":"1970-01-01T00:00:00Z","state":"PENDING",
       "state_history":[{"update_time":"2026-11-29T10:00:00Z","state":"PENDING"}]}
      """;

  private final KfpStubServer kfp = KfpStubServer.http();
  private final HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl()).build());

  @AfterEach
  void stop() {
    client.close();
    kfp.close();
  }

  @Test
  void createWithAVersionReferenceSendsOnlyInputFields() throws Exception {
    kfp.respond(200, RUN_JSON);
    Map<String, JsonNode> parameters = new LinkedHashMap<>();
    parameters.put("learning_rate", JSON.readTree("0.01"));
    KfpRun input = KfpRun.create("nightly")
        .description("kfp-run-operator uid=2c0f")
        .experimentId("e1")
        .pipelineVersionReference(new PipelineVersionReference("p1", "v1"))
        .runtimeConfig(new RuntimeConfig(parameters, "s3://bucket/root"))
        .serviceAccount("pipeline-runner")
        .build();

    KfpRun created = client.createRun(input);

    KfpStubServer.Recorded sent = kfp.lastRequest();
    assertThat(sent.method()).isEqualTo("POST");
    assertThat(sent.pathAndQuery()).isEqualTo("/apis/v2beta1/runs");
    assertThat(sent.header("Content-Type")).startsWith("application/json");
    KfpOpenApi.assertValidRequest("POST", sent.pathAndQuery(), sent.body());
    assertThat(JSON.readTree(sent.body())).isEqualTo(JSON.readTree("""
        {"experiment_id":"e1","display_name":"nightly","description":"kfp-run-operator uid=2c0f",
         "pipeline_version_reference":{"pipeline_id":"p1","pipeline_version_id":"v1"},
         "runtime_config":{"parameters":{"learning_rate":0.01},"pipeline_root":"s3://bucket/root"},
         "service_account":"pipeline-runner"}
        """));
    assertThat(created.runId()).isEqualTo("r1");
    assertThat(created.state()).isEqualTo(KfpRuntimeState.PENDING);
    assertThat(created.createdAt()).isEqualTo(Instant.parse("2026-11-29T10:00:00Z"));
  }

  @Test
  void createNeverSendsOutputFieldsEvenFromAFullRun() throws Exception {
    KfpRun fromServer = JSON.readValue(RUN_JSON, KfpRun.class);

    client.createRun(fromServer);

    KfpStubServer.Recorded sent = kfp.lastRequest();
    KfpOpenApi.assertValidRequest("POST", sent.pathAndQuery(), sent.body());
    assertThat(JSON.readTree(sent.body())).isEqualTo(
        JSON.readTree("{\"experiment_id\":\"e1\",\"display_name\":\"nightly\"}"));
  }

  @Test
  void createWithAnInlineSpecSendsTheSpecUnchanged() throws Exception {
    ObjectNode spec = (ObjectNode) new YAMLMapper().readTree(CompiledPipelines.yaml("pipeline_with_condition"));

    client.createRun(KfpRun.create("inline").pipelineSpec(spec).build());

    KfpStubServer.Recorded sent = kfp.lastRequest();
    KfpOpenApi.assertValidRequest("POST", sent.pathAndQuery(), sent.body());
    assertThat(JSON.readTree(sent.body()).get("pipeline_spec")).isEqualTo(spec);
    assertThat(JSON.readTree(sent.body()).has("pipeline_version_reference")).isFalse();
  }

  @Test
  void parametersOfEveryJsonTypeAreSentAndReadBackUnchanged() throws Exception {
    String parameters = "{\"s\":\"text\",\"i\":3,\"d\":0.25,\"b\":false,\"n\":null,\"l\":[\"a\",1,true],"
        + "\"o\":{\"k\":{\"deep\":[{}]}}}";
    Map<String, JsonNode> values = new LinkedHashMap<>();
    JSON.readTree(parameters).fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue()));
    kfp.respond(200, "{\"run_id\":\"r1\",\"runtime_config\":{\"parameters\":" + parameters + "}}");

    KfpRun created = client.createRun(KfpRun.create("typed")
        .pipelineVersionReference(new PipelineVersionReference("p1", null))
        .runtimeConfig(new RuntimeConfig(values, null)).build());

    KfpStubServer.Recorded sent = kfp.lastRequest();
    KfpOpenApi.assertValidRequest("POST", sent.pathAndQuery(), sent.body());
    assertThat(JSON.readTree(sent.body()).get("runtime_config").get("parameters"))
        .isEqualTo(JSON.readTree(parameters));
    assertThat(created.runtimeConfig().parameters()).isEqualTo(values);
  }

  @Test
  void getReadsTheWholeRun() {
    kfp.respond(200, """
        {"run_id":"r1","state":"SUCCEEDED","finished_at":"2026-11-29T11:00:00Z",
         "run_details":{"pipeline_context_id":"42","task_details":[{"task_id":"t1","state":"SUCCEEDED",
           "child_tasks":[{"pod_name":"nightly-abc-123"}]}]}}
        """);

    KfpRun run = client.getRun("r1");

    assertRequest("GET", "/apis/v2beta1/runs/r1");
    assertThat(run.hasFinished()).isTrue();
    assertThat(run.runDetails().pipelineContextId()).isEqualTo("42");
    assertThat(run.runDetails().taskDetails().get(0).childTasks().get(0).podName()).isEqualTo("nightly-abc-123");
  }

  @Test
  void actionsPostToTheirVerbPathsWithoutABody() {
    client.archiveRun("r1");
    assertRequest("POST", "/apis/v2beta1/runs/r1:archive");
    client.unarchiveRun("r1");
    assertRequest("POST", "/apis/v2beta1/runs/r1:unarchive");
    client.terminateRun("r1");
    assertRequest("POST", "/apis/v2beta1/runs/r1:terminate");
    client.retryRun("r1");
    assertRequest("POST", "/apis/v2beta1/runs/r1:retry");
    assertThat(kfp.requests()).allSatisfy(request -> assertThat(request.body()).isEmpty());
  }

  @Test
  void deleteUsesTheDeleteVerb() {
    client.deleteRun("r1");

    assertRequest("DELETE", "/apis/v2beta1/runs/r1");
  }

  @Test
  void readArtifactDecodesTheBase64Data() {
    byte[] bytes = {0x1f, (byte) 0x8b, 0, (byte) 0xff, 'l', 'o', 'g'};
    kfp.respond(200, "{\"data\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"}");

    ReadArtifactResponse artifact = client.readArtifact("r1", "nightly-abc-123", "main-logs");

    assertRequest("GET", "/apis/v2beta1/runs/r1/nodes/nightly-abc-123/artifacts/main-logs:read");
    assertThat(artifact.data()).containsExactly(bytes);
  }

  @Test
  void anEmptyIdNeverBecomesAnotherUrl() {
    assertThatThrownBy(() -> client.getRun("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.deleteRun(null)).isInstanceOf(IllegalArgumentException.class);
    assertThat(kfp.requests()).isEmpty();
  }

  @Test
  void listSendsEveryQueryParameter() {
    kfp.respond(200, "{\"runs\":[" + RUN_JSON + "],\"total_size\":7,\"next_page_token\":\"tok\"}");
    RunFilter filter = RunFilter.builder()
        .notEqualTo("storage_state", "ARCHIVED")
        .in("state", List.of("PENDING", "RUNNING"))
        .compare("created_at", RunFilter.Operation.GREATER_THAN_EQUALS, Instant.parse("2026-11-01T00:00:00Z"))
        .build();

    ListRunsResponse page = client.listRuns(ListRunsRequest.all().withNamespace("team-a").withExperimentId("e1")
        .withPageToken("abc").withPageSize(50).withSortBy("created_at desc").withFilter(filter));

    KfpStubServer.Recorded sent = kfp.lastRequest();
    KfpOpenApi.assertValidRequest("GET", sent.pathAndQuery(), null);
    Map<String, String> query = decodedQuery(sent.rawQuery());
    assertThat(query).containsEntry("namespace", "team-a").containsEntry("experiment_id", "e1")
        .containsEntry("page_token", "abc").containsEntry("page_size", "50")
        .containsEntry("sort_by", "created_at desc");
    assertThat(decode(query.get("filter"))).isEqualTo(filter.toJson());
    assertThat(page.runs()).extracting(KfpRun::runId).containsExactly("r1");
    assertThat(page.totalSize()).isEqualTo(7);
    assertThat(page.nextPageToken()).isEqualTo("tok");
  }

  /**
   * The status sync's largest list: a full chunk of run ids, the longest state KFP names, the longest
   * namespace Kubernetes allows. nginx reads a request line into one 8 KiB buffer by default and answers 414
   * beyond it; the request line is kept under 7.5 kB, leaving room for a path prefix before the API.
   */
  @Test
  void theStatusSyncsLargestListFitsAnEightKibRequestLine() {
    List<String> ids = IntStream.range(0, BulkStatusPoller.IDS_PER_LIST)
        .mapToObj(i -> UUID.randomUUID().toString()).toList();
    RunFilter filter = RunFilter.builder().in("run_id", ids)
        .notEqualTo("storage_state", "STORAGE_STATE_UNSPECIFIED").build();
    String namespace = "n".repeat(63);

    client.listRuns(ListRunsRequest.all().withNamespace(namespace).withPageSize(ids.size()).withFilter(filter));

    KfpStubServer.Recorded sent = kfp.lastRequest();
    KfpOpenApi.assertValidRequest("GET", sent.pathAndQuery(), null);
    int requestLineBytes = ("GET " + sent.pathAndQuery() + " HTTP/1.1\r\n").getBytes(StandardCharsets.US_ASCII).length;
    System.out.printf("status sync list of %d run ids: request line of %d bytes%n", ids.size(), requestLineBytes);
    assertThat(requestLineBytes).isLessThan(7_500);
    assertThat(decode(decodedQuery(sent.rawQuery()).get("filter"))).isEqualTo(filter.toJson());
  }

  @Test
  void listWithoutParametersSendsNoQuery() {
    ListRunsResponse page = client.listRuns(ListRunsRequest.all());

    assertRequest("GET", "/apis/v2beta1/runs");
    assertThat(page.runs()).isEmpty();
    assertThat(page.hasNextPage()).isFalse();
  }

  @Test
  void theFilterSurvivesTheServersSecondDecoding() {
    String name = "a+b 100% & c=d/e?f#g ü 日本 %2B";
    RunFilter filter = RunFilter.builder().equalTo("display_name", name).build();

    client.listRuns(ListRunsRequest.all().withFilter(filter));

    KfpStubServer.Recorded sent = kfp.lastRequest();
    KfpOpenApi.assertValidRequest("GET", sent.pathAndQuery(), null);
    String afterQueryDecoding = decodedQuery(sent.rawQuery()).get("filter");
    String afterKfpsSecondDecoding = decode(afterQueryDecoding);
    assertThat(afterKfpsSecondDecoding).isEqualTo(filter.toJson());
    assertThat(sent.rawQuery()).doesNotContain("+").doesNotContain("&c=");
  }

  @Test
  void pageTokensArePercentEncoded() {
    String token = "eyJTb3J0QnlGaWVsZE5hbWUiOiJDcmVhdGVkQXRJblNlYyJ9+/a==";

    client.listRuns(ListRunsRequest.all().withPageToken(token));

    String rawQuery = kfp.lastRequest().rawQuery();
    assertThat(rawQuery).isEqualTo("page_token=" + token.replace("+", "%2B").replace("/", "%2F")
        .replace("=", "%3D"));
    assertThat(decodedQuery(rawQuery).get("page_token")).isEqualTo(token);
  }

  @Test
  void listAllRunsFollowsTokensRepeatingSizeSortAndFilter() {
    kfp.respond(200, page(List.of("r1", "r2"), "t+2"))
        .respond(200, page(List.of("r3", "r4"), "t/3"))
        .respond(200, page(List.of("r5"), null));
    RunFilter filter = RunFilter.builder().substring("description", "uid=2c0f").build();
    ListRunsRequest request = ListRunsRequest.all().withNamespace("team-a").withPageSize(2)
        .withSortBy("created_at").withFilter(filter);

    List<String> ids = client.listAllRuns(request).map(KfpRun::runId).toList();

    assertThat(ids).containsExactly("r1", "r2", "r3", "r4", "r5");
    List<Map<String, String>> queries = kfp.requests().stream().map(r -> decodedQuery(r.rawQuery())).toList();
    assertThat(queries).extracting(q -> q.get("page_token")).containsExactly(null, "t+2", "t/3");
    assertThat(queries).allSatisfy(q -> assertThat(q)
        .containsEntry("namespace", "team-a").containsEntry("page_size", "2").containsEntry("sort_by", "created_at")
        .containsEntry("filter", filter.toJson().replace("%", "%25").replace("+", "%2B")));
    kfp.requests().forEach(r -> KfpOpenApi.assertValidRequest("GET", r.pathAndQuery(), null));
  }

  @Test
  void listAllRunsFetchesPagesOnlyAsTheyAreConsumed() {
    kfp.respond(200, page(List.of("r1", "r2"), "next"));

    var runs = client.listAllRuns(ListRunsRequest.all().withPageSize(2));
    assertThat(kfp.requests()).isEmpty();
    assertThat(runs.findFirst()).map(KfpRun::runId).contains("r1");

    assertThat(kfp.requests()).hasSize(1);
  }

  @Test
  void listAllRunsOfNothingIsEmpty() {
    assertThat(client.listAllRuns(ListRunsRequest.all())).isEmpty();
    assertThat(kfp.requests()).hasSize(1);
  }

  @Test
  void aPathPrefixGoesBeforeTheApiPath() {
    try (HttpKfpClient prefixed = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl() + "/pipeline/").build())) {
      prefixed.getRun("r1");
      prefixed.listRuns(ListRunsRequest.all().withPageSize(5));
    }

    assertThat(kfp.requests()).extracting(KfpStubServer.Recorded::pathAndQuery)
        .containsExactly("/pipeline/apis/v2beta1/runs/r1", "/pipeline/apis/v2beta1/runs?page_size=5");
  }

  private static String page(List<String> ids, String nextToken) {
    String runs = ids.stream().map(id -> "{\"run_id\":\"" + id + "\"}").collect(Collectors.joining(","));
    return "{\"runs\":[" + runs + "],\"total_size\":5" + (nextToken == null ? "" : ",\"next_page_token\":\""
        + nextToken + "\"") + "}";
  }

  private void assertRequest(String method, String pathAndQuery) {
    KfpStubServer.Recorded sent = kfp.lastRequest();
    assertThat(sent.method()).isEqualTo(method);
    assertThat(sent.pathAndQuery()).isEqualTo(pathAndQuery);
    KfpOpenApi.assertValidRequest(method, sent.pathAndQuery(), sent.body().isEmpty() ? null : sent.body());
  }

  /** Query parameters decoded once, as any HTTP server (and KFP's gateway) does. */
  static Map<String, String> decodedQuery(String rawQuery) {
    if (rawQuery == null) {
      return Map.of();
    }
    return Arrays.stream(rawQuery.split("&")).map(pair -> pair.split("=", 2))
        .collect(Collectors.toMap(kv -> decode(kv[0]), kv -> decode(kv[1])));
  }

  private static String decode(String value) {
    return URLDecoder.decode(value, StandardCharsets.UTF_8);
  }
}
