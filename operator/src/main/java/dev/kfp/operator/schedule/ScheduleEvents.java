package dev.kfp.operator.schedule;

import dev.kfp.operator.api.RunSchedule;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that emits Kubernetes Events about RunSchedules, and logs them; a failed event fails nothing. */
final class ScheduleEvents {

  static final String SCHEDULED = "Scheduled";
  static final String SKIPPED = "Skipped";
  static final String REPLACED = "Replaced";
  static final String MISSED_SCHEDULES = "MissedSchedules";
  static final String INVALID_SCHEDULE = "InvalidSchedule";
  static final String INVALID_TEMPLATE = "InvalidTemplate";
  static final String TRIGGERED = "Triggered";
  static final String PRUNED = "Pruned";

  private static final Logger LOG = LoggerFactory.getLogger(ScheduleEvents.class);
  private static final int MESSAGE_LIMIT = 1024;

  private final KubernetesClient client;
  private final Clock clock;
  private final AtomicLong sequence = new AtomicLong();

  ScheduleEvents(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  void normal(RunSchedule schedule, String reason, String message) {
    emit(schedule, "Normal", reason, message);
  }

  void warning(RunSchedule schedule, String reason, String message) {
    emit(schedule, "Warning", reason, message);
  }

  private void emit(RunSchedule schedule, String type, String reason, String message) {
    String namespace = schedule.getMetadata().getNamespace();
    String name = schedule.getMetadata().getName();
    LOG.info("{}/{}: {} {}: {}", namespace, name, type, reason, message);
    String text = message.length() > MESSAGE_LIMIT ? message.substring(0, MESSAGE_LIMIT - 3) + "..." : message;
    String now = clock.instant().toString();
    try {
      client.v1().events().inNamespace(namespace).resource(new EventBuilder()
          .withNewMetadata().withNamespace(namespace)
          .withName(name + "." + Long.toHexString(System.currentTimeMillis())
              + Long.toHexString(sequence.incrementAndGet()))
          .endMetadata()
          .withNewInvolvedObject().withApiVersion(schedule.getApiVersion()).withKind(schedule.getKind())
          .withName(name).withNamespace(namespace).withUid(schedule.getMetadata().getUid()).endInvolvedObject()
          .withType(type).withReason(reason).withMessage(text)
          .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
          .withNewSource().withComponent("kfp-run-operator").endSource()
          .withReportingComponent("kfp-run-operator")
          .build()).create();
    } catch (KubernetesClientException e) {
      LOG.warn("{}/{}: could not record event {}: {}", namespace, name, reason, e.getMessage());
    }
  }
}
