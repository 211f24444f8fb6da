package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.RealCluster;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CRD on the cluster is newer than the operator (an upgrade rolled back, or {@code crd.install=false}): it
 * declares fields this operator does not know, and one whose type changed. On the real API server, with that
 * CRD installed, the operator keeps running, reconciles every Run it can read, keeps the fields it does not know,
 * and reports the one it cannot read without touching it.
 */
@RealApiTier
class RealServerNewerCrdTest {

  private OperatorHarness harness;
  private PipelineVersion pipeline;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(OperatorHarness.Backend.REAL, false, simulator -> { });
    pipeline = harness.registerPlainPipeline();
    RealCluster.shared().installCrd(newerCrd());
  }

  @AfterEach
  void stop() {
    harness.close();
    RealCluster.shared().installCrd(EmbeddedKubernetes.runCrd());
  }

  /**
   * Today's CRD plus fields a later version might add: {@code spec.priorityClassName}, {@code status.queuePosition},
   * and {@code status.terminated} as text.
   */
  private static CustomResourceDefinition newerCrd() {
    CustomResourceDefinition crd = EmbeddedKubernetes.runCrd();
    Map<String, JSONSchemaProps> root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema()
        .getProperties();
    root.get("spec").getProperties().put("priorityClassName",
        new JSONSchemaPropsBuilder().withType("string").build());
    Map<String, JSONSchemaProps> status = root.get("status").getProperties();
    status.put("queuePosition", new JSONSchemaPropsBuilder().withType("integer").build());
    status.put("terminated", new JSONSchemaPropsBuilder().withType("string").build());
    return crd;
  }

  private void createRaw(String name, String extraSpec) {
    harness.k8s().resource(harness.k8s().getKubernetesSerialization().unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: %s}
        spec:
          pipeline: {versionRef: {pipelineId: %s}}
          %s
        """.formatted(name, OperatorHarness.NAMESPACE, pipeline.pipelineId(), extraSpec),
        GenericKubernetesResource.class)).create();
  }

  private void patchStatusRaw(String name, String statusJson) {
    harness.k8s().genericKubernetesResources(Run.GROUP + "/" + Run.VERSION, "Run")
        .inNamespace(OperatorHarness.NAMESPACE).withName(name).subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":" + statusJson + "}");
  }

  private Map<String, Object> rawStatus(String name) {
    GenericKubernetesResource raw = harness.k8s().genericKubernetesResources(Run.GROUP + "/" + Run.VERSION, "Run")
        .inNamespace(OperatorHarness.NAMESPACE).withName(name).get();
    @SuppressWarnings("unchecked")
    Map<String, Object> status = (Map<String, Object>) raw.getAdditionalProperties().get("status");
    return status;
  }

  @Test
  void unknownFieldsAreKeptAndAnUnreadableRunIsReportedWhileTheOthersAreReconciled() {
    harness.stopOperator();
    createRaw("newer", "priorityClassName: gpu-nightly");
    patchStatusRaw("newer", "{\"queuePosition\": 3}");
    createRaw("odd", "");
    patchStatusRaw("odd", "{\"terminated\": \"yes\"}");
    createRaw("plain", "");

    harness.startOperator();

    harness.awaitState("plain", "PENDING");
    Run newer = harness.awaitState("newer", "PENDING");
    assertThat(newer.getStatus().getRunId()).isNotNull();
    assertThat(rawStatus("newer")).containsEntry("queuePosition", 3).containsKey("runId");
    harness.awaitRun("odd", run -> harness.eventReasons("odd").contains(RunConditions.REASON_UNREADABLE));
    assertThat(harness.events("odd").get(0).getMessage())
        .contains("status cannot be read: terminated:")
        .contains("run an operator version that matches the installed CRD");
    assertThat(rawStatus("odd")).containsOnlyKeys("terminated");
    assertThat(harness.kfp.runs()).hasSize(2);
    assertThat(harness.operator().runtimeInfo().allEventSourcesAreHealthy()).isTrue();

    harness.edit("plain", run -> run.getSpec().setArchived(true));
    harness.awaitRun("plain", run -> "ARCHIVED".equals(run.getStatus().getStorageState()));
  }
}
