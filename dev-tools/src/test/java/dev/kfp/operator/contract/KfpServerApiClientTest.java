package dev.kfp.operator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * KFP's own generated REST client ({@code kfp-server-api}, pinned in {@code src/test/python/requirements.lock})
 * against the simulator: runs the pytest suite in {@code src/test/python/tests/} with the test build's venv. The
 * suite starts the simulator as a process from this test's classpath and calls every endpoint the client has
 * for runs, and the experiment and healthz calls the simulator serves.
 */
class KfpServerApiClientTest {

  /** pytest's exit code when it collected no test: a suite that ran nothing has proved nothing. */
  private static final int PYTEST_NO_TESTS = 5;
  private static final long TIMEOUT_MINUTES = 5;

  @Test
  void theGeneratedClientPassesEveryEndpointAgainstTheSimulator() throws Exception {
    ProcessBuilder pytest = new ProcessBuilder("bash", "src/test/python/python.sh", "-m", "pytest",
        "src/test/python", "-ra").redirectErrorStream(true);
    pytest.environment().put("KFP_SIMULATOR_CLASSPATH", testClasspath());
    pytest.environment().put("KFP_SIMULATOR_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process process = pytest.start();
    List<String> output = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> copyLines(process, output), "pytest-output");
    reader.start();
    boolean ended = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
    if (!ended) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(ended).as("pytest ended within %d minutes; it printed:%n%s", TIMEOUT_MINUTES,
        String.join(System.lineSeparator(), output)).isTrue();

    String summary = output.isEmpty() ? "(no output)" : output.get(output.size() - 1);
    assertThat(process.exitValue()).as("pytest ran no test: %s", summary).isNotEqualTo(PYTEST_NO_TESTS);
    assertThat(process.exitValue()).as("pytest's exit code; its summary: %s%n%s", summary,
        String.join(System.lineSeparator(), output)).isZero();
    assertThat(summary).matches("=+ \\d+ passed in .*");
  }

  /** Echoes pytest's output into the build log as it comes, and keeps it for the assertions. */
  private static void copyLines(Process process, List<String> output) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        System.out.println("pytest: " + line);
        output.add(line);
      }
    } catch (IOException e) {
      output.add("(reading pytest's output failed: " + e + ")");
    }
  }

  /** Surefire may hand the JVM a manifest-only jar; its own property holds the full test classpath. */
  private static String testClasspath() {
    String classpath = System.getProperty("surefire.test.class.path");
    return classpath != null && !classpath.isBlank() ? classpath : System.getProperty("java.class.path");
  }
}
