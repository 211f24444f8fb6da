package dev.kfp.operator.realkfp;

import static dev.kfp.operator.realkfp.DifferentialPeers.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.kfp.RunFilter;
import dev.kfp.operator.realkfp.DifferentialPeers.Answer;
import dev.kfp.operator.realkfp.DifferentialPeers.KfpPeer;
import dev.kfp.operator.realkfp.DifferentialPeers.Peer;
import dev.kfp.operator.realkfp.DifferentialPeers.SimulatorPeer;
import dev.kfp.operator.realkfp.KnownDifferences.Difference;
import dev.kfp.operator.tiers.KfpServerTier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The same request sequences to the simulator and to KFP's own server ({@link KfpTestServer}, KFP 2.17.0), the
 * answers compared field by field once ids and times are taken out: status, which fields are present, their
 * values, error codes and short messages, state histories. A difference fails the test unless a row of
 * {@code docs/developing/kfp-simulator-differences.md} covers it; a row that covers nothing any more fails it too, once the
 * whole class has run.
 */
@KfpServerTier
class DifferentialContractTest {

  private static final String RUNS = "/apis/v2beta1/runs";
  private static final String PIPELINES = "/apis/v2beta1/pipelines";
  private static final String ARGS_PIPELINE = DifferentialPeers.resource("/kfp/pipelines/arguments_parameters.yaml");
  private static final KnownDifferences KNOWN = KnownDifferences.load();
  private static final List<Difference> UNEXPLAINED = Collections.synchronizedList(new ArrayList<>());
  private static final Set<String> ROWS_SEEN = Collections.synchronizedSet(new TreeSet<>());
  private static final AtomicInteger EXCHANGES = new AtomicInteger();
  private static final AtomicInteger TESTS_RUN = new AtomicInteger();
  private static final Path REPORT = Path.of("target", "kfp-test-server", "unexplained-differences.txt");

  private SimulatorPeer simulator;
  private KfpPeer kfp;
  private List<Peer> peers;
  private String scenario;
  private final List<Difference> differences = new ArrayList<>();
  private int runNumber;
  /** KFP's answer to the last exchange. */
  private Answer lastKfp;

  @BeforeEach
  void start(TestInfo test) {
    scenario = test.getTestMethod().orElseThrow().getName();
    kfp = new KfpPeer();
    simulator = new SimulatorPeer();
    peers = List.of(simulator, kfp);
    for (Peer peer : peers) {
      peer.createExperiment("exp");
      peer.uploadPipeline("args", ARGS_PIPELINE);
    }
  }

  @AfterEach
  void stop() {
    if (kfp == null || simulator == null) {
      return; // aborted before both peers stood: the reason is the test's own (see KfpTestServer)
    }
    simulator.close();
    kfp.close();
    TESTS_RUN.incrementAndGet();
    List<Difference> unexplained = new ArrayList<>();
    for (Difference difference : differences) {
      KNOWN.rowFor(difference).ifPresentOrElse(row -> ROWS_SEEN.add(row.id()), () -> unexplained.add(difference));
    }
    UNEXPLAINED.addAll(unexplained);
    assertThat(unexplained).as("differences between the simulator and KFP 2.17 that "
        + KnownDifferences.DOCUMENT + " does not list").isEmpty();
  }

  @AfterAll
  static void report() throws IOException {
    Files.createDirectories(REPORT.getParent());
    Files.write(REPORT, UNEXPLAINED.stream().map(Difference::toString).toList());
    System.out.println("DifferentialContractTest: compared " + EXCHANGES.get() + " exchanges between the simulator "
        + "and KFP 2.17; known differences seen: " + ROWS_SEEN + "; unexplained: " + UNEXPLAINED.size()
        + (UNEXPLAINED.isEmpty() ? "" : ", listed in " + REPORT));
    long tests = Arrays.stream(DifferentialContractTest.class.getDeclaredMethods())
        .filter(m -> m.isAnnotationPresent(Test.class)).count();
    if (TESTS_RUN.get() == tests && UNEXPLAINED.isEmpty()) {
      List<String> stale = KNOWN.rows().stream().map(KnownDifferences.Row::id).filter(id -> !ROWS_SEEN.contains(id))
          .toList();
      assertThat(stale).as("rows of " + KnownDifferences.DOCUMENT + " that no exchange showed (remove them)")
          .isEmpty();
    }
  }

  // ---- scenarios ----

