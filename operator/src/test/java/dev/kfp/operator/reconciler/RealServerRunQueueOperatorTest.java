package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.AdmittedRun;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every specification of {@link RunQueueOperatorTest} on the real kube-apiserver, and what only a real server does:
 * the CRD's rules, and a queue deleted and created again.
 */
@RealApiTier
class RealServerRunQueueOperatorTest extends RunQueueOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.REAL;
  }

  /**
   * A queue deleted and applied again (an Argo CD prune and sync, or kubectl) while one of its Runs is PENDING and
   * two wait. The new object starts with an empty status; the Runs are the record of what is active, so the queue
   * counts the PENDING one before it admits anyone. KFP's active runs are counted at every state change (each
   * creation and each finish, on KFP's clock). Before issue 24 the second Run was admitted at once: two active.
   */
  @ParameterizedTest(name = "{0} operator instance(s) without leader election")
  @ValueSource(ints = {1, 2})
  void aQueueDeletedAndCreatedAgainKeepsItsLimit(int instances) {
    start();
    if (instances == 2) {
      harness.startAnotherInstance();
    }
    createQueue("rq", 1);
    List<String> names = applyRuns("w", 3, "rq");
    harness.awaitState("w-1", "PENDING");
    awaitReason("w-2", RunConditions.REASON_QUEUED);
    awaitReason("w-3", RunConditions.REASON_QUEUED);

    harness.k8s().resources(RunQueue.class).inNamespace(OperatorHarness.NAMESPACE).withName("rq").delete();
    awaitReason("w-2", RunConditions.REASON_QUEUE_NOT_FOUND);
    awaitReason("w-3", RunConditions.REASON_QUEUE_NOT_FOUND);
    createQueue("rq", 1);

    await("the operator looked at the new queue").atMost(Duration.ofSeconds(30))
        .until(() -> queue("rq").getStatus() != null);
    await("KFP runs of the queue while w-1 is PENDING").during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
        .until(() -> harness.kfp().runCount(), count -> count == 1);
    await("the new queue counts the PENDING run and the two waiting").atMost(Duration.ofSeconds(30))
        .until(() -> queue("rq").getStatus().getActive() == 1 && queue("rq").getStatus().getWaiting() == 2);
    assertThat(queue("rq").getStatus().getAdmitted()).extracting(AdmittedRun::name).containsExactly("w-1");
    awaitReason("w-2", RunConditions.REASON_QUEUED);
    assertThat(harness.get("w-2").getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getMessage())
        .isEqualTo("position 1 of 2 in queue rq, 1 of 1 active");

    driveToTheEnd(3, 1, 0);
    names.forEach(name -> harness.awaitState(name, "SUCCEEDED"));
    assertThat(mostActiveAtOnce()).isEqualTo(1);
    assertFirstInFirstOut(names);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(3);
  }

  @Test
  void theRealApiServerRefusesAQueueWithoutASlotAndAnEditOfTheQueueName() {
    start();
    assertThatThrownBy(() -> createQueue("no-slot", 0)).isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.maxActive must be at least 1");
    createQueue("first", 1);
    createQueue("second", 1);
    harness.applyVersionRefRun("fixed", pipeline, "queueName: first");
    harness.awaitState("fixed", "PENDING");

    assertThatThrownBy(() -> harness.k8s().resources(Run.class).inNamespace(OperatorHarness.NAMESPACE)
        .withName("fixed").edit(run -> {
          run.getSpec().setQueueName("second");
          return run;
        })).isInstanceOf(KubernetesClientException.class).hasMessageContaining("spec.queueName cannot change");
  }
}
