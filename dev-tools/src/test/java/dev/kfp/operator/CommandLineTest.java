package dev.kfp.operator;

import dev.kfp.operator.simulator.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kfp.operator.devtools.DevMain;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * What a newcomer meets on the command line of both jars, run in-process: --help, each command's --help, a
 * mistyped command or flag, a bad duration, an unreachable Kubernetes API. The jars themselves: ProductionJarIT,
 * DevJarIT.
 */
class CommandLineTest {

  /** The exit code and what went to stdout and stderr, the commands' own printing included. */
  private record Outcome(int exit, String out, String err) {}

  private static Outcome run(Launcher launcher, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream systemOut = System.out;
    PrintStream systemErr = System.err;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      int exit = launcher.run(args, o, e);
      return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(systemOut);
      System.setErr(systemErr);
    }
  }

  private static void assertNoStackTrace(Outcome outcome) {
    assertThat(outcome.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void devJarHelpListsEveryCommandWithOneLineEach() {
    Outcome help = run(DevMain.launcher(), "--help");

    assertThat(help.exit()).isZero();
    assertThat(help.out().lines().filter(l -> l.startsWith("  ")).map(l -> l.strip().split("\\s+")[0]))
        .containsExactly("sandbox", "operator", "simulator", "benchmark");
    assertThat(help.out()).contains("sandbox    (default) ").contains("COMMAND --help lists its flags");
  }

  @Test
  void productionJarHelpListsTheOperatorAndNamesTheDevJarForTheRest() {
    Outcome help = run(Main.launcher(), "--help");

    assertThat(help.exit()).isZero();
    assertThat(help.out().lines().filter(l -> l.startsWith("  ")).map(l -> l.strip().split("\\s+")[0]))
        .containsExactly("operator");
    assertThat(help.out()).contains("sandbox, simulator, benchmark: in the development jar")
        .contains("java -jar dev-tools/target/" + Main.DEV_JAR + " --help");
  }

  @Test
  void productionJarSendsTheDevCommandsToTheDevJar() {
    Outcome sandbox = run(Main.launcher(), "sandbox");

    assertThat(sandbox.exit()).isEqualTo(2);
    assertThat(sandbox.err()).contains("'sandbox' is in the development jar")
        .contains("java -jar dev-tools/target/" + Main.DEV_JAR + " sandbox");
    assertThat(run(Main.launcher()).exit()).as("no command").isEqualTo(2);
  }

  @Test
  void everyCommandsHelpExitsZero() {
    for (String command : new String[] {"sandbox", "operator", "simulator", "benchmark"}) {
      Outcome help = run(DevMain.launcher(), command, "--help");
      assertThat(help.exit()).as(command + " --help").isZero();
      assertThat(help.out()).as(command + " --help").contains("usage: " + command);
      assertThat(help.err()).as(command + " --help").isEmpty();
    }
    assertThat(run(Main.launcher(), "operator", "--help").exit()).isZero();
  }

  @Test
  void aMistypedCommandSuggestsTheNearest() {
    Outcome typo = run(DevMain.launcher(), "simulater");

    assertThat(typo.exit()).isEqualTo(2);
    assertThat(typo.err()).contains("unknown command simulater; did you mean simulator?");
  }

  @Test
  void aMistypedFlagSuggestsTheNearestNameInEveryCommand() {
    assertThat(run(DevMain.launcher(), "benchmark", "--intervl", "10s"))
        .satisfies(o -> assertThat(o.exit()).isEqualTo(2))
        .satisfies(o -> assertThat(o.err()).contains("unknown flag --intervl; did you mean --interval?"));
    assertThat(run(DevMain.launcher(), "sandbox", "--keep-runing"))
        .satisfies(o -> assertThat(o.exit()).isEqualTo(2))
        .satisfies(o -> assertThat(o.err()).contains("unknown flag --keep-runing; did you mean --keep-running?"));
    assertThat(run(DevMain.launcher(), "simulator", "--prot", "8888"))
        .satisfies(o -> assertThat(o.exit()).isEqualTo(2))
        .satisfies(o -> assertThat(o.err()).contains("unknown flag --prot; did you mean --port?"));
    assertThat(run(DevMain.launcher(), "--timout", "10s"))
        .as("the sandbox's flags without the command name")
        .satisfies(o -> assertThat(o.err()).contains("did you mean --timeout?"));
    Outcome operator = run(Main.launcher(), "operator", "--kfp-endpoint", "http://kfp:8888", "--pol-interval", "5s");
    assertThat(operator.exit()).isEqualTo(2);
    assertThat(operator.err()).contains("unknown flag --pol-interval; did you mean --poll-interval?");
  }

  @Test
  void aBadDurationIsOneLineNotAStackTrace() {
    Outcome sandbox = run(DevMain.launcher(), "sandbox", "--timeout", "soon");
    assertThat(sandbox.exit()).isEqualTo(2);
    assertThat(sandbox.err().lines().findFirst().orElseThrow())
        .isEqualTo("sandbox: --timeout: 'soon' is not a duration (examples: 500ms, 30s, 5m, 1h)");
    assertNoStackTrace(sandbox);

    Outcome benchmark = run(DevMain.launcher(), "benchmark", "--interval", "10 s");
    assertThat(benchmark.exit()).isEqualTo(2);
    assertThat(benchmark.err().strip())
        .isEqualTo("benchmark: --interval: '10 s' is not a duration (examples: 500ms, 30s, 5m, 1h)");

    Outcome simulator = run(DevMain.launcher(), "simulator", "--pending", "soon");
    assertThat(simulator.exit()).isEqualTo(2);
    assertThat(simulator.err()).startsWith("simulator: --pending wants a duration like 500ms, 2s, 1m or PT2S, got "
        + "'soon'");
    assertNoStackTrace(simulator);

    Outcome operator = run(Main.launcher(), "operator", "--kfp-endpoint", "http://kfp:8888", "--poll-interval", "x");
    assertThat(operator.exit()).isEqualTo(2);
    assertThat(operator.err()).contains("POLL_INTERVAL (--poll-interval): 'x' is not a duration");
    assertNoStackTrace(operator);
  }

  @Test
  void anUnreachableKubernetesApiIsNamedInOneLine() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:" + closedPort).build();

    String problem = OperatorCommand.kubernetesApiProblem(config);

    assertThat(problem).startsWith("the Kubernetes API at https://127.0.0.1:" + closedPort + "/ failed GET /version: ")
        .endsWith("no connection (java.net.ConnectException)").doesNotContain("\n");
  }

  @Test
  void aKubernetesApiThatRefusesTheCredentialsIsNamedInOneLineWithItsAnswer() throws IOException {
    HttpServer api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext("/", exchange -> {
      byte[] body = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
          + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(401, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    api.start();
    try {
      String url = "http://127.0.0.1:" + api.getAddress().getPort();
      String problem = OperatorCommand.kubernetesApiProblem(new ConfigBuilder(Config.empty()).withMasterUrl(url)
          .build());

      assertThat(problem).startsWith("the Kubernetes API at " + url + "/ failed GET /version: ")
          .contains("Unauthorized").doesNotContain("\n");
    } finally {
      api.stop(0);
    }
  }
}