  @Test
  void createAndGetByReferenceAndInlineSpec() {
    String reference = "{\"display_name\":\"by-reference\",\"description\":\"kfp-run-operator uid=1234\","
        + "\"experiment_id\":\"${exp}\",\"pipeline_version_reference\":{\"pipeline_id\":\"${pipeline:args}\","
        + "\"pipeline_version_id\":\"${version:args}\"},\"runtime_config\":{\"parameters\":{\"param2\":\"x\"},"
        + "\"pipeline_root\":\"minio://bucket/root\"},\"service_account\":\"runner\"}";
    create("create by version reference", "a", withRunId(reference, "a"));
    exchange("get by version reference", "GET", RUNS + "/${a}", null);

    create("create by pipeline id only (latest version)", "b", withRunId("{\"display_name\":\"latest\","
        + "\"experiment_id\":\"${exp}\",\"pipeline_version_reference\":{\"pipeline_id\":\"${pipeline:args}\"},"
        + "\"runtime_config\":{\"parameters\":{\"param2\":\"y\"}}}", "b"));

    ObjectNode inline = JSON.createObjectNode().put("display_name", "inline").put("experiment_id", "${exp}");
    inline.set("pipeline_spec", DifferentialPeers.specJson(ARGS_PIPELINE));
    inline.putObject("runtime_config").putObject("parameters").put("param1", "p").put("param2", "q");
    create("create with an inline spec", "c", withRunId(inline.toString(), "c"));
    exchange("get with an inline spec", "GET", RUNS + "/${c}", null);

    create("create in the default experiment", "d", withRunId("{\"display_name\":\"no experiment\","
        + "\"pipeline_version_reference\":{\"pipeline_version_id\":\"${version:args}\"},"
        + "\"runtime_config\":{\"parameters\":{\"param2\":\"z\"}}}", "d"));
    exchange("get the default experiment", "GET", "/apis/v2beta1/experiments/${default}", null);
    create("create with a server-chosen id", "e", "{\"display_name\":\"server id\",\"experiment_id\":\"${exp}\","
        + "\"pipeline_version_reference\":{\"pipeline_version_id\":\"${version:args}\"},"
        + "\"runtime_config\":{\"parameters\":{\"param2\":\"z\"}}}");
    exchange("get a server-chosen id", "GET", RUNS + "/${e}", null);
    exchange("get an unknown run", "GET", RUNS + "/" + UUID.randomUUID(), null);
    exchange("get the experiment", "GET", "/apis/v2beta1/experiments/${exp}", null);
    exchange("get an unknown experiment", "GET", "/apis/v2beta1/experiments/" + UUID.randomUUID(), null);
  }

  @Test
  void createRejectsWhatKfpRejects() {
    String version = "\"pipeline_version_reference\":{\"pipeline_version_id\":\"${version:args}\"}";
    String experiment = "\"experiment_id\":\"${exp}\"";
    exchange("create without display name", "POST", RUNS, "{" + experiment + "," + version + "}");
    exchange("create without a body", "POST", RUNS, null);
    exchange("create in an unknown experiment", "POST", RUNS, "{\"display_name\":\"x\",\"experiment_id\":\""
        + UUID.randomUUID() + "\"," + version + "}");
    exchange("create of an unknown version", "POST", RUNS, "{\"display_name\":\"x\"," + experiment
        + ",\"pipeline_version_reference\":{\"pipeline_version_id\":\"" + UUID.randomUUID() + "\"}}");
    exchange("create of an unknown pipeline", "POST", RUNS, "{\"display_name\":\"x\"," + experiment
        + ",\"pipeline_version_reference\":{\"pipeline_id\":\"" + UUID.randomUUID() + "\"}}");
    exchange("create without a pipeline source", "POST", RUNS, "{\"display_name\":\"x\"," + experiment + "}");
    exchange("create without a required parameter", "POST", RUNS, "{\"display_name\":\"x\"," + experiment + ","
        + version + "}");
    exchange("create with an undeclared parameter", "POST", RUNS, "{\"display_name\":\"x\"," + experiment + ","
        + version + ",\"runtime_config\":{\"parameters\":{\"param2\":\"v\",\"nope\":1}}}");
    exchange("create with a parameter of the wrong kind", "POST", RUNS, "{\"display_name\":\"x\"," + experiment
        + "," + version + ",\"runtime_config\":{\"parameters\":{\"param2\":3}}}");
    exchange("create with an unknown field", "POST", RUNS, "{\"display_name\":\"x\",\"namespace\":\"ns\","
        + experiment + "," + version + "}");
    ObjectNode both = JSON.createObjectNode().put("display_name", "x");
    both.set("pipeline_spec", DifferentialPeers.specJson(ARGS_PIPELINE));
    both.putObject("pipeline_version_reference").put("pipeline_version_id", "${version:args}");
    exchange("create with both pipeline sources", "POST", RUNS, both.toString());
    exchange("create with malformed JSON", "POST", RUNS, "{\"display_name\":");
    exchange("create with plugins_output", "POST", RUNS, "{\"display_name\":\"x\"," + experiment + "," + version
        + ",\"runtime_config\":{\"parameters\":{\"param2\":\"v\"}},\"plugins_output\":{\"mlflow\":{}}}");
    exchange("create with a run id that is no label value", "POST", RUNS, "{\"run_id\":\"not a label!\","
        + "\"display_name\":\"x\"," + experiment + "," + version + ",\"runtime_config\":{\"parameters\":"
        + "{\"param2\":\"v\"}}}");
    String run = withRunId("{\"display_name\":\"twice\"," + experiment + "," + version
        + ",\"runtime_config\":{\"parameters\":{\"param2\":\"v\"}}}", "dup");
    create("create with a client run id", "dup", run);
    exchange("create with a run id that exists", "POST", RUNS, run);
    exchange("unknown path", "GET", "/apis/v2beta1/nothing-here", null);
    exchange("unsupported method", "PUT", RUNS, "{}");
  }

