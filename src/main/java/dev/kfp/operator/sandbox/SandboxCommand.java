package dev.kfp.operator.sandbox;

import dev.kfp.operator.config.OperatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code sandbox} (the jar's default): the operator with an embedded Kubernetes API and the KFP simulator,
 * running the sample Runs. Exits 0 when every sample reached its expected end state.
 */
public final class SandboxCommand {

  /** Held so the logging configuration below is not garbage-collected. */
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private SandboxCommand() {}

  public static int run(String[] args) throws Exception {
    boolean keepRunning = false;
    int monitoringPort = 0;
    Duration timeout = Duration.ofSeconds(120);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--keep-running" -> keepRunning = true;
        case "--timeout" -> {
          if (i + 1 >= args.length) {
            return usage("--timeout needs a value such as 120s");
          }
          timeout = OperatorConfig.parseDuration(args[++i]);
        }
        case "--monitoring-port" -> {
          if (i + 1 >= args.length || !args[i + 1].matches("\\d{1,5}")) {
            return usage("--monitoring-port needs a port number such as 8080");
          }
          monitoringPort = Integer.parseInt(args[++i]);
        }
        case "--help", "-h" -> {
          return usage(null);
        }
        default -> {
          return usage("unknown flag " + args[i]);
        }
      }
    }
    // The table is the sandbox's output: component logs only when something goes wrong.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    Sandbox sandbox = Sandbox.start(System.out, monitoringPort);
    boolean passed;
    try {
      System.out.println("Sandbox: embedded Kubernetes API, KFP simulator at " + sandbox.kfpUrl()
          + ", operator running (" + sandbox.monitoringUrl() + "/metrics). Applying deploy/examples/ ...");
      passed = sandbox.runSamples(timeout);
    } catch (RuntimeException e) {
      sandbox.close();
      throw e;
    }
    if (!keepRunning) {
      sandbox.close();
      return passed ? 0 : 1;
    }
    Path kubeconfig = sandbox.writeKubeconfig();
    System.out.println("Still running (Ctrl-C stops). Try: kubectl --kubeconfig " + kubeconfig + " get kfprun");
    System.out.println("Operator endpoints: " + sandbox.monitoringUrl() + "/healthz, /readyz, /metrics");
    System.out.println("KUBECONFIG=" + kubeconfig);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sandbox.close();
      stopped.countDown();
    }, "sandbox-shutdown"));
    stopped.await();
    return 0;
  }

  private static int usage(String problem) {
    if (problem != null) {
      System.err.println(problem);
    }
    System.err.println("usage: sandbox [--keep-running] [--timeout 120s] [--monitoring-port 8080]");
    return problem == null ? 0 : 2;
  }
}
