package dev.kfp.operator.devtools;

import dev.kfp.operator.simulator.DemoPipeline;
import dev.kfp.operator.simulator.KfpSimulator;
import dev.kfp.operator.simulator.OutcomeRule;
import dev.kfp.operator.simulator.PipelineVersion;
import dev.kfp.operator.simulator.Timing;

import dev.kfp.operator.config.UnknownName;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code simulator}: runs the KFP simulator on the system clock until the process is killed, with a demo
 * pipeline and experiment registered so a run can be created with curl right away.
 */
public final class SimulatorCommand {

  static final String USAGE = """
      usage: simulator [--port N] [--bind ADDRESS] [--pending DURATION] [--run-duration DURATION]
                       [--cancel-duration DURATION] [--fail-when-name-contains TEXT]
                       [--auth-token TOKEN=ns1,ns2 ...]
        --port                     port to listen on (default 8888; 0 = any free port)
        --bind                     address to listen on (default 127.0.0.1)
        --pending                  time a run stays PENDING (default 2s)
        --run-duration             time a run stays RUNNING (default 10s)
        --cancel-duration          time a terminated run stays CANCELING (default 1s)
        --fail-when-name-contains  runs whose display name contains TEXT end FAILED (default: all succeed)
        --auth-token               multi-user mode: TOKEN may act in these namespaces ('*' = all); repeatable
      durations: 500ms, 2s, 1m, or ISO-8601 (PT2S)""";

  private static final List<String> FLAGS = List.of("--port", "--bind", "--pending", "--run-duration",
      "--cancel-duration", "--fail-when-name-contains", "--auth-token");

  private final PrintStream out;
  private final PrintStream err;

  public SimulatorCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public SimulatorCommand() {
    this(System.out, System.err);
  }

  /** Starts the simulator and blocks until the process ends; returns 2 for bad arguments. */
  public int run(String[] args) throws InterruptedException {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.println(USAGE);
      return 0;
    }
    KfpSimulator simulator;
    try {
      simulator = start(args);
    } catch (IllegalArgumentException e) {
      err.println("simulator: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "kfp-simulator-shutdown"));
    new CountDownLatch(1).await();
    return 0;
  }

  /** Parses the arguments, starts a simulator, registers the demo objects and prints how to reach them. */
  public KfpSimulator start(String[] args) {
    KfpSimulator.Builder builder = KfpSimulator.builder().port(8888);
    Timing timing = Timing.defaults();
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        throw new IllegalArgumentException("help requested");
      }
      if (!FLAGS.contains(flag)) {
        throw new IllegalArgumentException(UnknownName.message("flag", flag, FLAGS));
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + flag);
      }
      String value = args[++i];
      switch (flag) {
        case "--port" -> builder.port(parsePort(value));
        case "--bind" -> builder.bindAddress(value);
        case "--pending" -> timing = new Timing(parseDuration(flag, value), timing.running(), timing.canceling());
        case "--run-duration" -> timing = new Timing(timing.pending(), parseDuration(flag, value),
            timing.canceling());
        case "--cancel-duration" -> timing = new Timing(timing.pending(), timing.running(),
            parseDuration(flag, value));
        case "--fail-when-name-contains" -> builder.outcomeRule(OutcomeRule.failWhenNameContains(value));
        case "--auth-token" -> {
          int eq = value.indexOf('=');
          if (eq <= 0 || eq == value.length() - 1) {
            throw new IllegalArgumentException("--auth-token wants TOKEN=ns1,ns2, got '" + value + "'");
          }
          Set<String> allowed = new LinkedHashSet<>(List.of(value.substring(eq + 1).split(",")));
          builder.token(value.substring(0, eq), allowed.toArray(String[]::new));
          allowed.stream().filter(ns -> !ns.equals("*") && !namespaces.contains(ns)).forEach(namespaces::add);
        }
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    KfpSimulator simulator = builder.timing(timing).start();
    PipelineVersion demo = simulator.registerPipeline("simulator-demo", DemoPipeline.yaml());
    out.println("KFP simulator listening on " + simulator.baseUrl()
        + (simulator.multiUser() ? " (multi-user mode, bearer tokens required)" : ""));
    out.println("  demo pipeline id:         " + demo.pipelineId());
    out.println("  demo pipeline version id: " + demo.pipelineVersionId());
    if (simulator.multiUser()) {
      for (String namespace : namespaces) {
        out.println("  experiment in namespace " + namespace + ": "
            + simulator.registerExperiment("demo", namespace).experimentId());
      }
    } else {
      out.println("  experiment 'Default':     " + simulator.defaultExperimentId().orElseThrow());
      out.println("  experiment 'demo':        " + simulator.registerExperiment("demo", "").experimentId());
    }
    out.println("  timing: pending " + timing.pending() + ", running " + timing.running() + ", canceling "
        + timing.canceling());
    out.flush();
    return simulator;
  }

  private static int parsePort(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--port wants a number from 0 to 65535, got '" + value + "'");
    }
  }

  public static Duration parseDuration(String flag, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("pt")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long amount = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(amount);
        case 'm' -> Duration.ofMinutes(amount);
        case 'h' -> Duration.ofHours(amount);
        default -> throw new NumberFormatException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(flag + " wants a duration like 500ms, 2s, 1m or PT2S, got '"
          + value + "'");
    }
  }

}
