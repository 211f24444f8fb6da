package dev.kfp.operator.reconciler;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.reconciler.status.RunEvents;
import java.util.ArrayList;
import java.util.List;

/** The events the reconciler emitted, in order, instead of sending them to Kubernetes. */
final class RecordedEvents implements RunEvents {

  /** One event: Normal or Warning, with its reason and message. */
  record Event(String type, String object, String reason, String message) {}

  private final List<Event> events = new ArrayList<>();

  @Override
  public void normal(Run run, String reason, String message) {
    events.add(new Event("Normal", run.getMetadata().getName(), reason, message));
  }

  @Override
  public void warning(Run run, String reason, String message) {
    events.add(new Event("Warning", run.getMetadata().getName(), reason, message));
  }

  List<Event> all() {
    return List.copyOf(events);
  }

  List<String> reasons() {
    return events.stream().map(Event::reason).toList();
  }

  List<Event> warnings() {
    return events.stream().filter(e -> e.type().equals("Warning")).toList();
  }
}
