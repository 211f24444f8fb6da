package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.tiers.JarTier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar the image ships, as built by {@code mvn package}: the one the Dockerfile's COPY names holds production code
 * only (no sandbox, simulator, benchmark, mock API server, kube-api-test or web server), none of its classes
 * refers to a development package, and it starts.
 */
@JarTier
class ProductionJarIT {

  /** Development packages and what only they need: the two Kubernetes test APIs, their web server and JUnit. */
  static final Pattern NOT_IN_PRODUCTION = Pattern.compile(
      "^(dev/kfp/operator/(sandbox|simulator|benchmark|peers|devtools)/"
      + "|io/fabric8/mockwebserver/|io/fabric8/kubernetes/client/server/mock/|io/fabric8/kubeapitest/|io/vertx/"
      + "|io/netty/|org/junit/|org/bouncycastle/|sandbox/|examples/)");
  private static final Pattern DEV_PACKAGE_REFERENCE =
      Pattern.compile("dev/kfp/operator/(sandbox|simulator|benchmark|peers|devtools)/");

  private static Path jar;

  /** {@code COPY --from=build ... /src/operator/target/kfp-run-operator.jar /app/...}: the source, relative to the checkout. */
  @BeforeAll
  static void findTheJarTheDockerfileCopies() throws IOException {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    Matcher workdir = Pattern.compile("(?m)^WORKDIR\\s+(\\S+)$").matcher(dockerfile);
    assertThat(workdir.find()).as("the build stage's WORKDIR").isTrue();
    Matcher copy = Pattern.compile("(?m)^COPY\\s+--from=\\S+(?:\\s+--\\S+)*\\s+(\\S+\\.jar)\\s+\\S+$")
        .matcher(dockerfile);
    assertThat(copy.find()).as("the COPY of the jar from the build stage").isTrue();
    jar = Path.of(workdir.group(1)).relativize(Path.of(copy.group(1)));
    assertThat(jar).as("built by mvn package before this test").isRegularFile();
  }

  @Test
  void holdsNoDevelopmentClassNoMockServerAndNoWebServer() throws IOException {
    List<String> entries = new ArrayList<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      file.stream().map(ZipEntry::getName).forEach(entries::add);
    }
    assertThat(entries).as("the operator itself is in it").contains("dev/kfp/operator/Main.class",
        "dev/kfp/operator/reconciler/RunReconciler.class", "io/javaoperatorsdk/operator/Operator.class");
    assertThat(entries).filteredOn(e -> NOT_IN_PRODUCTION.matcher(e).find()).isEmpty();
  }

  @Test
  void noProductionClassRefersToADevelopmentPackage() throws IOException {
    List<String> referring = new ArrayList<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (ZipEntry entry : file.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
        try (InputStream in = file.getInputStream(entry)) {
          // Class and descriptor names are plain ASCII in the constant pool, so a reference shows as these bytes.
          String constants = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
          if (DEV_PACKAGE_REFERENCE.matcher(constants).find()) {
            referring.add(entry.getName());
          }
        }
      }
    }
    assertThat(referring).isEmpty();
  }

  @Test
  void helpAndOperatorHelpExitZero() throws Exception {
    Result help = java(Map.of(), "--help");
    assertThat(help.exit()).as(help.toString()).isZero();
    assertThat(help.out()).contains("  operator ").contains("kfp-run-operator-dev.jar");

    Result operatorHelp = java(Map.of(), "operator", "--help");
    assertThat(operatorHelp.exit()).as(operatorHelp.toString()).isZero();
    assertThat(operatorHelp.out()).contains("--kfp-endpoint", "KFP_ENDPOINT");
  }

  @Test
  void anUnreachableKubernetesApiIsOneLine(@TempDir Path dir) throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1"}}]
        users: [{name: nobody, user: {token: none}}]
        contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody}}]
        current-context: nowhere
        """);

    Result operator = java(Map.of("KUBECONFIG", kubeconfig.toString()), "operator",
        "--kfp-endpoint", "http://127.0.0.1:1", "--leader-election", "false", "--monitoring-port", "0");

    assertThat(operator.exit()).as(operator.toString()).isEqualTo(1);
    assertThat(operator.err().strip()).as(operator.toString())
        .startsWith("operator: the Kubernetes API at https://127.0.0.1:1/ (from the kubeconfig " + kubeconfig)
        .contains("failed GET /version").doesNotContain("\n");
  }

  record Result(int exit, String out, String err) {}

  /** Runs {@code java -jar} on the jar the Dockerfile copies, within 3 minutes. */
  static Result java(Map<String, String> env, String... args) throws Exception {
    return java(jar, env, args);
  }

  static Result java(Path jar, Map<String, String> env, String... args) throws Exception {
    return java(jar, Path.of(""), env, args);
  }

  /** Runs {@code java -jar} in the directory {@code workingDirectory}, in 3 minutes at most. */
  static Result java(Path jar, Path workingDirectory, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toAbsolutePath().toFile());
    // What the developer's shell may have set must not change what the jar finds.
    builder.environment().keySet().removeIf(name -> name.startsWith("KFP_") || name.equals("KUBECONFIG")
        || name.equals("KUBEBUILDER_ASSETS"));
    builder.environment().putAll(env);
    Path out = Files.createTempFile("jar-out", ".txt");
    Path err = Files.createTempFile("jar-err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("java -jar " + jar + " " + String.join(" ", args)
          + " ends within 3 minutes").isTrue();
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      process.destroyForcibly();
      Files.delete(out);
      Files.delete(err);
    }
  }
}
