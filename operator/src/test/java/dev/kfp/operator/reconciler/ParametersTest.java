package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.RunSnapshot;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.Condition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What happens to parameters on the way to KFP (docs/using/reference.md, "Parameters"): a number a double cannot hold is refused
 * before any call; everything else is sent as written, and what KFP makes of it never reads as a spec change.
 * Against the simulator, which keeps numbers as doubles like KFP.
 */
@MockApiTier
class ParametersTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private OperatorHarness harness;
  private PipelineVersion pipeline;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start();
    pipeline = harness.kfp.registerPipeline("typed", """
        schemaVersion: 2.1.0
        pipelineInfo: {name: typed}
        root:
          dag: {tasks: {}}
          inputDefinitions:
            parameters:
              seed: {parameterType: NUMBER_INTEGER}
              rate: {parameterType: NUMBER_DOUBLE}
              cfg: {parameterType: STRUCT}
        """);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private Run apply(String name, String parameters) {
    return harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
          parameters: %s
        """.formatted(name, pipeline.pipelineId(), parameters));
  }

  @Test
  void twoToTheFiftyThirdPlusOneIsRefusedWithAMessageAndNoKfpCall() {
    apply("too-big", "{seed: 9007199254740993}");

    Run refused = harness.awaitRun("too-big", run -> run.getStatus() != null
        && run.getStatus().condition(RunConditions.SUBMITTED).isPresent());
    Condition submitted = refused.getStatus().condition(RunConditions.SUBMITTED).orElseThrow();
    long calls = harness.kfp.calls().total();
    System.out.printf("parameters: seed 2^53+1 -> Submitted=%s/%s, %d KFP calls; message: %s%n",
        submitted.getStatus(), submitted.getReason(), calls, submitted.getMessage());
    assertThat(submitted.getStatus()).isEqualTo("False");
    assertThat(submitted.getReason()).isEqualTo(RunConditions.REASON_INVALID_SPEC);
    assertThat(submitted.getMessage()).contains("9007199254740993", "beyond ±2^53", "Quote it to pass a string");
    assertThat(calls).as("KFP calls").isZero();
    assertThat(refused.getStatus().getRunId()).isNull();
  }

  @Test
  void whatKfpMakesOfNumbersAndNestedNullsIsSentAsWrittenAndNeverReadAsASpecChange() {
    apply("as-written", "{seed: 9007199254740992, rate: 1.0, cfg: {a: null, list: [1, null, 2.50], z: {}}}");

    Run submitted = harness.awaitRun("as-written", run -> run.getStatus() != null
        && run.getStatus().getRunId() != null);
    harness.clock.advance(OperatorHarness.TIMING.pending());
    Run running = harness.awaitState("as-written", "RUNNING");

    RunSnapshot stored = harness.kfp.run(submitted.getStatus().getRunId()).orElseThrow();
    assertThat(stored.parameters().get("seed").asLong()).isEqualTo(9007199254740992L);
    assertThat(stored.parameters().get("rate").toString()).as("1.0 is the double 1").isEqualTo("1");
    assertThat(stored.parameters().get("cfg").toString()).as("nested nulls and empty objects are kept")
        .isEqualTo("{\"a\":null,\"list\":[1,null,2.5],\"z\":{}}");
    assertThat(running.getStatus().isTrue(RunConditions.SUBMITTED)).isTrue();
    assertThat(running.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_CREATED);
    JsonNode sent = JSON.valueToTree(harness.get("as-written").getSpec().getParameters());
    assertThat(sent.get("rate").isFloatingPointNumber()).as("the Run keeps what the user wrote").isTrue();
  }
}
