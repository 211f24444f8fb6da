package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.AdmittedRun;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Every specification of {@link RunQueueOperatorTest} on Fabric8's mock Kubernetes API, and two operator instances
 * racing on one queue.
 */
@MockApiTier
class MockApiRunQueueOperatorTest extends RunQueueOperatorTest {

  @Override
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }

  /**
   * The second instance writes each queue status 500 ms after it decided it, so its decisions are often made on
   * a queue that the first instance has changed meanwhile; only the lock on the resourceVersion keeps such a
   * write from replacing the newer record. With the lock taken out of {@code ClusterQueueStore}, this test failed
   * 3 times in 3 (a third run was created while two were active).
   */
  @Test
  void twoInstancesWithoutLeaderElectionNeverOverAdmit() {
    start();
    harness.kfp().faults().inject(Fault.latency(Duration.ZERO, Duration.ofMillis(200)));
    harness.startAnotherInstance(http -> http.addOrReplaceInterceptor("late-queue-writes", new Interceptor() {
      @Override
      public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        if ("PATCH".equals(request.method()) && request.uri().getPath().endsWith("/status")
            && request.uri().getPath().contains("/runqueues/")) {
          try {
            Thread.sleep(500);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }));
    List<List<AdmittedRun>> admittedSeen = new CopyOnWriteArrayList<>();
    Watch watch = harness.k8s().resources(RunQueue.class).inNamespace(OperatorHarness.NAMESPACE)
        .watch(new Watcher<>() {
          @Override
          public void eventReceived(Action action, RunQueue queue) {
            if (queue.getStatus() != null) {
              admittedSeen.add(queue.getStatus().getAdmitted());
            }
          }

          @Override
          public void onClose(WatcherException cause) {
            // the test closes the watch itself once the queue ran to its end
          }
        });
    createQueue("shared", 2);
    List<String> names = applyRuns("s", 8, "shared");

    driveToTheEnd(8, 2, 0);
    watch.close();

    assertThat(admittedSeen).as("every version of the queue's admission record").isNotEmpty().allSatisfy(admitted -> {
      assertThat(admitted).hasSizeLessThanOrEqualTo(2);
      assertThat(admitted.stream().map(AdmittedRun::uid)).doesNotHaveDuplicates();
    });

    names.forEach(name -> harness.awaitState(name, "SUCCEEDED"));
    assertThat(createdInKfp().keySet()).containsExactlyInAnyOrderElementsOf(names);
    assertThat(mostActiveAtOnce()).isEqualTo(2);
    assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isEqualTo(8);
    List<Instant> created = names.stream().map(createdInKfp()::get).toList();
    assertThat(created).as("first in, first out, two at a time").isSortedAccordingTo(Comparator.naturalOrder());
  }
}
