package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.OperatorHarness.TIMING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.RunSnapshot;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Run whose inline spec is what the KFP SDK's compiler made of {@code src/test/python/pipelines/training.py}
 * in this build (typed inputs: str, int, float, bool, list, dict, two of them with defaults), through the
 * operator and the simulator.
 */
@MockApiTier
class CompiledPipelineRunTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** protobuf's Struct keeps numbers as doubles: KFP answers the compiler's {@code 7.0} as {@code 7}. */
  private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> a.isNumber() && b.isNumber()
      ? Double.compare(a.doubleValue(), b.doubleValue()) : a.equals(b) ? 0 : 1;

  private OperatorHarness harness;
  private JsonNode compiled;

  @BeforeEach
  void start() throws Exception {
    harness = OperatorHarness.start();
    compiled = YAML.readTree(CompiledPipelines.yaml("training"));
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  /** Applies a Run whose {@code spec.pipeline.spec} is the compiled pipeline. */
  private void applyTrainingRun(String name, String parameters) {
    Run run = Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: team-a}
        spec:
          parameters: %s
        """.formatted(name, parameters), Run.class);
    run.getSpec().setPipeline(PipelineSource.inline((ObjectNode) compiled));
    harness.apply(run);
  }

  @Test
  void theCompilersTypedPipelineRunsToSucceededWithItsParametersUnchanged() {
    assertThat(compiled.get("sdkVersion").asText()).as("compiled by the pinned SDK").isEqualTo("kfp-2.17.3");
    applyTrainingRun("train", "{dataset: s3://data/iris.csv, epochs: 3, learning_rate: 0.05, early_stopping: false, "
        + "features: [sepal_length, petal_width], hyperparameters: {optimizer: adam, layers: [64, 32]}, seed: 11}");

    Run pending = harness.awaitState("train", "PENDING");
    harness.clock.advance(TIMING.pending());
    harness.awaitState("train", "RUNNING");
    harness.clock.advance(TIMING.running());
    Run done = harness.awaitState("train", "SUCCEEDED");

    assertThat(done.getStatus().condition(RunConditions.SUCCEEDED).map(Condition::getStatus)).hasValue("True");
    assertThat(done.getStatus().getStateHistory()).extracting(h -> h.state())
        .containsExactly("PENDING", "RUNNING", "SUCCEEDED");
    RunSnapshot kfpRun = harness.kfp.runs().get(0);
    assertThat(harness.kfp.runs()).hasSize(1);
    assertThat(kfpRun.runId()).isEqualTo(pending.getStatus().getRunId());
    Map<String, String> parameters = new TreeMap<>();
    kfpRun.parameters().forEach((name, value) -> parameters.put(name, value.toString()));
    assertThat(parameters).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "dataset", "\"s3://data/iris.csv\"", "epochs", "3", "learning_rate", "0.05", "early_stopping", "false",
        "features", "[\"sepal_length\",\"petal_width\"]",
        "hyperparameters", "{\"optimizer\":\"adam\",\"layers\":[64,32]}", "seed", "11")));
    JsonNode submitted = harness.client.getRun(kfpRun.runId()).pipelineSpec();
    assertThat(submitted.equals(NUMBERS_BY_VALUE, compiled))
        .as("KFP holds the compiler's output, unchanged but for number formatting:%n%s", submitted).isTrue();
  }

  @Test
  void parametersThatDoNotFitTheCompiledInputsAreRefusedBeforeKfpIsCalled() {
    applyTrainingRun("mistyped", "{epochs: '3', learning_rate: 0.05, early_stopping: 'no', features: sepal_length, "
        + "hyperparameters: {}, batch_size: 32}");

    Run refused = harness.awaitRun("mistyped", run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED).map(c -> "False".equals(c.getStatus())).orElse(false));

    Condition submitted = refused.getStatus().condition(RunConditions.SUBMITTED).orElseThrow();
    assertThat(submitted.getReason()).isEqualTo(RunConditions.REASON_INVALID_SPEC);
    assertThat(submitted.getMessage()).contains(
        "spec.parameters.epochs must be an integer (pipeline type NUMBER_INTEGER)",
        "spec.parameters.early_stopping must be true or false (pipeline type BOOLEAN)",
        "spec.parameters.features must be a list (pipeline type LIST)",
        "spec.parameters.batch_size is not an input of the pipeline",
        "spec.parameters.dataset is required by the pipeline (type STRING)");
    assertThat(submitted.getMessage().split("; ")).as("one problem per wrong parameter, none for the rest").hasSize(5);
    // a change the operator looks at: it reads the Run again and still sends nothing
    harness.awaitReconciled(harness.touch("mistyped"));
    await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5))
        .until(() -> harness.kfp.calls().count(Endpoint.CREATE_RUN) == 0);
  }
}