  @Test
  void runSucceedsThroughPendingAndRunning() {
    create("create", "ok", demoRun("will succeed", "ok"));
    exchange("get while pending", "GET", RUNS + "/${ok}", null);
    step(Peer::start);
    exchange("get while running", "GET", RUNS + "/${ok}", null);
    exchange("retry while running", "POST", RUNS + "/${ok}:retry", null);
    step(Peer::finish);
    exchange("get after success", "GET", RUNS + "/${ok}", null);
    assertThat(kfpStates()).containsExactly("PENDING", "RUNNING", "SUCCEEDED");
    exchange("retry after success", "POST", RUNS + "/${ok}:retry", null);
    exchange("terminate after success", "POST", RUNS + "/${ok}:terminate", null);
  }

  @Test
  void failedRunServesItsLogsAndRetries() {
    create("create", "bad", demoRun("will fail", "bad"));
    exchange("retry before any report", "POST", RUNS + "/${bad}:retry", null);
    exchange("read_artifact before any report", "GET", RUNS + "/${bad}/nodes/x/artifacts/main-logs:read", null);
    step(Peer::start);
    step(Peer::finish);
    exchange("get after failure", "GET", RUNS + "/${bad}", null);
    assertThat(kfpStates()).containsExactly("PENDING", "RUNNING", "FAILED");
    exchange("read_artifact of the failed step", "GET",
        RUNS + "/${bad}/nodes/${node:bad/train}/artifacts/main-logs:read", null);
    assertThat(lastKfp.status()).isEqualTo(200);
    exchange("read_artifact of an unknown node", "GET", RUNS + "/${bad}/nodes/no-such-node/artifacts/main-logs:read",
        null);
    exchange("read_artifact of an unknown artifact", "GET", RUNS + "/${bad}/nodes/${node:bad/train}/artifacts/"
        + "mlpipeline-metrics:read", null);
    exchange("read_artifact of an unknown run", "GET", RUNS + "/" + UUID.randomUUID()
        + "/nodes/n/artifacts/main-logs:read", null);
    exchange("retry after failure", "POST", RUNS + "/${bad}:retry", null);
    exchange("get after retry", "GET", RUNS + "/${bad}", null);
    exchange("retry while the retry runs", "POST", RUNS + "/${bad}:retry", null);
    step(Peer::finish);
    exchange("get after the retry succeeded", "GET", RUNS + "/${bad}", null);
    assertThat(kfpStates()).containsExactly("PENDING", "RUNNING", "FAILED", "RUNNING", "SUCCEEDED");
    exchange("retry an unknown run", "POST", RUNS + "/" + UUID.randomUUID() + ":retry", null);
  }

  @Test
  void terminateCancelsThenFails() {
    create("create pending", "p", demoRun("terminated while pending", "p"));
    create("create running", "r", demoRun("terminated while running", "r"));
    exchange("terminate pending", "POST", RUNS + "/${p}:terminate", null);
    exchange("get canceling", "GET", RUNS + "/${p}", null);
    exchange("terminate twice", "POST", RUNS + "/${p}:terminate", null);
    step(Peer::start);
    exchange("terminate running", "POST", RUNS + "/${r}:terminate", null);
    exchange("get canceling after running", "GET", RUNS + "/${r}", null);
    step(Peer::finish);
    exchange("get terminated pending", "GET", RUNS + "/${p}", null);
    exchange("get terminated running", "GET", RUNS + "/${r}", null);
    assertThat(kfpStates()).containsExactly("PENDING", "RUNNING", "CANCELING", "FAILED");
    exchange("terminate a terminated run", "POST", RUNS + "/${r}:terminate", null);
    exchange("terminate an unknown run", "POST", RUNS + "/" + UUID.randomUUID() + ":terminate", null);
    exchange("retry a terminated run", "POST", RUNS + "/${r}:retry", null);
    exchange("get the retried terminated run", "GET", RUNS + "/${r}", null);
  }

