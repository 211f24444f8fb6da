package dev.kfp.operator.sandbox;

import dev.kfp.operator.peers.KfpServer;
import dev.kfp.operator.peers.PersistenceAgent;

import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.Timing;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The KFP the sandbox's operator talks to, holding the sample pipeline: the simulator, or KFP's own server with a
 * persistence agent that moves its runs. Both run the runs with the same {@link Timing} and {@link OutcomeRule}.
 */
public interface SandboxKfp extends AutoCloseable {

  /** Which KFP the sandbox runs on ({@code --kfp}). */
  enum Choice {
    /** The KFP simulator (dev.kfp.operator.simulator), in this process. */
    SIMULATOR,
    /** KFP 2.17.0's own API server, built from KFP's source by {@link KfpServer#SCRIPT}. */
    KFP_SERVER
  }

  URI baseUrl();

  /** What the sandbox runs on, for its first line: which KFP, where. */
  String description();

  /** The sample pipeline's id in this KFP. */
  String pipelineId();

  /** The id of the sample pipeline's version with display name v2. */
  String namedVersionId();

  /** A closing clause about the calls this KFP served. */
  String callsNote();

  @Override
  void close();

  /**
   * Starts the KFP the choice names with the sample pipeline uploaded (two versions: arguments-parameters and v2).
   *
   * @param workingDir where to look for the checkout that builds KFP's server
   * @param progress the build script's messages while it builds KFP's server
   * @throws IllegalStateException with a one-line message when KFP's server cannot be had
   */
  static SandboxKfp start(Choice choice, Timing timing, OutcomeRule outcomes, String pipelineYaml, Path workingDir,
      Consumer<String> progress) {
    return choice == Choice.SIMULATOR ? simulator(timing, outcomes, pipelineYaml)
        : kfpServer(KfpServer.start(workingDir, progress), timing, outcomes, pipelineYaml);
  }

  private static SandboxKfp simulator(Timing timing, OutcomeRule outcomes, String pipelineYaml) {
    KfpSimulator kfp = KfpSimulator.builder().timing(timing).outcomeRule(outcomes).start();
    kfp.registerPipeline(SandboxScenario.PIPELINE_ID, SandboxScenario.PIPELINE_VERSION_ID, "arguments-parameters",
        pipelineYaml);
    kfp.registerPipeline(SandboxScenario.PIPELINE_ID, SandboxScenario.NAMED_VERSION_ID, "v2", pipelineYaml);
    return new SandboxKfp() {
      @Override
      public URI baseUrl() {
        return kfp.baseUrl();
      }

      @Override
      public String description() {
        return "KFP simulator at " + kfp.baseUrl();
      }

      @Override
      public String pipelineId() {
        return SandboxScenario.PIPELINE_ID;
      }

      @Override
      public String namedVersionId() {
        return SandboxScenario.NAMED_VERSION_ID;
      }

      @Override
      public String callsNote() {
        return "KFP simulator served " + kfp.calls().total() + " calls";
      }

      @Override
      public void close() {
        kfp.close();
      }
    };
  }

  /** KFP's server, which the caller started and this now owns, with the sample pipeline and a persistence agent. */
  private static SandboxKfp kfpServer(KfpServer server, Timing timing, OutcomeRule outcomes, String pipelineYaml) {
    PersistenceAgent agent;
    String pipelineId;
    String namedVersionId;
    try {
      pipelineId = KfpServer.field(server.uploadPipeline("arguments-parameters", pipelineYaml), "pipeline_id");
      namedVersionId = KfpServer.field(server.uploadPipelineVersion(pipelineId, "v2", pipelineYaml),
          "pipeline_version_id");
      agent = PersistenceAgent.start(server, timing, outcomes, Duration.ZERO, Duration.ofMillis(200));
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return new SandboxKfp() {
      @Override
      public URI baseUrl() {
        return server.baseUrl();
      }

      @Override
      public String description() {
        return "KFP " + server.version() + "'s own server at " + server.baseUrl() + " (runs moved by the sandbox's"
            + " persistence agent)";
      }

      @Override
      public String pipelineId() {
        return pipelineId;
      }

      @Override
      public String namedVersionId() {
        return namedVersionId;
      }

      @Override
      public String callsNote() {
        return "KFP " + server.version() + "'s own server ran them (its persistence agent made " + agent.calls()
            + " calls)";
      }

      @Override
      public void close() {
        agent.close();
        server.close();
      }
    };
  }
}
