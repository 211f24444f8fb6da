package dev.kfp.operator.reconciler.submit;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Optional;

/**
 * Reads the metadata of a {@code pipelines.kubeflow.org/v2beta1} PipelineVersion object (KFP's Kubernetes-native
 * mode) in a namespace; empty when there is none, or when the API server does not know the kind.
 */
@FunctionalInterface
public interface PipelineVersionObjects {
  Optional<ObjectMeta> read(String namespace, String name);
}
