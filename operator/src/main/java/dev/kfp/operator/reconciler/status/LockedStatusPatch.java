package dev.kfp.operator.reconciler.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.util.Optional;

/**
 * A JSON Patch of an object's status subresource that the API server applies only to the version it was
 * computed from: its first operation sets {@code metadata.resourceVersion} to the version read, so the server
 * answers 409 when anyone wrote the object since. Runs' and RunQueues' status writes both go through it.
 */
public final class LockedStatusPatch<T extends HasMetadata> {

  private final T read;
  private final ArrayNode operations = JsonNodeFactory.instance.arrayNode();

  /** A patch of {@code read}'s status, locked on the resourceVersion it was read with. */
  public LockedStatusPatch(T read) {
    this.read = read;
    operations.addObject().put("op", "replace").put("path", "/metadata/resourceVersion")
        .put("value", read.getMetadata().getResourceVersion());
  }

  /** The operations after the lock, to which the caller adds the status changes. */
  public ArrayNode operations() {
    return operations;
  }

  /** Sends the patch; the object as stored, or empty when it changed since it was read (409). */
  public Optional<T> send(KubernetesClient client) {
    try {
      // Through resource(read), not withName(name): given only a name, Fabric8 GETs the object before it
      // sends a patch, which would double the API server requests of every status write.
      return Optional.of(client.resource(read).subresource("status")
          .patch(PatchContext.of(PatchType.JSON), operations.toString()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
