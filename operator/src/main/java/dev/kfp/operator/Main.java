package dev.kfp.operator;

import java.util.List;

/**
 * Entry point of the production jar, the one the image runs: the {@code operator} command only. The sandbox, the
 * simulator and the benchmark are in the development jar ({@value #DEV_JAR}), built beside it.
 */
public final class Main {

  /** The jar the image runs. */
  public static final String JAR = "kfp-run-operator.jar";
  /** The jar that also holds the sandbox, the simulator and the benchmark; {@code mvn package} builds both. */
  public static final String DEV_JAR = "kfp-run-operator-dev.jar";
  /** The one command of the production jar, also in the development jar. */
  public static final Launcher.Command OPERATOR = new Launcher.Command("operator",
      "the operator, on the Kubernetes API of the kubeconfig or of the pod it runs in", OperatorCommand::run);

  private Main() {}

  public static Launcher launcher() {
    return new Launcher(JAR, List.of(OPERATOR), null, List.of("sandbox", "simulator", "benchmark"),
        "in the development jar, built beside this one by mvn package: java -jar dev-tools/target/" + DEV_JAR);
  }

  public static void main(String[] args) {
    // Background threads (informers, servers) would keep a finished or failed command alive: end the process.
    System.exit(launcher().run(args, System.out, System.err));
  }
}
