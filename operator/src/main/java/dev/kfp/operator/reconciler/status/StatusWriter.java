package dev.kfp.operator.reconciler.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.kfp.operator.api.Run;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The one way the reconciler writes a Run's status: a JSON Patch of the status subresource that carries the
 * {@code metadata.resourceVersion} the new status was computed from, so the API server refuses it (409) when
 * anyone wrote the object since. It names only the status fields that changed, so fields this operator version
 * does not know (written under a newer CRD) are kept. A stale writer, such as a stopped instance's last reconcile, therefore never
 * erases a run id or moves a state back. The patch holds the status only, never the spec. Why not server-side
 * apply or a merge patch: docs/developing/exactly-once.md.
 */
public final class StatusWriter implements StatusWrite {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a write did. */
  public enum Outcome {
    WRITTEN,
    UNCHANGED,
    /** The object changed since it was read; nothing was written. Read it again before deciding anything. */
    STALE
  }

  private final Run run;
  private final KubernetesClient kubernetes;
  private final BiConsumer<Run, Run> onWritten;
  private JsonNode written;

  /** A writer for one reconcile of {@code run}, as read (its status and resourceVersion). */
  public StatusWriter(Run run, Context<Run> context) {
    this(run, context.getClient(), (stored, read) -> context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(stored), stored, read));
  }

  /**
   * @param onWritten told the object as stored and as it was read, after each successful write
   */
  public StatusWriter(Run run, KubernetesClient kubernetes, BiConsumer<Run, Run> onWritten) {
    this.run = run;
    this.kubernetes = kubernetes;
    this.onWritten = onWritten;
    this.written = run.getStatus() == null ? JsonNodeFactory.instance.nullNode() : JSON.valueToTree(run.getStatus());
  }

  /**
   * Writes the Run's status if it differs from the last one read or written. On success the Run's
   * resourceVersion is the new one and JOSDK's cache holds the written object, so the next write of this
   * reconcile, and the next reconcile, start from it.
   */
  @Override
  public Outcome write() {
    JsonNode after = JSON.valueToTree(run.getStatus());
    if (after.equals(written)) {
      return Outcome.UNCHANGED;
    }
    // The lock comes first; then the status fields this version knows are set or removed one by one, so that
    // fields it does not know (a newer CRD's) stay as they are.
    LockedStatusPatch<Run> patch = new LockedStatusPatch<>(run);
    ArrayNode operations = patch.operations();
    if (!written.isObject()) {
      operations.addObject().put("op", "add").put("path", "/status").set("value", after);
    } else {
      written.fieldNames().forEachRemaining(field -> {
        if (!after.has(field)) {
          operations.addObject().put("op", "remove").put("path", "/status/" + field);
        }
      });
      after.fields().forEachRemaining(field -> {
        if (!field.getValue().equals(written.get(field.getKey()))) {
          operations.addObject().put("op", "add").put("path", "/status/" + field.getKey())
              .set("value", field.getValue());
        }
      });
    }
    Optional<Run> sent = patch.send(kubernetes);
    if (sent.isEmpty()) {
      return Outcome.STALE;
    }
    Run stored = sent.get();
    onWritten.accept(stored, run);
    run.getMetadata().setResourceVersion(stored.getMetadata().getResourceVersion());
    this.written = after;
    return Outcome.WRITTEN;
  }
}