  @Test
  void archiveUnarchiveAndDelete() {
    create("create", "a", demoRun("archived", "a"));
    exchange("archive", "POST", RUNS + "/${a}:archive", null);
    exchange("archive again", "POST", RUNS + "/${a}:archive", null);
    exchange("get archived", "GET", RUNS + "/${a}", null);
    exchange("unarchive", "POST", RUNS + "/${a}:unarchive", null);
    exchange("unarchive again", "POST", RUNS + "/${a}:unarchive", null);
    for (Peer peer : peers) {
      peer.archiveExperiment("exp");
    }
    exchange("get after the experiment was archived", "GET", RUNS + "/${a}", null);
    exchange("unarchive in an archived experiment", "POST", RUNS + "/${a}:unarchive", null);
    exchange("create in an archived experiment", "POST", RUNS, demoRun("into archived", "late"));
    for (Peer peer : peers) {
      peer.unarchiveExperiment("exp");
    }
    exchange("get after the experiment was unarchived", "GET", RUNS + "/${a}", null);
    exchange("unarchive after the experiment was unarchived", "POST", RUNS + "/${a}:unarchive", null);
    exchange("delete", "DELETE", RUNS + "/${a}", null);
    exchange("get deleted", "GET", RUNS + "/${a}", null);
    exchange("delete again", "DELETE", RUNS + "/${a}", null);
    exchange("archive unknown", "POST", RUNS + "/" + UUID.randomUUID() + ":archive", null);
    exchange("unarchive unknown", "POST", RUNS + "/" + UUID.randomUUID() + ":unarchive", null);
  }

  @Test
  void listPagesSortsAndCounts() {
    for (String alias : List.of("r1", "r2", "r3", "r4", "r5")) {
      create("create " + alias, alias, demoRun("run " + (char) ('f' - alias.charAt(1) + '0'), alias));
    }
    exchange("list everything", "GET", RUNS, null);
    exchange("list by experiment", "GET", RUNS + "?experiment_id=${exp}", null);
    exchange("list an unknown experiment", "GET", RUNS + "?experiment_id=" + UUID.randomUUID(), null);
    Answer first = exchange("first page of two", "GET", RUNS + "?page_size=2", null);
    Map<Peer, String> tokens = tokensOf(first);
    exchange("second page of two", "GET", RUNS + "?page_size=2&page_token=${token}", null, tokens);
    exchange("page token without page size", "GET", RUNS + "?page_token=${token}", null, tokens);
    exchange("page token with another filter", "GET", RUNS + "?page_size=2&page_token=${token}&filter="
        + filterParameter(RunFilter.builder().equalTo("display_name", "x").build().toJson()), null, tokens);
    exchange("page token with another sort", "GET", RUNS + "?page_size=2&page_token=${token}&sort_by=display_name",
        null, tokens);
    exchange("garbage page token", "GET", RUNS + "?page_token=bm90IGEgdG9rZW4=", null);
    exchange("sort by display name descending", "GET", RUNS + "?sort_by=display_name%20desc", null);
    exchange("sort by display name, pages", "GET", RUNS + "?sort_by=display_name&page_size=3", null);
    exchange("sort by created_at descending", "GET", RUNS + "?sort_by=created_at%20desc&page_size=4", null);
    exchange("sort by an unknown field", "GET", RUNS + "?sort_by=colour", null);
    exchange("sort by experiment_id on one page", "GET", RUNS + "?sort_by=experiment_id", null);
    exchange("sort by experiment_id needing a next page", "GET", RUNS + "?sort_by=experiment_id&page_size=2", null);
    exchange("sort by state descending", "GET", RUNS + "?sort_by=state%20desc&page_size=2", null);
    exchange("a namespace in single-user mode", "GET", RUNS + "?namespace=team-a&page_size=1", null);
    exchange("by experiment, filtered, paged", "GET", RUNS + "?experiment_id=${exp}&page_size=1&filter="
        + filterParameter(RunFilter.builder().substring("display_name", "run").build().toJson()), null);
    exchange("page size over the cap", "GET", RUNS + "?page_size=1000", null);
    exchange("negative page size", "GET", RUNS + "?page_size=-1", null);
    exchange("page size that is no number", "GET", RUNS + "?page_size=abc", null);
    exchange("list matching nothing", "GET", RUNS + "?filter=" + filterParameter(RunFilter.builder()
        .equalTo("display_name", "nobody").build().toJson()), null);
  }

