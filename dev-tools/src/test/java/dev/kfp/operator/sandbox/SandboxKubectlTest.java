package dev.kfp.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.RealCluster;
import dev.kfp.operator.tiers.RealApiTier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * "Try it with kubectl" in docs/using/sandbox.md: each command it shows, run as written (through bash, heredocs
 * included) with the kubectl built at the API server's version, against the sandbox on the real API server after
 * its samples ran, shows the columns and results the page shows. Its commands must be exactly the ones here.
 */
@RealApiTier
public class SandboxKubectlTest {

  static final Path PAGE = Path.of("docs/using/sandbox.md");
  static final String SECTION = "## Try it with kubectl";
  /** The printer columns, as {@code kubectl get kfprun} heads them. */
  private static final String HEADER = "NAME STATE SUCCEEDED REASON STARTED FINISHED STORAGE AGE";

  /** The page's commands in order, each with what its output must show. */
  private static final List<Step> STEPS = List.of(
      new Step("kubectl get kfprun", out -> out
          .matches("(?s)" + HEADER.replace(" ", " +") + "\\n.*")
          .containsPattern("hello-from-version +SUCCEEDED +True +Succeeded +\\d+s +\\d+s +AVAILABLE +\\d+s")
          .containsPattern("long-training +FAILED +False +Terminated +\\d+s +\\d+s +AVAILABLE")
          .containsPattern("flaky-training +SUCCEEDED +True +Succeeded")
          .containsPattern("archived-run +SUCCEEDED +True +Succeeded +\\d+s +\\d+s +ARCHIVED")
          .containsPattern("compiled-pipeline +SUCCEEDED +True +Succeeded")),
      new Step("kubectl get kfprun -o wide", out -> out
          .matches("(?s)NAME +RUN ID +STATE +SUCCEEDED +REASON +STARTED +FINISHED +STORAGE +AGE\\n.*")
          .containsPattern("hello-from-version +\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-"
              + "\\p{XDigit}{12} +SUCCEEDED")),
      new Step("kubectl describe run flaky-training", out -> out
          .containsPattern("Run Id: +\\p{XDigit}{8}-")
          .containsPattern("Last Retry: +sandbox-retry-1")
          .containsPattern("Events:\\n +Type +Reason +Age +From +Message")
          .containsPattern("Normal +Submitted +.*kfp-run-operator")
          .containsPattern("Warning +StepFailed .*step train failed .*ConnectionResetError")
          .containsPattern("Normal +Retried ")),
      new Step("kubectl explain run.spec", out -> out
          .containsPattern("GROUP: +pipelines.kfp.dev\\nKIND: +Run\\nVERSION: +v1alpha1")
          .containsPattern("FIELD: +spec <Object>")
          .containsPattern("archived\\t<boolean>")
          .containsPattern("deletionPolicy\\t<string>")
          .containsPattern("pipeline\\t<Object> -required-")),
      new Step("kubectl get kfprun --watch", out -> out
          .as("the watch sees the retried run start again and succeed")
          .containsPattern("long-training +FAILED +False +Terminated")
          .containsPattern("long-training +(PENDING|RUNNING) +Unknown")
          .containsPattern("long-training +SUCCEEDED +True +Succeeded")),
      new Step("kubectl annotate run long-training pipelines.kfp.dev/retry=from-kubectl", out -> out
          .isEqualTo("run.pipelines.kfp.dev/long-training annotated\n")),
      new Step("kubectl wait --for=condition=Succeeded run/long-training --timeout=60s", out -> out
          .isEqualTo("run.pipelines.kfp.dev/long-training condition met\n")),
      new Step("kubectl patch run compiled-pipeline --type merge -p '{\"spec\":{\"archived\":true}}'", out -> out
          .isEqualTo("run.pipelines.kfp.dev/compiled-pipeline patched\n")),
      new Step("kubectl wait --for=jsonpath='{.status.storageState}'=ARCHIVED run/compiled-pipeline --timeout=60s",
          out -> out.isEqualTo("run.pipelines.kfp.dev/compiled-pipeline condition met\n")),
      new Step("kubectl patch run compiled-pipeline --type merge -p '{\"spec\":{\"archived\":false}}'", out -> out
          .isEqualTo("run.pipelines.kfp.dev/compiled-pipeline patched\n")),
      new Step("kubectl delete run hello-from-version", out -> out
          .isEqualTo("run.pipelines.kfp.dev \"hello-from-version\" deleted from kfp-sandbox namespace\n")),
      new Step("kubectl apply -f deploy/examples/version-ref.yaml", out -> out
          .isEqualTo("run.pipelines.kfp.dev/hello-from-version created\n")),
      new Step("kubectl wait --for=condition=Succeeded run/hello-from-version --timeout=60s", out -> out
          .isEqualTo("run.pipelines.kfp.dev/hello-from-version condition met\n")),
      new Step("kubectl get kfprun hello-from-version compiled-pipeline", out -> out
          .matches("(?s)" + HEADER.replace(" ", " +") + "\\n.*")
          .containsPattern("hello-from-version +SUCCEEDED +True +Succeeded")
          .containsPattern("compiled-pipeline +SUCCEEDED +True +Succeeded +\\S+ +\\S+ +AVAILABLE")));

  private static Sandbox sandbox;
  private static Path kubeconfig;
  private static Path kubectl;
  private static String samples;

