package dev.kfp.operator;

import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.reconciler.EventRecorder;
import dev.kfp.operator.reconciler.ReconcilerSettings;
import dev.kfp.operator.reconciler.RunReconciler;
import dev.kfp.operator.reconciler.RunValidator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The running operator: a JOSDK {@link Operator} with the Run reconciler registered, wired to one Kubernetes
 * client and one KFP client. Server-side apply is off for status writes: it needs nothing that plain patches
 * cannot do, and the embedded Kubernetes API of the sandbox and the tests does not support it.
 */
public final class RunOperator implements AutoCloseable {

  private final Operator operator;

  private RunOperator(Operator operator) {
    this.operator = operator;
  }

  /** Registers the reconciler and starts watching Runs in the given namespaces (all when empty). */
  public static RunOperator start(KubernetesClient kubernetes, KfpClient kfp, ReconcilerSettings settings,
      Set<String> namespaces) {
    Operator operator = new Operator(o -> o
        .withKubernetesClient(kubernetes)
        .withUseSSAToPatchPrimaryResource(false)
        .withCloseClientOnStop(false));
    RunValidator validator = new RunValidator((namespace, name) -> Optional
        .ofNullable(kubernetes.configMaps().inNamespace(namespace).withName(name).get())
        .map(RunOperator::data));
    RunReconciler reconciler = new RunReconciler(kfp, validator, new EventRecorder(kubernetes), settings);
    operator.register(reconciler, configuration -> {
      if (!namespaces.isEmpty()) {
        configuration.settingNamespaces(namespaces);
      }
    });
    operator.start();
    return new RunOperator(operator);
  }

  private static Map<String, String> data(ConfigMap configMap) {
    return configMap.getData() == null ? Map.of() : configMap.getData();
  }

  @Override
  public void close() {
    operator.stop();
  }
}