  @Test
  void filtersTheOperatorUses() {
    create("create marked", "m", demoRun("marked", "m", "kfp-run-operator uid=abc-123"));
    create("create other", "o", demoRun("other", "o", "kfp-run-operator uid=def-456"));
    create("create third", "t", demoRun("third", "t", "something_else"));
    step(Peer::start);
    exchange("terminate third", "POST", RUNS + "/${t}:terminate", null);
    exchange("archive one", "POST", RUNS + "/${o}:archive", null);

    Answer marked = listWith("marker search on description", RunFilter.builder()
        .substring("description", "uid=abc-123").build());
    Answer bulk = listWith("bulk filter run_id IN", RunFilter.builder().in("run_id", List.of("${m}", "${o}", "${t}"))
        .build());
    assertThat(runIds(marked)).as("KFP: description IS_SUBSTRING uid=abc-123").containsExactly(kfp.id("m"));
    assertThat(runIds(bulk)).as("KFP: run_id IN [m, o, t]").containsExactly(kfp.id("m"), kfp.id("o"), kfp.id("t"));
    listWith("bulk filter run_id IN with an unknown id", RunFilter.builder()
        .in("run_id", List.of("${m}", UUID.randomUUID().toString())).build());
    Answer notRunning = listWith("run_id IN and state NOT_EQUALS RUNNING", RunFilter.builder()
        .in("run_id", List.of("${m}", "${o}", "${t}")).notEqualTo("state", "RUNNING").build());
    Answer notArchived = listWith("run_id IN and storage_state NOT_EQUALS ARCHIVED", RunFilter.builder()
        .in("run_id", List.of("${m}", "${o}", "${t}")).notEqualTo("storage_state", "ARCHIVED").build());
    // What the bulk sync relies on, asserted on KFP's own answers (the comparison alone passes if both are wrong).
    assertThat(runIds(notRunning)).as("KFP: run_id IN [m, o, t] AND state != RUNNING").containsExactly(kfp.id("t"));
    assertThat(runIds(notArchived)).as("KFP: run_id IN [m, o, t] AND storage_state != ARCHIVED")
        .containsExactly(kfp.id("m"), kfp.id("t"));
    throughTheOperatorsClient("the operator's bulk sync filter, sent by its client",
        RunFilter.builder().in("run_id", List.of("${m}", "${o}", "${t}")).notEqualTo("state", "RUNNING")
            .notEqualTo("storage_state", "ARCHIVED").build());
    listWith("state IN active states", RunFilter.builder().in("state", List.of("PENDING", "RUNNING", "CANCELING"))
        .build());
    listWith("display_name EQUALS", RunFilter.builder().equalTo("display_name", "marked").build());
    listWith("display_name EQUALS in another case", RunFilter.builder().equalTo("display_name", "MARKED").build());
    listWith("description IS_SUBSTRING in another case", RunFilter.builder()
        .substring("description", "UID=ABC").build());
    listWith("IS_SUBSTRING with an underscore wildcard", RunFilter.builder()
        .substring("description", "uid_abc").build());
    listWith("IS_SUBSTRING with a percent wildcard", RunFilter.builder().substring("description", "uid%123")
        .build());
    listWith("created_at after long ago", RunFilter.builder().compare("created_at",
        RunFilter.Operation.GREATER_THAN, java.time.Instant.parse("2001-01-01T00:00:00Z")).build());
    listWith("created_at before long ago", RunFilter.builder().compare("created_at",
        RunFilter.Operation.LESS_THAN, java.time.Instant.parse("2001-01-01T00:00:00Z")).build());
    listWith("finished_at EQUALS 0", RunFilter.builder().compare("finished_at", RunFilter.Operation.EQUALS, 0L)
        .build());
    listWith("filter on an unknown field", RunFilter.builder().equalTo("colour", "red").build());
    listRaw("filter with an empty key", "{\"predicates\":[{\"key\":\"\",\"operation\":\"EQUALS\","
        + "\"string_value\":\"x\"}]}");
    listRaw("filter without an operation", "{\"predicates\":[{\"key\":\"state\",\"string_value\":\"RUNNING\"}]}");
    listRaw("IN with a single value", "{\"predicates\":[{\"key\":\"state\",\"operation\":\"IN\","
        + "\"string_value\":\"RUNNING\"}]}");
    listRaw("EQUALS with a list", "{\"predicates\":[{\"key\":\"state\",\"operation\":\"EQUALS\","
        + "\"string_values\":{\"values\":[\"RUNNING\"]}}]}");
    listRaw("IS_SUBSTRING with a number", "{\"predicates\":[{\"key\":\"description\",\"operation\":"
        + "\"IS_SUBSTRING\",\"long_value\":\"3\"}]}");
    listRaw("predicate without a value", "{\"predicates\":[{\"key\":\"state\",\"operation\":\"EQUALS\"}]}");
    listRaw("filter that is no JSON", "{\"predicates\":[");
    listRaw("filter with an unknown field", "{\"predicates\":[],\"colour\":1}");
    listRaw("operation as a number", "{\"predicates\":[{\"key\":\"display_name\",\"operation\":1,"
        + "\"string_value\":\"marked\"}]}");
    listRaw("camelCase value field", "{\"predicates\":[{\"key\":\"display_name\",\"operation\":\"EQUALS\","
        + "\"stringValue\":\"marked\"}]}");
  }

