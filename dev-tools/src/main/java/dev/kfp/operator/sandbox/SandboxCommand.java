package dev.kfp.operator.sandbox;

import dev.kfp.operator.peers.ControlPlaneBinaries;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.peers.RealKubernetes;

import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.UnknownName;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code sandbox} (the development jar's default): the operator with a Kubernetes API on this machine (the real
 * kube-apiserver when its binaries can be had, else the mock) and a KFP (the simulator, or with {@code --kfp
 * kfp-server} KFP 2.17.0's own server built from KFP's source), running the sample Runs. Exits 0 when every sample
 * reached its expected end state.
 */
public final class SandboxCommand {

  /** Held so the logging configuration below is not garbage-collected. */
  private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private static final List<String> FLAGS = List.of("--keep-running", "--timeout", "--monitoring-port",
      "--kubernetes", "--kfp", "--help");

  private SandboxCommand() {}

  public static int run(String[] args) throws Exception {
    boolean keepRunning = false;
    int monitoringPort = 0;
    Duration timeout = Duration.ofSeconds(120);
    Sandbox.KubernetesChoice kubernetesChoice = Sandbox.KubernetesChoice.AUTO;
    SandboxKfp.Choice kfpChoice = SandboxKfp.Choice.SIMULATOR;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--keep-running" -> keepRunning = true;
        case "--timeout" -> {
          if (i + 1 >= args.length) {
            return usage("--timeout needs a value such as 120s");
          }
          try {
            timeout = OperatorConfig.parseDuration("--timeout", args[++i]);
          } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
          }
        }
        case "--monitoring-port" -> {
          if (i + 1 >= args.length || !args[i + 1].matches("\\d{1,5}")) {
            return usage("--monitoring-port needs a port number such as 8080");
          }
          monitoringPort = Integer.parseInt(args[++i]);
        }
        case "--kubernetes" -> {
          if (i + 1 >= args.length || !args[i + 1].matches("auto|real|mock")) {
            return usage("--kubernetes needs auto, real or mock");
          }
          kubernetesChoice = Sandbox.KubernetesChoice.valueOf(args[++i].toUpperCase(Locale.ROOT));
        }
        case "--kfp" -> {
          if (i + 1 >= args.length || !args[i + 1].matches("simulator|kfp-server")) {
            return usage("--kfp needs simulator or kfp-server");
          }
          kfpChoice = args[++i].equals("simulator") ? SandboxKfp.Choice.SIMULATOR : SandboxKfp.Choice.KFP_SERVER;
        }
        case "--help", "-h" -> {
          return usage(null);
        }
        default -> {
          return usage(UnknownName.message("flag", args[i], FLAGS));
        }
      }
    }
    // The table is the sandbox's output: component logs only when something goes wrong.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    MOCK_SERVER_LOG.setLevel(Level.WARNING);
    long started = System.nanoTime();
    LocalKubernetes kubernetes;
    try {
      kubernetes = Sandbox.startKubernetes(kubernetesChoice, () -> ControlPlaneBinaries.locate(Path.of("")),
          System.out::println);
    } catch (IllegalStateException e) {
      // --kubernetes real without binaries: the message says what to install
      System.err.println("sandbox: " + e.getMessage());
      return 1;
    }
    long kubernetesStarted = System.nanoTime();
    Sandbox sandbox;
    try {
      sandbox = Sandbox.start(System.out, monitoringPort, kubernetes, kfpChoice, Path.of(""), System.out::println);
    } catch (IllegalStateException e) {
      // --kfp kfp-server without its binary, or it did not start: the message says why and what to do
      System.err.println("sandbox: " + e.getMessage());
      return 1;
    }
    boolean passed;
    try {
      System.out.printf("Sandbox started in %.1f s (the Kubernetes API in %.1f s): %s, %s, operator"
          + " running (%s/metrics). Applying deploy/examples/ to namespace %s ...%n",
          (System.nanoTime() - started) / 1e9, (kubernetesStarted - started) / 1e9, sandbox.kubernetesDescription(),
          sandbox.kfpDescription(), sandbox.monitoringUrl(), Sandbox.NAMESPACE);
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
    System.out.println("Still running (Ctrl-C stops). Try: kubectl --kubeconfig " + kubeconfig + " get kfprun"
        + (kubernetes instanceof RealKubernetes ? " (the Runs are in namespace " + Sandbox.NAMESPACE
            + ", the kubeconfig's default)" : " (kubectl does not work on the mock: see above)"));
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

  /** Prints the usage, on stdout when asked for and on stderr after the problem otherwise. */
  private static int usage(String problem) {
    PrintStream out = problem == null ? System.out : System.err;
    if (problem != null) {
      out.println("sandbox: " + problem);
    }
    out.println("usage: sandbox [--keep-running] [--timeout 120s] [--monitoring-port 8080]"
        + " [--kubernetes auto|real|mock] [--kfp simulator|kfp-server]");
    return problem == null ? 0 : 2;
  }
}
