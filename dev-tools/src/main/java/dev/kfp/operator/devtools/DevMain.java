package dev.kfp.operator.devtools;

import dev.kfp.operator.sandbox.SandboxCommand;

import dev.kfp.operator.Launcher;
import dev.kfp.operator.Main;
import dev.kfp.operator.benchmark.BenchmarkCommand;
import dev.kfp.operator.devtools.SimulatorCommand;
import java.util.List;

/**
 * Entry point of the development jar ({@value Main#DEV_JAR}): the sandbox (the default), the operator, the KFP
 * simulator and the benchmark. Not in the production jar, which leaves out this package, the simulator's and the
 * benchmark's.
 */
public final class DevMain {

  private static final Launcher.Command SANDBOX = new Launcher.Command("sandbox",
      "the operator, a local Kubernetes API and the KFP simulator, running deploy/examples/",
      SandboxCommand::run);

  private DevMain() {}

  public static Launcher launcher() {
    return new Launcher(Main.DEV_JAR, List.of(SANDBOX, Main.OPERATOR,
        new Launcher.Command("simulator", "a stand-in for the KFP runs API on this machine, to try with curl",
            args -> new SimulatorCommand().run(args)),
        new Launcher.Command("benchmark", "status sync and submission measured in one process, bulk and per-run",
            BenchmarkCommand::run)),
        SANDBOX, List.of(), "");
  }

  public static void main(String[] args) {
    // Background threads (informers, servers) would keep a finished or failed command alive: end the process.
    System.exit(launcher().run(args, System.out, System.err));
  }
}
