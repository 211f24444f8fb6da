package dev.kfp.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.Main;
import dev.kfp.operator.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The README's promises that code can check: its commands, its settings table and what it points to. */
class ReadmeTest {

  private static final Path README = Path.of("README.md");
  private static final Pattern ANCHOR_LINK = Pattern.compile("\\]\\(#([^)]+)\\)");
  private static final Pattern FILE_LINK = Pattern.compile("\\]\\((?!#|https?:)([^)#]+)(?:#[^)]*)?\\)");
  private static final Pattern SEE_SECTION = Pattern.compile("\\(see ([A-Z][^)]*)\\)");
  private static final Pattern MARKDOWN_FILE = Pattern.compile("(?<![\\w/.-])([\\w/.-]+\\.md)\\b");
  private static final Pattern README_SECTION = Pattern.compile("README(?:'s)? \"([A-Z][\\w' ]*)\"");

  @Test
  void opensWithTheSandboxCommandThenTheTestCommandThatCiRuns() throws IOException {
    List<String> commands = Files.readAllLines(README).stream()
        .dropWhile(line -> !line.startsWith("```bash")).skip(1).limit(2).toList();
    assertThat(commands.get(0)).startsWith("mvn -B -q -DskipTests package && java -jar target/" + Main.DEV_JAR + " ");
    String testCommand = commands.get(1).replaceAll("\\s+#.*", "").trim();
    assertThat(testCommand).isEqualTo("mvn -B verify");
    assertThat(Files.readString(Path.of(".ci/run"))).contains("\n" + testCommand + "\n");
  }

  @Test
  void documentsEverySetting() throws IOException {
    String readme = Files.readString(README);
    for (Setting setting : Setting.values()) {
      assertThat(readme).as(setting.name()).contains("| `" + setting.envName() + "` |");
    }
  }

  /** Headings outside code blocks, as written. */
  private static List<String> headings() throws IOException {
    List<String> headings = new ArrayList<>();
    boolean code = false;
    for (String line : Files.readAllLines(README)) {
      if (line.startsWith("```")) {
        code = !code;
      } else if (!code && line.matches("#{1,6} .*")) {
        headings.add(line.replaceFirst("#+ ", "").strip());
      }
    }
    return headings;
  }

  /** GitHub's anchor of a heading: lower case, punctuation but hyphens dropped, spaces as hyphens. */
  static String anchor(String heading) {
    return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }

  @Test
  void anchorsAreWhatGitHubMakes() {
    assertThat(anchor("KFP's Python side in the tests")).isEqualTo("kfps-python-side-in-the-tests");
    assertThat(anchor("Why did my run fail?")).isEqualTo("why-did-my-run-fail");
  }

  @Test
  void everySectionAndFileItPointsToExists() throws IOException {
    String readme = Files.readString(README);
    List<String> headings = headings();
    List<String> anchors = headings.stream().map(ReadmeTest::anchor).toList();
    assertThat(matches(ANCHOR_LINK, readme)).isNotEmpty().allSatisfy(a -> assertThat(anchors).contains(a));
    assertThat(matches(SEE_SECTION, readme)).isNotEmpty().allSatisfy(s -> assertThat(headings).contains(s));
    assertThat(matches(FILE_LINK, readme)).isNotEmpty().allSatisfy(f -> assertThat(Path.of(f)).exists());
    assertThat(matches(MARKDOWN_FILE, readme)).isNotEmpty().allSatisfy(f -> assertThat(Path.of(f)).exists());
  }

  /** The code's pointers into the README, such as {@code README "Performance"}, name a section it has. */
  @Test
  void everyReadmeSectionTheCodeNamesExists() throws IOException {
    List<String> headings = headings();
    List<String> named = new ArrayList<>();
    for (Path root : List.of(Path.of("src/main/java"), Path.of("src/test/java"))) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          named.addAll(matches(README_SECTION, Files.readString(file).replaceAll("\\s*\n\\s*(\\* )?", " ")));
        }
      }
    }
    assertThat(named).isNotEmpty().allSatisfy(s -> assertThat(headings).contains(s));
  }

  private static List<String> matches(Pattern pattern, String text) {
    List<String> found = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      found.add(m.group(1).replaceAll("\\s+", " "));
    }
    return found;
  }
}
