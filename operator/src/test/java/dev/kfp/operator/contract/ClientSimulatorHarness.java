package dev.kfp.operator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.InterceptedKfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.PipelineVersionReference;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.ManualClock;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.Timing;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The real client talking to a simulator through an {@link OpenApiRecorder}, on a manual clock: every test of
 * this package checks both sides of the conversation against KFP's document at once.
 *
 * <p>Runs stay PENDING for {@link #PENDING}, RUNNING for {@link #RUNNING} and CANCELING for 3 s of the manual
 * clock. The client's timeouts (2 s) are short enough for latency faults to time out quickly, and long enough
 * that an answer of the simulator on 2 loaded cores is not taken for one (300 ms timed out a list of
 * {@link ClientSimulatorPagingTest} at a load average of 14).
 */
final class ClientSimulatorHarness implements AutoCloseable {

  static final Duration PENDING = Duration.ofSeconds(5);
  static final Duration RUNNING = Duration.ofSeconds(60);
  static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(2);
  /** Long enough for any run started now to have finished. */
  static final Duration UNTIL_FINISHED = PENDING.plus(RUNNING).plusSeconds(1);

  private static final String DEMO_PIPELINE = "/dev/kfp/operator/simulator/demo-pipeline.yaml";

  final ManualClock clock = new ManualClock();
  private final List<HttpKfpClient> clients = new ArrayList<>();
  final OpenApiRecorder recorder = new OpenApiRecorder();
  final KfpSimulator simulator;
  final HttpKfpClient client;
  /** The simulator's demo pipeline (inputs: message, repeat, dry_run), registered at start. */
  final PipelineVersion demo;

  private ClientSimulatorHarness(UnaryOperator<KfpSimulator.Builder> simulatorSettings,
      UnaryOperator<KfpClientConfig.Builder> clientSettings) {
    simulator = simulatorSettings.apply(KfpSimulator.builder().clock(clock)
        .timing(new Timing(PENDING, RUNNING, Duration.ofSeconds(3)))).start();
    client = anotherClient(clientSettings);
    demo = simulator.registerPipeline("demo", demoSpecText());
  }

  static ClientSimulatorHarness start() {
    return start(UnaryOperator.identity(), UnaryOperator.identity());
  }

  static ClientSimulatorHarness start(UnaryOperator<KfpSimulator.Builder> simulatorSettings,
      UnaryOperator<KfpClientConfig.Builder> clientSettings) {
    return new ClientSimulatorHarness(simulatorSettings, clientSettings);
  }

  /** One more client of the same simulator, checked by the same recorder, closed with the harness. */
  HttpKfpClient anotherClient(UnaryOperator<KfpClientConfig.Builder> settings) {
    HttpKfpClient another = InterceptedKfpClient.create(settings.apply(
        KfpClientConfig.builder(simulator.baseUrl().toString())
            .connectTimeout(CLIENT_TIMEOUT)
            .readTimeout(CLIENT_TIMEOUT)).build(), recorder);
    clients.add(another);
    return another;
  }

  /** A create request for the demo pipeline's latest version. */
  KfpRun.CreateBuilder runOfDemo(String displayName) {
    return KfpRun.create(displayName)
        .pipelineVersionReference(new PipelineVersionReference(demo.pipelineId(), demo.pipelineVersionId()));
  }

  /** Creates a run of the demo pipeline and returns its id. */
  String createDemoRun(String displayName) {
    return client.createRun(runOfDemo(displayName).build()).runId();
  }

  /** The demo pipeline's compiled IR as JSON, for inline-spec runs. */
  static ObjectNode demoSpec() {
    try {
      return (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(demoSpecText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String demoSpecText() {
    try (InputStream in = ClientSimulatorHarness.class.getResourceAsStream(DEMO_PIPELINE)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops both sides, then fails if any exchange broke KFP's document. */
  @Override
  public void close() {
    clients.forEach(HttpKfpClient::close);
    simulator.close();
    assertThat(recorder.violations()).as("exchanges that do not match KFP's OpenAPI document").isEmpty();
  }
}
