package dev.kfp.operator.benchmark;

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

  /** @param spread each run's phases are longer by up to this much, so runs do not change state in step */
  BenchmarkEnvironment(Timing timing, Duration spread) {
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
  }

  NamespacedKubernetesClient k8s() {
    return kubernetes.client();
  }

  /** The Run the benchmark applies, number {@code i}. */
  Run run(int i) {
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
