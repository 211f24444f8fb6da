package dev.kfp.operator.reconciler;

import dev.kfp.operator.api.Run;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that emits Kubernetes Events about Runs; a failed event never fails a reconcile. */
public class EventRecorder {

  static final String COMPONENT = "kfp-run-operator";
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final int MESSAGE_LIMIT = 1024;

  private final KubernetesClient client;
  private final AtomicLong sequence = new AtomicLong();

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void normal(Run run, String reason, String message) {
    emit(run, "Normal", reason, message);
  }

  public void warning(Run run, String reason, String message) {
    emit(run, "Warning", reason, message);
  }

  private void emit(Run run, String type, String reason, String message) {
    String now = Instant.now().toString();
    String text = message.length() > MESSAGE_LIMIT ? message.substring(0, MESSAGE_LIMIT - 3) + "..." : message;
    Event event = new EventBuilder()
        .withNewMetadata()
          .withNamespace(run.getMetadata().getNamespace())
          .withName(run.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis())
              + Long.toHexString(sequence.incrementAndGet()))
        .endMetadata()
        .withNewInvolvedObject()
          .withApiVersion(run.getApiVersion())
          .withKind(run.getKind())
          .withName(run.getMetadata().getName())
          .withNamespace(run.getMetadata().getNamespace())
          .withUid(run.getMetadata().getUid())
          .withResourceVersion(run.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(type)
        .withReason(reason)
        .withMessage(text)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .build();
    try {
      client.v1().events().inNamespace(run.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warn("{}/{}: could not record event {}: {}", run.getMetadata().getNamespace(),
          run.getMetadata().getName(), reason, e.getMessage());
    }
  }
}