  // ---- the machinery ----

  /** A create for the demo (arguments) pipeline in the test experiment, with a client-chosen run id. */
  private String demoRun(String displayName, String alias) {
    return demoRun(displayName, alias, null);
  }

  private String demoRun(String displayName, String alias, String description) {
    ObjectNode run = JSON.createObjectNode().put("display_name", displayName).put("experiment_id", "${exp}");
    if (description != null) {
      run.put("description", description);
    }
    run.putObject("pipeline_version_reference").put("pipeline_version_id", "${version:args}");
    run.putObject("runtime_config").putObject("parameters").put("param2", "v");
    return withRunId(run.toString(), alias);
  }

  /**
   * The body with a {@code run_id} both servers will use: ids that sort in creation order, so that ties on
   * created_at (the servers store whole seconds) break the same way on both.
   */
  private String withRunId(String body, String alias) {
    String id = String.format("run-%02d-%s", ++runNumber, UUID.randomUUID());
    for (Peer peer : peers) {
      peer.ids.put(alias, id);
    }
    try {
      ObjectNode json = (ObjectNode) JSON.readTree(body);
      ObjectNode withId = JSON.createObjectNode().put("run_id", "${" + alias + "}");
      withId.setAll(json);
      return withId.toString();
    } catch (IOException e) {
      throw new IllegalArgumentException(body, e);
    }
  }

  /** A create; on success both servers know the run by {@code alias}. */
  /** The two reads of the pipeline service a Run by pipeline name costs, and their error paths. */
  @Test
  void pipelineReadsTheOperatorMakes() {
    exchange("pipeline by name", "GET", PIPELINES + "/names/args", null);
    exchange("pipeline by name with a namespace in single-user mode", "GET", PIPELINES + "/names/args?namespace=team-a",
        null);
    exchange("pipeline by an unknown name", "GET", PIPELINES + "/names/nope", null);
    exchange("versions of the pipeline", "GET", PIPELINES + "/${pipeline:args}/versions", null);
    exchange("versions by display name, a page of two", "GET", PIPELINES + "/${pipeline:args}/versions?page_size=2"
        + "&filter=" + filterParameter(RunFilter.builder().equalTo("display_name", "args").build().toJson()), null);
    exchange("versions by a display name none has", "GET", PIPELINES + "/${pipeline:args}/versions?filter="
        + filterParameter(RunFilter.builder().equalTo("display_name", "v9").build().toJson()), null);
    exchange("versions filtered on a field they do not have", "GET", PIPELINES + "/${pipeline:args}/versions?filter="
        + filterParameter(RunFilter.builder().equalTo("state", "READY").build().toJson()), null);
    exchange("versions sorted by an unknown field", "GET", PIPELINES + "/${pipeline:args}/versions?sort_by=colour",
        null);
    exchange("versions of an unknown pipeline", "GET", PIPELINES + "/" + UUID.randomUUID() + "/versions", null);
  }

  private void create(String label, String alias, String body) {
    Map<Peer, Answer> answers = send("POST", RUNS, body, Map.of());
    for (Map.Entry<Peer, Answer> answer : answers.entrySet()) {
      if (answer.getValue().status() == 200) {
        String runId = answer.getValue().body().path("run_id").asText();
        answer.getKey().ids.put(alias, runId);
        answer.getKey().runIds.add(runId);
        if (!body.contains("\"experiment_id\"")) {
          // KFP makes its "Default" experiment for the first run that names none; the simulator has one from the
          // start. The exchange "get the default experiment" checks that it is the same kind of experiment.
          answer.getKey().ids.putIfAbsent("default", answer.getValue().body().path("experiment_id").asText());
        }
      }
    }
    compare(label, answers);
  }

  private void step(java.util.function.Consumer<Peer> step) {
    peers.forEach(step);
  }

  private Answer exchange(String label, String method, String path, String body) {
    return exchange(label, method, path, body, Map.of());
  }

