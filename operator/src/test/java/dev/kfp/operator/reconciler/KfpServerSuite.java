package dev.kfp.operator.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.realkfp.KfpTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * The base of the operator suites that run against KFP's own server ({@link OperatorHarness.KfpBackend#KFP_SERVER}),
 * each on the Kubernetes API it names: a harness per test, the pipelines uploaded through KFP's upload handler,
 * and run states moved only through the test server's control endpoint, which reports the workflow the way KFP's
 * persistence agent does. Each test prints which KFP it ran on.
 */
abstract class KfpServerSuite {

  static final ObjectMapper JSON = new ObjectMapper();
  /**
   * A pipeline the KFP SDK compiled, whose one input has a default (KFP's compiler refuses a root DAG without
   * tasks, which the simulator accepts).
   */
  static final String PLAIN_PIPELINE = CompiledPipelines.yaml("pipeline_with_condition");

  OperatorHarness harness;

  @BeforeEach
  void startOnKfpServer(TestInfo test) {
    harness = startHarness();
    System.out.println(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName()
        + ": KFP backend " + harness.kfpBackend().description() + " at " + server().baseUrl()
        + ", Kubernetes: " + harness.kubernetes.description());
  }

  /** The harness of each test, on the Kubernetes API the suite names (one per suite). */
  abstract OperatorHarness startHarness();

  @AfterEach
  void stopHarness() {
    if (harness != null) {
      harness.close();
    }
  }

  KfpTestServer server() {
    return harness.kfpServer();
  }

  /** Uploads a compiled pipeline through KFP's upload handler and returns its pipeline id. */
  String upload(String name, String yaml) {
    return json(server().uploadPipeline(name, yaml)).path("pipeline_id").asText();
  }

  /** The KFP run id of the Run, once the Run shows one. */
  String runIdOf(String name) {
    return harness.awaitRun(name, run -> run.getStatus() != null && run.getStatus().getRunId() != null)
        .getStatus().getRunId();
  }

  /** Moves the run's workflow to {@code phase} and reports it through KFP's report service. */
  void report(String runId, String phase) {
    server().report(runId, phase, null);
  }

  /** Every run KFP holds, archived ones too, as the operator's client reads them. */
  List<KfpRun> kfpRuns() {
    return harness.client().listAllRuns(ListRunsRequest.all()).toList();
  }

  KfpRun kfpRun(String runId) {
    return harness.client().getRun(runId);
  }

  /** A Run of the pipeline by id (KFP picks its latest version), with more spec fields (YAML lines). */
  String versionRefRun(String name, String pipelineId, String extraSpec) {
    return """
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: team-a}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
        %s""".formatted(name, pipelineId, extraSpec.indent(2));
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
