package dev.kfp.operator.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.sandbox.EmbeddedKubernetes;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;

/** One embedded Kubernetes API and one simulator on the system clock, with a pipeline to run. */
final class BenchmarkEnvironment implements AutoCloseable {

  static final String NAMESPACE = "bench";

  final EmbeddedKubernetes kubernetes;
  final KfpSimulator kfp;
  final HttpKfpClient client;
  final PipelineVersion pipeline;
  /** The compiled pipeline every Run carries inline, or null when Runs name the stored {@link #pipeline}. */
  final ObjectNode inlineSpec;

  /**
   * @param spread each run's phases are longer by up to this much, so runs do not change state in step
   * @param specKib size of the inline pipeline spec of each Run (KFP sends it back with every run it lists,
   *     as a compiled pipeline of some dozens of components would be); 0: Runs name a stored pipeline
   */
  BenchmarkEnvironment(Timing timing, Duration spread, int specKib) {
    this.kubernetes = EmbeddedKubernetes.start();
    this.kfp = KfpSimulator.builder().timing(timing).durationSpread(spread).threads(32).start();
    this.client = new HttpKfpClient(KfpClientConfig.builder(kfp.baseUrl().toString())
        .connectTimeout(Duration.ofSeconds(10))
        .readTimeout(Duration.ofSeconds(30))
        .build());
    this.pipeline = kfp.registerPipeline("bench", """
        schemaVersion: 2.1.0
        pipelineInfo: {name: bench}
        root: {dag: {tasks: {}}}
        """);
    this.inlineSpec = specKib == 0 ? null : (ObjectNode) Serialization.unmarshal("""
        schemaVersion: 2.1.0
        pipelineInfo: {name: bench, description: %s}
        root: {dag: {tasks: {}}}
        """.formatted("x".repeat(specKib * 1024)), JsonNode.class);
  }

  NamespacedKubernetesClient k8s() {
    return kubernetes.client();
  }

  /** The Run the benchmark applies, number {@code i}. */
  Run run(int i) {
    if (inlineSpec != null) {
      Run run = Serialization.unmarshal("""
          apiVersion: pipelines.kfp.dev/v1alpha1
          kind: Run
          metadata: {name: bench-%05d, namespace: %s}
          spec: {}
          """.formatted(i, NAMESPACE), Run.class);
      run.getSpec().setPipeline(PipelineSource.inline(inlineSpec));
      return run;
    }
    return Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: bench-%05d, namespace: %s}
        spec:
          pipeline:
            versionRef: {pipelineId: %s}
        """.formatted(i, NAMESPACE, pipeline.pipelineId()), Run.class);
  }

  @Override
  public void close() {
    client.close();
    kfp.close();
    kubernetes.close();
  }
}
