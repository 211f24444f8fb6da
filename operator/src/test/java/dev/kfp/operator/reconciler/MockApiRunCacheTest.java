package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.tiers.MockApiTier;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link RunCacheTest} on Fabric8's mock Kubernetes API, and one only the mock allows: it
 * has no CRD rules.
 */
@MockApiTier
class MockApiRunCacheTest extends RunCacheTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }

  /**
   * Where the API server lets an immutable field change (here: no CRD rules, like a CRD installed without them; the
   * real server refuses the edit, as {@link RunLifecycleTest} shows), an edit of the parameters after submission is
   * found in the spec read from the API server (the cache's copy has none), and so is its revert.
   */
  @Test
  void anImmutableEditAfterSubmissionIsFoundInTheStoredSpec() {
    applyInlineRun("edited");
    harness.awaitState("edited", "PENDING");
    cached("edited");

    harness.edit("edited", run -> run.getSpec().setParameters(Map.of("param2", TextNode.valueOf("mars"))));
    Run edited = harness.awaitRun("edited", run -> !run.getStatus().isTrue(RunConditions.SUBMITTED));
    assertThat(edited.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getMessage())
        .startsWith("spec.parameters changed");

    harness.edit("edited", run -> run.getSpec().setParameters(Map.of("param2", TextNode.valueOf("world"))));
    Run reverted = harness.awaitRun("edited", run -> run.getStatus().isTrue(RunConditions.SUBMITTED));
    assertThat(reverted.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_SPEC_REVERTED);
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }
}
