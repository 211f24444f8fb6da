package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Dockerfile's properties, read from the file (no Docker engine here to build it). */
class DockerfileTest {

  private static final Pattern FROM = Pattern.compile("^FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?$",
      Pattern.CASE_INSENSITIVE);
  private static List<List<String>> stages;

  /** The instructions of each stage, continuation lines joined, comments dropped. */
  @BeforeAll
  static void read() throws IOException {
    stages = new ArrayList<>();
    String text = Files.readString(Path.of("Dockerfile")).replaceAll("\\\\\\n", " ");
    for (String line : text.split("\n")) {
      String instruction = line.strip();
      if (instruction.isEmpty() || instruction.startsWith("#")) {
        continue;
      }
      if (FROM.matcher(instruction).matches()) {
        stages.add(new ArrayList<>());
      }
      stages.get(stages.size() - 1).add(instruction);
    }
  }

  private static List<String> last() {
    return stages.get(stages.size() - 1);
  }

  private static List<String> instructions(List<String> stage, String keyword) {
    return stage.stream().filter(i -> i.toUpperCase().startsWith(keyword + " ")).toList();
  }

  @Test
  void buildsWithMavenAndRunsOnAJreOnlyImage() {
    assertThat(stages).hasSizeGreaterThanOrEqualTo(2);
    Matcher build = FROM.matcher(stages.get(0).get(0));
    assertThat(build.matches()).isTrue();
    assertThat(build.group(1)).startsWith("maven:").contains("17");
    assertThat(build.group(2)).isNotNull();
    assertThat(instructions(stages.get(0), "RUN")).anyMatch(r -> r.contains("mvn") && r.contains("package"));
    Matcher runtime = FROM.matcher(last().get(0));
    assertThat(runtime.matches()).isTrue();
    assertThat(runtime.group(1)).contains("17").contains("jre").doesNotContain("jdk").doesNotContain("maven");
  }

  @Test
  void finalStageRunsAsANumericNonRootUser() {
    List<String> users = instructions(last(), "USER");
    assertThat(users).isNotEmpty();
    String user = users.get(users.size() - 1).substring("USER ".length()).strip();
    assertThat(user).matches("\\d+(:\\d+)?");
    assertThat(Integer.parseInt(user.split(":")[0])).isPositive();
    assertThat(user.split(":")[0]).as("the chart's runAsUser").isEqualTo("10001");
  }

  @Test
  void finalStageHoldsOnlyTheApplicationJar() {
    List<String> copies = instructions(last(), "COPY");
    assertThat(copies).hasSize(1);
    assertThat(copies.get(0)).contains("--from=").endsWith("operator/target/kfp-run-operator.jar /app/kfp-run-operator.jar");
    assertThat(instructions(last(), "ADD")).isEmpty();
    assertThat(instructions(last(), "RUN")).isEmpty();
  }

  @Test
  void jvmSizesItselfFromTheContainerAndStartsTheOperatorCommand() {
    List<String> entrypoints = instructions(last(), "ENTRYPOINT");
    assertThat(entrypoints).hasSize(1);
    String entrypoint = entrypoints.get(0);
    assertThat(entrypoint).startsWith("ENTRYPOINT [\"java\"").contains("\"-XX:MaxRAMPercentage=")
        .endsWith("\"-jar\", \"/app/kfp-run-operator.jar\", \"operator\"]");
    assertThat(entrypoint).doesNotContain("-Xmx");
  }

  @Test
  void buildStageMakesTheProductionJarWithoutTheTestBuild() {
    List<String> packages = instructions(stages.get(0), "RUN").stream()
        .filter(r -> r.contains("mvn") && r.contains(" package")).toList();
    assertThat(packages).hasSize(1);
    assertThat(packages.get(0)).as("the operator module and what it builds on; no test compilation, no KFP test server,"
        + " no control plane, no development module").contains("-pl operator -am", "-Dmaven.test.skip=true");
  }

  @Test
  void dockerignoreKeepsTheBuildContextSmall() throws IOException {
    List<String> lines = Files.readAllLines(Path.of(".dockerignore")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    assertThat(lines).startsWith("*").contains("!pom.xml", "!*/pom.xml", "!operator/src/main/");
    assertThat(lines).as("no test sources and no development module are sent").noneMatch(l -> l.contains("src/test")
        || l.endsWith("/src/") || l.startsWith("!simulator/src") || l.startsWith("!local-peers/src")
        || l.startsWith("!dev-tools/src"));
    for (String copy : instructions(stages.get(0), "COPY")) {
      String source = copy.split("\\s+")[1];
      assertThat(lines).as("the build stage copies " + source).anyMatch(l -> l.startsWith("!") && sends(l.substring(1), source));
    }
  }

  /** Whether the .dockerignore exception {@code pattern} (a glob, or a directory ending in /) lets {@code path} in. */
  private static boolean sends(String pattern, String path) {
    String glob = pattern.replaceAll("/$", "");
    return FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(Path.of(path))
        || (path + "/").startsWith(glob + "/");
  }
}
