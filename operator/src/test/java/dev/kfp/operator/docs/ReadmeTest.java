package dev.kfp.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.Main;
import dev.kfp.operator.SourceTree;
import dev.kfp.operator.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README is a landing page: its first two commands build and start the sandbox and run the tests that CI runs,
 * and it stays short. What the docs say of the operator's settings matches the code, and the sections the code
 * points to exist.
 */
class ReadmeTest {

  private static final Path README = Path.of("README.md");
  private static final Path CONFIGURATION = Path.of("docs/operating/configuration.md");
  /** A pointer into the docs from code, such as {@code docs/developing/design.md, "Queues"}. */
  private static final Pattern SECTION_POINTER =
      Pattern.compile("(README|docs/[\\w/.-]+\\.md)(?:'s)?,? \\(?\"([^\"]+)\"");
  private static final int MOST_LINES = 150;

  @Test
  void opensWithTheSandboxCommandThenTheTestCommandThatCiRuns() throws IOException {
    List<String> commands = Files.readAllLines(README).stream()
        .dropWhile(line -> !line.startsWith("```bash")).skip(1).limit(2).toList();
    assertThat(commands.get(0)).startsWith("mvn -B -q -DskipTests package && java -jar dev-tools/target/" + Main.DEV_JAR + " ");
    String testCommand = commands.get(1).replaceAll("\\s+#.*", "").trim();
    assertThat(testCommand).isEqualTo("mvn -B verify");
    assertThat(Files.readString(Path.of(".ci/run"))).contains("\n" + testCommand + "\n");
  }

  @Test
  void isALandingPage() throws IOException {
    assertThat(Files.readAllLines(README)).hasSizeLessThanOrEqualTo(MOST_LINES);
  }

  @Test
  void theConfigurationPageDocumentsEverySettingWithItsFlag() throws IOException {
    String page = Files.readString(CONFIGURATION);
    for (Setting setting : Setting.values()) {
      assertThat(page).as(setting.name()).contains("| `" + setting.envName() + "` | `" + setting.flag() + "` |");
    }
  }

  /** The code's pointers into the docs, such as {@code docs/developing/design.md ("Queues")}, name a section. */
  @Test
  void everyDocsSectionTheCodeNamesExists() throws IOException {
    List<String> missing = new ArrayList<>();
    int pointers = 0;
    for (Path root : SourceTree.allRoots()) {
      for (Path file : SourceTree.javaFiles(root)) {
        Matcher m = SECTION_POINTER.matcher(Files.readString(file).replaceAll("\\s*\n\\s*(\\* )?", " "));
        while (m.find()) {
          pointers++;
          Path page = m.group(1).equals("README") ? README : Path.of(m.group(1));
          if (!Files.exists(page) || !headings(page).contains(m.group(2))) {
            missing.add(file + " names " + m.group(1) + ", \"" + m.group(2) + "\"");
          }
        }
      }
    }
    assertThat(pointers).as("pointers found").isPositive();
    assertThat(missing).isEmpty();
  }

  /** Headings outside code blocks, as written, without backticks. */
  private static List<String> headings(Path page) throws IOException {
    return DocsLinksTest.prose(page).lines().filter(line -> line.matches("#{1,6} .*"))
        .map(line -> line.replaceFirst("#+ ", "").replace("`", "").strip()).toList();
  }
}
