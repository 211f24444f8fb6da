package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorCommand;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.packaging.ChartRbac;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link RunLifecycleTest} on the real kube-apiserver with the operator acting as the
 * chart's service account, bound to exactly the ClusterRole and leader election Role that {@code helm template}
 * renders with the default values, and electing a leader as the chart's Deployment configures it. Least
 * privilege from the other side, each grant taken away in turn, is {@code ChartRbacLeastPrivilegeTest}.
 */
@RealApiTier
class ChartRbacRunLifecycleTest extends RunLifecycleTest {

  private ChartRbac rbac;

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }

  @Override
  OperatorAccess access() {
    rbac = ChartRbac.rendered(Map.of());
    return rbac;
  }

  @Test
  void theOperatorLeadsWithTheChartsLeaseInTheReleaseNamespace() {
    await().atMost(Duration.ofSeconds(30)).until(rbac::leading);
    Lease lease = RealCluster.shared().client().leases().inNamespace("kfp-system")
        .withName(OperatorCommand.LEASE_NAME).get();
    assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
    assertThat(rbac.user()).isEqualTo("system:serviceaccount:kfp-system:kfp-run-operator");
  }
}