  @BeforeAll
  static void sandboxOnTheRealServerRanItsSamples() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    sandbox = Sandbox.start(new PrintStream(printed, true, StandardCharsets.UTF_8), 0, RealCluster.lease());
    boolean passed = sandbox.runSamples(Duration.ofSeconds(90));
    samples = printed.toString(StandardCharsets.UTF_8);
    assertThat(passed).as(samples).isTrue();
    kubeconfig = sandbox.writeKubeconfig();
    kubectl = RealCluster.shared().kubectl();
  }

  @AfterAll
  static void stopSandbox() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void theReadmeShowsExactlyTheseCommands() throws IOException {
    assertThat(docSteps().stream().map(DocStep::command).toList())
        .as("the commands of " + PAGE + " " + SECTION)
        .isEqualTo(STEPS.stream().map(Step::command).toList());
  }

  @Test
  void eachReadmeCommandShowsTheDocumentedColumnsAndResults() throws Exception {
    List<DocStep> page = docSteps();
    assertThat(page).hasSameSizeAs(STEPS);
    assertThat(page.get(0).output().get(0).replaceAll(" +", " ")).as("the page's table header")
        .isEqualTo(HEADER);
    StringBuilder transcript = new StringBuilder();
    Process watch = null;
    Path watchOutput = Files.createTempFile("kubectl-watch-", ".txt");
    int watchStep = -1;
    for (int i = 0; i < STEPS.size(); i++) {
      DocStep step = page.get(i);
      if (step.command().contains("--watch")) {
        watch = bash(step, watchOutput).start();
        watchStep = i;
        // the watch prints the table it starts from before the commands below change it
        waitUntilPrinted(watchOutput, "long-training");
        continue;
      }
      String out = run(step);
      transcript.append("$ ").append(step.command()).append('\n').append(out);
      STEPS.get(i).check().accept(assertThat(out).as("$ " + step.command() + "\n" + out));
    }
    assertThat(watch).as("the page shows a watch").isNotNull();
    String watched = stop(watch, watchOutput);
    transcript.append("$ ").append(page.get(watchStep).command()).append('\n').append(watched);
    STEPS.get(watchStep).check().accept(assertThat(watched).as("$ kubectl get kfprun --watch\n" + watched));
    Files.writeString(Path.of("target", "sandbox-kubectl-transcript.txt"), transcript);
  }

  private static ProcessBuilder bash(DocStep step, Path output) {
    String script = step.command() + (step.stdin().isEmpty() ? "" : "\n" + String.join("\n", step.stdin()) + "\n");
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", script)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("PATH", kubectl.getParent() + ":" + System.getenv("PATH"));
    return builder;
  }

  private static String run(DocStep step) throws Exception {
    Path output = Files.createTempFile("kubectl-", ".txt");
    Process process = bash(step, output).start();
    boolean ended = process.waitFor(90, TimeUnit.SECONDS);
    String out = Files.readString(output);
    Files.delete(output);
    assertThat(ended).as("$ %s ended within 90 s; so far:%n%s", step.command(), out).isTrue();
    assertThat(process.exitValue()).as("exit code of $ %s%n%s", step.command(), out).isZero();
    return out;
  }

  private static void waitUntilPrinted(Path output, String text) throws Exception {
    for (int i = 0; i < 300 && !Files.readString(output).contains(text); i++) {
      Thread.sleep(100);
    }
    assertThat(Files.readString(output)).as("the watch's first table").contains(text);
  }

  private static String stop(Process watch, Path output) throws Exception {
    watch.descendants().forEach(ProcessHandle::destroy);
    watch.destroy();
    watch.waitFor(10, TimeUnit.SECONDS);
    String out = Files.readString(output);
    Files.delete(output);
    return out;
  }

  /**
   * The section's console block: each {@code $ } line is a command (the {@code export KUBECONFIG} line
   * aside, which the test sets itself), followed by its heredoc input up to {@code EOF}, then by its output.
   */
  public static List<DocStep> docSteps() throws IOException {
    List<String> lines = Files.readAllLines(PAGE);
    int start = lines.indexOf(SECTION);
    assertThat(start).as(PAGE + " has a section " + SECTION).isNotNegative();
    int block = start + 1;
    while (!lines.get(block).equals("```console")) {
      block++;
    }
    List<DocStep> steps = new ArrayList<>();
    for (int i = block + 1; !lines.get(i).equals("```"); ) {
      String line = lines.get(i++);
      assertThat(line).as(PAGE + " line %d: a command", i).startsWith("$ ");
      String command = line.substring(2).replaceAll("\\s+#.*", "");
      List<String> stdin = new ArrayList<>();
      if (command.endsWith("<<'EOF'")) {
        while (!lines.get(i).equals("EOF")) {
          stdin.add(lines.get(i++));
        }
        stdin.add(lines.get(i++));
      }
      List<String> output = new ArrayList<>();
      while (!lines.get(i).startsWith("$ ") && !lines.get(i).equals("```")) {
        output.add(lines.get(i++));
      }
      if (!command.startsWith("export KUBECONFIG=")) {
        steps.add(new DocStep(command, stdin, output));
      }
    }
    return steps;
  }

  /** A command the page shows, with its heredoc input and the output it shows. */
  public record DocStep(String command, List<String> stdin, List<String> output) {}

  /** A command and what its output must show. */
  private record Step(String command, Consumer<AbstractStringAssert<?>> check) {}
}