  /** Sends one request to both servers, compares the answers and returns the simulator's. */
  private Answer exchange(String label, String method, String path, String body, Map<Peer, String> tokens) {
    Map<Peer, Answer> answers = send(method, path, body, tokens);
    for (String action : List.of(":retry", ":terminate")) {
      if (path.endsWith(action)) {
        answers.forEach((peer, answer) -> {
          if (answer.status() == 200) {
            String runId = peer.resolve(path.substring(RUNS.length() + 1, path.length() - action.length()));
            if (action.equals(":retry")) {
              peer.retried(runId);
            } else {
              peer.terminated(runId);
            }
          }
        });
      }
    }
    compare(label, answers);
    return answers.get(simulator);
  }

  private Map<Peer, Answer> send(String method, String path, String body, Map<Peer, String> tokens) {
    Map<Peer, Answer> answers = new LinkedHashMap<>();
    for (Peer peer : peers) {
      String resolvedPath = peer.resolve(path.replace("${token}", URLEncoder.encode(tokens.getOrDefault(peer, ""),
          StandardCharsets.UTF_8)));
      answers.put(peer, peer.send(method, resolvedPath, body == null ? null : peer.resolve(body)));
    }
    return answers;
  }

  private Map<Peer, String> tokensOf(Answer simulatorAnswer) {
    Map<Peer, String> tokens = new LinkedHashMap<>();
    tokens.put(simulator, simulatorAnswer.body().path("next_page_token").asText());
    tokens.put(kfp, lastKfp.body().path("next_page_token").asText());
    return tokens;
  }

  /** Lists with the filter on both servers, compares, and returns KFP's answer. */
  private Answer listWith(String label, RunFilter filter) {
    return listRaw(label, filter.toJson());
  }

  /** A list whose filter is given as JSON (with aliases); returns KFP's answer. */
  private Answer listRaw(String label, String filterJson) {
    Map<Peer, Answer> answers = new LinkedHashMap<>();
    for (Peer peer : peers) {
      answers.put(peer, peer.send("GET", RUNS + "?filter=" + filterParameter(peer.resolve(filterJson)), null));
    }
    compare(label, answers);
    return answers.get(kfp);
  }

  /** The states in KFP's state_history of the run the last exchange got. */
  private List<String> kfpStates() {
    assertThat(lastKfp.status()).as("status of " + lastKfp.body()).isEqualTo(200);
    List<String> states = new ArrayList<>();
    lastKfp.body().path("state_history").forEach(change -> states.add(change.path("state").asText()));
    return states;
  }

