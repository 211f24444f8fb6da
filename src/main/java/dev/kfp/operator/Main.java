package dev.kfp.operator;

import dev.kfp.operator.benchmark.BenchmarkCommand;
import dev.kfp.operator.sandbox.SandboxCommand;
import dev.kfp.operator.simulator.SimulatorCommand;
import java.util.Arrays;

/** Entry point of the jar: picks the sub-command (sandbox by default). */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    String command = args.length == 0 || args[0].startsWith("-") ? "sandbox" : args[0];
    String[] rest = args.length == 0 || args[0].startsWith("-") ? args : Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (command) {
        case "sandbox" -> System.exit(SandboxCommand.run(rest));
        case "operator" -> System.exit(OperatorCommand.run(rest));
        case "benchmark" -> System.exit(BenchmarkCommand.run(rest));
        case "simulator" -> {
          int exit = new SimulatorCommand().run(rest);
          if (exit != 0) {
            System.exit(exit);
          }
        }
        default -> {
          System.err.println("unknown command '" + command + "'. Commands: sandbox (default), operator, simulator, "
              + "benchmark");
          System.exit(2);
        }
      }
    } catch (Exception e) {
      // Background threads (informers, servers) would keep a failed command alive: end the process.
      System.err.println(command + " failed: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }
}
