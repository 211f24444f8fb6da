package dev.kfp.operator;

import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.ManualClock;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.Timing;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The operator as the {@code operator} command starts it (configuration, endpoints, metrics, leader election),
 * against the embedded Kubernetes API and the KFP simulator on a manual clock (runs whose display name contains
 * "fail" fail, the others succeed). The operator has its own
 * Kubernetes client with its own User-Agent, so the requests it made can be told from the test's.
 */
public final class OperatorProcess implements AutoCloseable {

  public static final String NAMESPACE = "team-a";
  public static final String OPERATOR_NAMESPACE = "kfp-system";
  public static final Timing TIMING = new Timing(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2));
  private static final String USER_AGENT = "kfp-run-operator-under-test";
  private static final String PIPELINE = """
      schemaVersion: 2.1.0
      sdkVersion: kfp-2.7.0
      pipelineInfo: {name: tiny}
      root:
        inputDefinitions:
          parameters:
            epochs: {parameterType: NUMBER_INTEGER}
        dag: {tasks: {}}
      """;

  public final EmbeddedKubernetes kubernetes;
  public final ManualClock clock;
  public final KfpSimulator kfp;
  public final PipelineVersion pipeline;
  private final KubernetesClient operatorClient;
  private final OperatorWiring.Running running;
  private final HttpClient http = HttpClient.newHttpClient();

  private OperatorProcess(Map<String, String> settings, Consumer<KfpSimulator.Builder> simulator,
      Consumer<EmbeddedKubernetes> beforeStart) {
    kubernetes = EmbeddedKubernetes.start();
    kubernetes.allowLeaderElection();
    clock = new ManualClock();
    KfpSimulator.Builder kfpBuilder = KfpSimulator.builder().clock(clock).timing(TIMING)
        .outcomeRule(OutcomeRule.failWhenNameContains("fail"));
    simulator.accept(kfpBuilder);
    kfp = kfpBuilder.start();
    beforeStart.accept(kubernetes);
    pipeline = kfp.registerPipeline("tiny", PIPELINE);
    operatorClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(kubernetes.client().getConfiguration())
        .withUserAgent(USER_AGENT).build()).build();
    Map<String, String> env = new HashMap<>();
    env.put(Setting.KFP_ENDPOINT.envName(), kfp.baseUrl().toString());
    env.put(Setting.MONITORING_PORT.envName(), "0");
    env.put(Setting.POLL_INTERVAL.envName(), "200ms");
    env.put(Setting.RESYNC_INTERVAL.envName(), "2s");
    env.put(Setting.LEADER_ELECTION_NAMESPACE.envName(), OPERATOR_NAMESPACE);
    env.putAll(settings);
    running = OperatorWiring.of(OperatorConfig.load(env, new String[0]), operatorClient)
        .exitOnLostLease(false).start();
  }

  /** Starts with these settings (environment variable names) over the defaults above. */
  public static OperatorProcess start(Map<String, String> settings) {
    return new OperatorProcess(settings, simulator -> { }, kubernetes -> { });
  }

  /**
   * Starts with these settings, a simulator configured further (tokens, for example) and the Kubernetes API
   * prepared before the operator starts (scripted answers, for example).
   */
  public static OperatorProcess start(Map<String, String> settings, Consumer<KfpSimulator.Builder> simulator,
      Consumer<EmbeddedKubernetes> beforeStart) {
    return new OperatorProcess(settings, simulator, beforeStart);
  }

  public NamespacedKubernetesClient k8s() {
    return kubernetes.client();
  }

  /** A Run of the registered pipeline; {@code extraSpec} is YAML indented as spec fields. */
  public String runManifest(String name, String extraSpec) {
    return """
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata: {name: %s, namespace: %s}
        spec:
          pipeline:
            versionRef: {pipelineId: %s}
          parameters: {epochs: 3}
        %s""".formatted(name, NAMESPACE, pipeline.pipelineId(), extraSpec.indent(2));
  }

  public Run apply(String yaml) {
    return k8s().resource(Serialization.unmarshal(yaml, Run.class)).create();
  }

  public Run get(String name) {
    return k8s().resources(Run.class).inNamespace(NAMESPACE).withName(name).get();
  }

  public Run awaitRun(String name, Predicate<Run> condition) {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> get(name), run -> run != null && condition.test(run));
  }

  public Run awaitState(String name, String state) {
    return awaitRun(name, run -> run.getStatus() != null && state.equals(run.getStatus().getState()));
  }

  /** Drives a submitted run through PENDING and RUNNING to SUCCEEDED. */
  public Run runToSuccess(String name) {
    awaitState(name, "PENDING");
    clock.advance(TIMING.pending());
    awaitState(name, "RUNNING");
    clock.advance(TIMING.running());
    return awaitState(name, "SUCCEEDED");
  }

  /** The port of the operator's /healthz, /readyz and /metrics. */
  public int monitoringPort() {
    return running.monitoringPort();
  }

  /** GET on the operator's monitoring port. */
  public HttpResponse<String> endpoint(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + running.monitoringPort() + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Every request the operator's own Kubernetes client made so far (the test's requests are left out). */
  public List<RecordedRequest> operatorRequests() throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    RecordedRequest request;
    while ((request = kubernetes.server().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      String agent = request.getHeader("User-Agent");
      if (agent != null && agent.startsWith(USER_AGENT)) {
        requests.add(request);
      }
    }
    return requests;
  }

  @Override
  public void close() {
    running.close();
    operatorClient.close();
    kfp.close();
    kubernetes.close();
  }
}
