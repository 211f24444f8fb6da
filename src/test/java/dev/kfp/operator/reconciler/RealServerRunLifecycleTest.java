package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfp.operator.simulator.Endpoint;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link RunLifecycleTest} again, on the real kube-apiserver (CRD schema and CEL rules, RBAC,
 * real watches) instead of the mock.
 */
class RealServerRunLifecycleTest extends RunLifecycleTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }

  /** The CRD's immutability rule refuses the edit itself, so the operator and KFP never see it. */
  @Override
  @Test
  void aSpecEditAfterSubmissionIsReportedAndSendsNothingToKfp() {
    harness.apply(versionRefRun("edited", ""));
    harness.awaitState("edited", "PENDING");

    assertThatThrownBy(() -> harness.edit("edited", run -> run.getSpec().setDisplayName("another name")))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.displayName cannot change after creation");

    assertThat(harness.get("edited").getSpec().getDisplayName()).isNull();
    assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
  }
}