  private static List<String> runIds(Answer answer) {
    assertThat(answer.status()).as("status of " + answer.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    answer.body().path("runs").forEach(run -> ids.add(run.path("run_id").asText()));
    return ids;
  }

  /**
   * A list through the operator's own client ({@link HttpKfpClient}, which encodes the filter its own way); the
   * runs it parsed (id, state, storage state, total) are compared.
   */
  private void throughTheOperatorsClient(String label, RunFilter filter) {
    Map<Peer, Answer> answers = new LinkedHashMap<>();
    for (Peer peer : peers) {
      RunFilter resolved = new RunFilter(filter.predicates().stream().map(p -> new RunFilter.Predicate(p.key(),
          p.operation(), p.stringValue(), p.longValue(), p.timestampValue(),
          p.stringValues() == null ? null : p.stringValues().stream().map(peer::resolve).toList())).toList());
      try (HttpKfpClient client = new HttpKfpClient(KfpClientConfig.builder(peer.baseUrl().toString()).build())) {
        ListRunsResponse response = client.listRuns(ListRunsRequest.all().withFilter(resolved));
        ObjectNode parsed = JSON.createObjectNode().put("total_size", response.totalSize());
        response.runs().forEach(run -> parsed.withArray("runs").addObject().put("run_id", run.runId())
            .put("state", String.valueOf(run.state())).put("storage_state", String.valueOf(run.storageState())));
        answers.put(peer, new Answer(200, parsed));
      } catch (KfpException e) {
        answers.put(peer, new Answer(e.httpStatus(), JSON.getNodeFactory().textNode(String.valueOf(e.kfpMessage()))));
      }
    }
    compare(label, answers);
  }

  /** KFP decodes the filter parameter twice (the gateway, then the list code), so it is encoded twice. */
  private static String filterParameter(String json) {
    return URLEncoder.encode(URLEncoder.encode(json, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  private void compare(String label, Map<Peer, Answer> answers) {
    EXCHANGES.incrementAndGet();
    Answer fromSimulator = answers.get(simulator);
    Answer fromKfp = answers.get(kfp);
    lastKfp = fromKfp;
    String exchange = scenario + "/" + label;
    if (fromSimulator.status() != fromKfp.status()) {
      differences.add(new Difference(exchange, "status", Integer.toString(fromSimulator.status()),
          Integer.toString(fromKfp.status())));
    }
    diff(exchange, "$", normalize(simulator, fromSimulator.body()), normalize(kfp, fromKfp.body()));
  }

  private void diff(String exchange, String path, JsonNode simulatorValue, JsonNode kfpValue) {
    if (simulatorValue == null || kfpValue == null) {
      if (simulatorValue != kfpValue) {
        differences.add(new Difference(exchange, path, shown(simulatorValue), shown(kfpValue)));
      }
      return;
    }
    if (simulatorValue.isObject() && kfpValue.isObject()) {
      Set<String> fields = new LinkedHashSet<>();
      simulatorValue.fieldNames().forEachRemaining(fields::add);
      kfpValue.fieldNames().forEachRemaining(fields::add);
      for (String field : fields) {
        diff(exchange, path + "." + field, simulatorValue.get(field), kfpValue.get(field));
      }
    } else if (simulatorValue.isArray() && kfpValue.isArray()) {
      for (int i = 0; i < Math.max(simulatorValue.size(), kfpValue.size()); i++) {
        diff(exchange, path + "[" + i + "]", simulatorValue.get(i), kfpValue.get(i));
      }
    } else if (simulatorValue.isNumber() && kfpValue.isNumber()) {
      if (simulatorValue.doubleValue() != kfpValue.doubleValue()) {
        differences.add(new Difference(exchange, path, shown(simulatorValue), shown(kfpValue)));
      }
    } else if (!simulatorValue.equals(kfpValue)) {
      differences.add(new Difference(exchange, path, shown(simulatorValue), shown(kfpValue)));
    }
  }

  private static String shown(JsonNode value) {
    if (value == null) {
      return "<absent>";
    }
    String text = value.toString();
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  /**
   * The answer with ids replaced by their aliases, timestamps (other than the epoch KFP uses for "not yet") by
   * {@code <time>}, page tokens by {@code <token>}, an error's long message (and read_artifact's
   * error_details, which carry Go stack traces) by {@code <message>}, and read_artifact's data by the log text
   * inside the archive.
   */
  private static JsonNode normalize(Peer peer, JsonNode body) {
    List<Map.Entry<String, String>> aliases = new ArrayList<>(peer.ids.entrySet());
    aliases.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getValue().length()).reversed());
    return normalize(body.deepCopy(), null, aliases, true);
  }

  private static JsonNode normalize(JsonNode node, String field, List<Map.Entry<String, String>> aliases,
      boolean top) {
    if (node.isObject()) {
      ObjectNode object = (ObjectNode) node;
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        String name = entry.getKey();
        if (top && (name.equals("message") && object.has("code") || name.equals("error_details"))) {
          entry.setValue(JSON.getNodeFactory().textNode(entry.getValue().asText().isEmpty() ? "" : "<message>"));
        } else if (name.equals("next_page_token")) {
          entry.setValue(JSON.getNodeFactory().textNode("<token>"));
        } else if (top && name.equals("data") && entry.getValue().isTextual()) {
          entry.setValue(JSON.getNodeFactory().textNode(archivedText(entry.getValue().asText())));
        } else {
          entry.setValue(normalize(entry.getValue(), name, aliases, false));
        }
      }
      return object;
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, normalize(node.get(i), field, aliases, false));
      }
      return node;
    }
    if (node.isTextual()) {
      String text = node.asText();
      if (isTimestamp(text) && !text.equals("1970-01-01T00:00:00Z")) {
        return JSON.getNodeFactory().textNode("<time>");
      }
      for (Map.Entry<String, String> alias : aliases) {
        text = text.replace(alias.getValue(), "${" + alias.getKey() + "}");
      }
      return JSON.getNodeFactory().textNode(text);
    }
    return node;
  }

  private static boolean isTimestamp(String text) {
    if (text.length() < 20 || text.charAt(4) != '-' || text.charAt(10) != 'T') {
      return false;
    }
    try {
      OffsetDateTime.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** The text of the one file in a gzipped tar, or a note of what else the data is. */
  private static String archivedText(String base64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      return "<not base64>";
    }
    try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      byte[] tar = gzip.readAllBytes();
      if (tar.length < 512) {
        return "<not a tar>";
      }
      long size = Long.parseLong(new String(tar, 124, 11, StandardCharsets.US_ASCII).trim(), 8);
      return "<archive of> " + new String(tar, 512, (int) size, StandardCharsets.UTF_8);
    } catch (IOException | NumberFormatException e) {
      return "<not a gzipped tar>";
    }
  }
}
