package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link ExactlyOnceTest} again, on the real kube-apiserver (CRD schema and CEL rules, RBAC,
 * real watches) instead of the mock. Where the mock scripts a failed request, the real server is made to refuse
 * it for real, by a ValidatingAdmissionPolicy.
 */
@RealApiTier
class RealServerExactlyOnceTest extends ExactlyOnceTest {

  private static final String REFUSE = "test.kfp.dev/refuse-status-writes";

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }

  /**
   * Refuses the status writes that record a run id, of a Run that carries the {@link #REFUSE} annotation; the
   * submission claim written before the create (no run id yet) goes through.
   */
  private List<HasMetadata> refuseStatusWritesPolicy() {
    String yaml = """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: refuse-run-status-writes}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: [pipelines.kfp.dev]
              apiVersions: [v1alpha1]
              operations: [UPDATE]
              resources: [runs/status]
          validations:
          - expression: "!has(object.metadata.annotations) || !('%1$s' in object.metadata.annotations)
              || !has(object.status) || !has(object.status.runId)"
            message: etcd is having a bad day
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: refuse-run-status-writes}
        spec:
          policyName: refuse-run-status-writes
          validationActions: [Deny]
        """.formatted(REFUSE);
    return harness.k8s().load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
  }

  /** Admission policies take effect a moment after they are created: waits until a probe Run's write is refused. */
  private void awaitPolicyInForce() {
    harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: policy-probe, annotations: {%s: "true"}}
        spec:
          pipeline: {versionRef: {pipelineId: probe}}
        """.formatted(REFUSE));
    var probe = harness.k8s().resources(Run.class).inNamespace(OperatorHarness.NAMESPACE).withName("policy-probe");
    await("the policy is in force").atMost(Duration.ofSeconds(30)).until(() -> {
      try {
        probe.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"runId\":\"x\"}}");
        return false;
      } catch (KubernetesClientException refused) {
        return refused.getMessage().contains("etcd is having a bad day");
      }
    });
    probe.delete();
    harness.awaitGone("policy-probe");
  }

  @Override
  @Test
  void aFailedFirstStatusWriteAfterACreateDoesNotCreateASecondRun() {
    List<HasMetadata> policy = refuseStatusWritesPolicy();
    try {
      harness.k8s().resourceList(policy).serverSideApply();
      harness.stopOperator();
      awaitPolicyInForce();
      harness.apply("""
          apiVersion: pipelines.kfp.dev/v1alpha1
          kind: Run
          metadata: {name: status-lost, annotations: {%s: "true"}}
          spec:
            pipeline: {versionRef: {pipelineId: %s}}
          """.formatted(REFUSE, pipeline.pipelineId()));
      var statusOfRun = harness.k8s().resources(Run.class).inNamespace(OperatorHarness.NAMESPACE)
          .withName("status-lost").subresource("status");
      harness.startOperator();

      await("the operator looked for its run again after a refused status write").atMost(Duration.ofSeconds(30))
          .until(() -> harness.kfp.calls().count(Endpoint.CREATE_RUN) == 1
              && harness.kfp.calls().count(Endpoint.LIST_RUNS) >= 2);
      assertThat(harness.get("status-lost").getStatus().getRunId()).as("no run id could be recorded").isNull();
      assertThatThrownBy(() -> statusOfRun.patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"status\":{\"runId\":\"probe\"}}"))
          .hasMessageContaining("etcd is having a bad day");
      harness.edit("status-lost", run -> run.getMetadata().getAnnotations().remove(REFUSE));

      Run run = harness.awaitRun("status-lost", r -> r.getStatus() != null && r.getStatus().getRunId() != null);
      assertThat(harness.kfp.runs()).hasSize(1);
      assertThat(run.getStatus().getRunId()).isEqualTo(harness.kfp.runs().get(0).runId());
      assertThat(harness.kfp.calls().count(Endpoint.CREATE_RUN)).isEqualTo(1);
    } finally {
      harness.k8s().resourceList(policy).delete();
    }
  }
}
