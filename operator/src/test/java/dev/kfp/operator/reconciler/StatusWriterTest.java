package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.reconciler.status.StatusWriter;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a status write costs the Kubernetes API: one PATCH of the status subresource, and nothing else. The
 * requests are the ones the Fabric8 mock recorded, so this shows what our client sends, not how a server answers.
 */
@MockApiTier
class StatusWriterTest {

  private EmbeddedKubernetes kubernetes;

  @BeforeEach
  void start() {
    kubernetes = EmbeddedKubernetes.start();
    kubernetes.client().namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withName(Phases.NAMESPACE).endMetadata().build()).create();
  }

  @AfterEach
  void stop() {
    kubernetes.close();
  }

  @Test
  void aStatusWriteIsOnePatchWithoutAReadBeforeIt() throws InterruptedException {
    Run created = kubernetes.client().resource(Phases.newRun("one-request")).create();
    Run run = kubernetes.client().resources(Run.class).inNamespace(Phases.NAMESPACE).withName("one-request").get();
    drainRequests();

    StatusWriter writer = new StatusWriter(run, kubernetes.client(), (stored, read) -> { });
    run.setStatus(new RunStatus());
    run.getStatus().setRunId("run-1");
    StatusWriter.Outcome first = writer.write();
    List<RecordedRequest> requests = drainRequests();

    assertThat(first).isEqualTo(StatusWriter.Outcome.WRITTEN);
    assertThat(requests).extracting(r -> r.getMethod() + " " + r.getPath()).containsExactly(
        "PATCH /apis/pipelines.kfp.dev/v1alpha1/namespaces/" + Phases.NAMESPACE + "/runs/one-request/status");
    assertThat(kubernetes.client().resources(Run.class).inNamespace(Phases.NAMESPACE).withName("one-request").get()
        .getStatus().getRunId()).isEqualTo("run-1");
    assertThat(run.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());
  }

  @Test
  void aStaleStatusWriteIsRefusedWithOneRequest() throws InterruptedException {
    kubernetes.client().resource(Phases.newRun("stale-one")).create();
    Run old = kubernetes.client().resources(Run.class).inNamespace(Phases.NAMESPACE).withName("stale-one").get();
    kubernetes.client().resources(Run.class).inNamespace(Phases.NAMESPACE).withName("stale-one")
        .editStatus(current -> {
          current.setStatus(new RunStatus());
          current.getStatus().setRunId("run-newer");
          return current;
        });
    drainRequests();

    StatusWriter writer = new StatusWriter(old, kubernetes.client(), (stored, read) -> { });
    old.setStatus(new RunStatus());
    old.getStatus().setRunId("run-older");
    StatusWriter.Outcome outcome = writer.write();

    assertThat(outcome).isEqualTo(StatusWriter.Outcome.STALE);
    assertThat(drainRequests()).extracting(RecordedRequest::getMethod).containsExactly("PATCH");
    assertThat(kubernetes.client().resources(Run.class).inNamespace(Phases.NAMESPACE).withName("stale-one").get()
        .getStatus().getRunId()).isEqualTo("run-newer");
  }

  private List<RecordedRequest> drainRequests() throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    RecordedRequest request;
    while ((request = kubernetes.server().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      requests.add(request);
    }
    return requests;
  }
}
