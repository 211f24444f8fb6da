package dev.kfp.operator.benchmark;

import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.UnknownName;
import dev.kfp.operator.peers.ControlPlaneBinaries;
import dev.kfp.operator.sandbox.Sandbox;
import dev.kfp.operator.sandbox.SandboxKfp;
import dev.kfp.operator.simulator.Timing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * What the benchmark runs. Run phases scale with the interval: PENDING for 4 intervals and RUNNING for 10, each
 * run's longer by its own share of 2 intervals, so that the counting window (6 intervals, after the young
 * tier) sees every run active and none finished, and state changes do not fall in step with the polls.
 */
record BenchmarkOptions(int runs, List<String> modes, Duration interval, int heapRuns, Path out, int concurrency,
    Duration resync, int specKib, SandboxKfp.Choice kfp, Sandbox.KubernetesChoice kubernetes) {

  static final String USAGE = """
      usage: benchmark [--runs 1000] [--modes bulk,per-run] [--interval 10s] [--heap-runs 10000]
                       [--concurrency 16] [--spec-kib 32] [--out target/benchmark]
                       [--kfp simulator|kfp-server] [--kubernetes real|mock]
        --runs         Runs applied at once for submission, calls and lag
        --modes        sync modes to compare, in this order
        --interval     POLL_INTERVAL of the operator
        --heap-runs    Runs tracked when the operator's heap is measured (0 skips it)
        --concurrency  reconcile threads of the operator, and threads of the bare loop it is compared with
        --spec-kib     size of each Run's inline pipeline spec, which KFP sends back with every run it lists
        --out          directory for benchmark.json and benchmark.svg
        --kfp          the KFP measured against: the simulator, or KFP 2.17.0's own server built from KFP's
                       source by src/test/go/kfp-server/build.sh (its runs moved by the sandbox's persistence
                       agent; the heap is measured on the simulator either way)
        --kubernetes   the Kubernetes API: the real kube-apiserver and etcd (the default whenever their binaries
                       are there: built by src/test/go/control-plane/build.sh or in KUBEBUILDER_ASSETS), or
                       Fabric8's mock API server in process""";

  private static final List<String> FLAGS = List.of("--runs", "--modes", "--interval", "--heap-runs", "--out",
      "--concurrency", "--spec-kib", "--kfp", "--kubernetes");

  static BenchmarkOptions parse(String[] args) {
    int runs = 1000;
    List<String> modes = List.of("bulk", "per-run");
    Duration interval = Duration.ofSeconds(10);
    int heapRuns = 10_000;
    Path out = Path.of("target", "benchmark");
    int concurrency = 16;
    int specKib = 32;
    SandboxKfp.Choice kfp = SandboxKfp.Choice.SIMULATOR;
    Sandbox.KubernetesChoice kubernetes = Sandbox.KubernetesChoice.AUTO;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (!FLAGS.contains(flag)) {
        throw new IllegalArgumentException(UnknownName.message("flag", flag, FLAGS) + "\n" + USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("flag " + flag + " needs a value\n" + USAGE);
      }
      String value = args[++i];
      switch (flag) {
        case "--runs" -> runs = number(flag, value);
        case "--modes" -> modes = Arrays.stream(value.split(",")).map(String::trim).toList();
        case "--interval" -> interval = OperatorConfig.parseDuration(flag, value);
        case "--heap-runs" -> heapRuns = number(flag, value);
        case "--out" -> out = Path.of(value);
        case "--concurrency" -> concurrency = number(flag, value);
        case "--spec-kib" -> specKib = number(flag, value);
        case "--kfp" -> kfp = switch (value) {
          case "simulator" -> SandboxKfp.Choice.SIMULATOR;
          case "kfp-server" -> SandboxKfp.Choice.KFP_SERVER;
          default -> throw new IllegalArgumentException("--kfp needs simulator or kfp-server, not '" + value + "'");
        };
        case "--kubernetes" -> kubernetes = switch (value) {
          case "real" -> Sandbox.KubernetesChoice.REAL;
          case "mock" -> Sandbox.KubernetesChoice.MOCK;
          default -> throw new IllegalArgumentException("--kubernetes needs real or mock, not '" + value + "'");
        };
      }
    }
    for (String mode : modes) {
      if (!mode.equals("bulk") && !mode.equals("per-run")) {
        throw new IllegalArgumentException("unknown mode '" + mode + "': bulk or per-run");
      }
    }
    if (runs < 1 || concurrency < 1 || heapRuns < 0 || specKib < 1) {
      throw new IllegalArgumentException("--runs, --concurrency and --spec-kib must be positive, --heap-runs zero "
          + "or more");
    }
    return new BenchmarkOptions(runs, modes, interval, heapRuns, out, concurrency, Duration.ofMinutes(5), specKib, kfp,
        kubernetes);
  }

  private static int number(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": '" + value + "' is not a whole number");
    }
  }

  Timing timing() {
    return new Timing(interval.multipliedBy(4), interval.multipliedBy(10), Duration.ofSeconds(1));
  }

  /** The most a run's phases are longer than {@link #timing()}. */
  Duration spread() {
    return interval.multipliedBy(2);
  }

  /**
   * A fresh environment on the KFP {@code --kfp} names and a Kubernetes API of its own as {@code --kubernetes}
   * asks (the real one when its binaries are there unless told otherwise); on KFP's server the persistence agent
   * looks every tenth of an interval, at least every second.
   */
  BenchmarkEnvironment environment() {
    Duration tick = interval.dividedBy(10);
    return new BenchmarkEnvironment(timing(), spread(), specKib, kfp,
        tick.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : tick,
        Sandbox.startKubernetes(kubernetes, () -> ControlPlaneBinaries.locate(Path.of("")),
            line -> System.err.println("benchmark: " + line)));
  }

  /** How long KFP calls are counted. */
  Duration window() {
    return interval.multipliedBy(6);
  }
}
