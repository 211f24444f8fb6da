package dev.kfp.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.Main;
import dev.kfp.operator.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's promises that code can check: its commands and its settings table. */
class ReadmeTest {

  private static final Path README = Path.of("README.md");

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
}
