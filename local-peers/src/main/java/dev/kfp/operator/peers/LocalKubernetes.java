package dev.kfp.operator.peers;

import dev.kfp.operator.api.Run;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.Map;

/** A Kubernetes API on this machine with the Run CRD installed: the real one, or the mock where it cannot run. */
public interface LocalKubernetes extends AutoCloseable {

  /** An administrator's client; it stays owned by this object. */
  NamespacedKubernetesClient client();

  /** A kubeconfig file that reaches this API as an administrator, for kubectl and other tools. */
  Path kubeconfig();

  /**
   * Sets an annotation of a Run as {@code kubectl annotate --overwrite} does: a merge patch without a
   * resourceVersion, so the operator's own writes to the Run at the same moment cannot make it fail with a conflict.
   * Returns the Run as the patch left it.
   */
  default Run annotateRun(String namespace, String name, String key, String value) {
    return client().resources(Run.class).inNamespace(namespace).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE),
            Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(key, value)))));
  }

  /** One line saying what this API is. */
  String description();

  @Override
  void close();
}
