package dev.kfp.operator.reconciler.status;

import dev.kfp.operator.api.Run;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that emits Kubernetes Events about Runs; a failed event never fails a reconcile. An event
 * repeating one already sent for the same Run (same type, reason and message) within {@link #SERIES_WINDOW}
 * is not a new object: the first one's {@code count} and {@code lastTimestamp} go up, as Kubernetes' own
 * event recorders aggregate, so {@code kubectl describe} shows "x5 over 3m" instead of five rows.
 */
public class EventRecorder implements RunEvents {

  static final String COMPONENT = "kfp-run-operator";
  /** How long a repeat still counts towards the earlier event. */
  static final Duration SERIES_WINDOW = Duration.ofMinutes(10);
  /** Series remembered; the oldest are forgotten first (a repeat after that is a new event). */
  static final int SERIES_REMEMBERED = 4096;
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final int MESSAGE_LIMIT = 1024;

  /** An event sent, and how often it has been sent since. */
  private record Series(String name, String firstTimestamp, int count, Instant lastSent) {}

  private final KubernetesClient client;
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, Series> series = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Series> eldest) {
      return size() > SERIES_REMEMBERED;
    }
  };

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public void normal(Run run, String reason, String message) {
    emit(run, "Normal", reason, message);
  }

  @Override
  public void warning(Run run, String reason, String message) {
    emit(run, "Warning", reason, message);
  }

  private void emit(Run run, String type, String reason, String message) {
    Instant now = Instant.now();
    String text = message.length() > MESSAGE_LIMIT ? message.substring(0, MESSAGE_LIMIT - 3) + "..." : message;
    String key = run.getMetadata().getUid() + "\u0000" + type + "\u0000" + reason + "\u0000" + text;
    String namespace = run.getMetadata().getNamespace();
    Series earlier;
    synchronized (series) {
      earlier = series.get(key);
    }
    try {
      Series sent;
      if (earlier != null && now.isBefore(earlier.lastSent().plus(SERIES_WINDOW)) && repeat(namespace, earlier, now)) {
        sent = new Series(earlier.name(), earlier.firstTimestamp(), earlier.count() + 1, now);
      } else {
        String name = run.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis())
            + Long.toHexString(sequence.incrementAndGet());
        client.v1().events().inNamespace(namespace).resource(newEvent(run, name, type, reason, text, now)).create();
        sent = new Series(name, now.toString(), 1, now);
      }
      synchronized (series) {
        series.put(key, sent);
      }
    } catch (KubernetesClientException e) {
      LOG.warn("{}/{}: could not record event {}: {}", namespace, run.getMetadata().getName(), reason,
          e.getMessage());
    }
  }

  /** Counts a repeat on the event sent before; false when that event is gone (expired, deleted). */
  private boolean repeat(String namespace, Series earlier, Instant now) {
    String patch = "{\"count\":" + (earlier.count() + 1) + ",\"lastTimestamp\":\"" + now + "\"}";
    try {
      // Through resource(...), so that Fabric8 does not read the event first (a get the operator need not have).
      Event named = new EventBuilder().withNewMetadata().withNamespace(namespace).withName(earlier.name())
          .endMetadata().build();
      client.v1().events().inNamespace(namespace).resource(named).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private static Event newEvent(Run run, String name, String type, String reason, String text, Instant now) {
    return new EventBuilder()
        .withNewMetadata()
          .withNamespace(run.getMetadata().getNamespace())
          .withName(name)
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
        .withFirstTimestamp(now.toString())
        .withLastTimestamp(now.toString())
        .withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .build();
  }
}
