package dev.kfp.operator.sandbox;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import java.nio.file.Path;

/** A Kubernetes API on this machine with the Run CRD installed: the real one, or the mock where it cannot run. */
public interface LocalKubernetes extends AutoCloseable {

  /** An administrator's client; it stays owned by this object. */
  NamespacedKubernetesClient client();

  /** A kubeconfig file that reaches this API as an administrator, for kubectl and other tools. */
  Path kubeconfig();

  /** One line saying what this API is. */
  String description();

  @Override
  void close();
}
