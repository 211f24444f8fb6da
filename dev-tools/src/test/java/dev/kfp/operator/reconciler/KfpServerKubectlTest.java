package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.sandbox.SandboxKubectlTest;
import dev.kfp.operator.sandbox.SandboxKubectlTest.DocStep;
import dev.kfp.operator.tiers.KfpServerTier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The archive step of docs/using/sandbox.md, run with the kubectl built at the API server's version on a Run
 * a user created with a client-side {@code kubectl apply -f}, on the real kube-apiserver, with the operator against
 * KFP's own server. A partial server-side apply made kubectl migrate the client-side apply's field ownership to
 * itself and re-apply, which removes {@code spec.pipeline}; the CRD refuses that ({@code spec.pipeline: Required
 * value}) and kubectl printed a warning. The step must print only what the page shows.
 */
@KfpServerTier
class KfpServerKubectlTest extends KfpServerSuite {

  private static final String ARCHIVED_WAIT = "kubectl wait --for=jsonpath='{.status.storageState}'=ARCHIVED";

  @Override
  OperatorHarness startHarness() {
    return OperatorHarness.startOnKfpServer(OperatorHarness.Backend.REAL, false, null);
  }

  private String kubectl(Path kubeconfig, String script) throws Exception {
    Path output = Files.createTempFile("kubectl-", ".txt");
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("PATH", RealCluster.shared().kubectl().getParent() + ":" + System.getenv("PATH"));
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("$ " + script).isTrue();
    String out = Files.readString(output);
    Files.delete(output);
    assertThat(process.exitValue()).as("$ %s%n%s", script, out).isZero();
    return out;
  }

  /** A copy of the harness's kubeconfig whose context names the test namespace, as a user's would. */
  private Path kubeconfigInTestNamespace() throws Exception {
    Path kubeconfig = Files.createTempFile("kubeconfig-", ".yaml");
    Files.copy(harness.kubernetes.kubeconfig(), kubeconfig, StandardCopyOption.REPLACE_EXISTING);
    kubectl(kubeconfig, "kubectl config set-context --current --namespace=" + OperatorHarness.NAMESPACE);
    return kubeconfig;
  }

  /** The page's step just before it waits for ARCHIVED: the archive command, with its heredoc. */
  private static DocStep archiveStep() throws IOException {
    List<DocStep> steps = SandboxKubectlTest.docSteps();
    for (int i = 1; i < steps.size(); i++) {
      if (steps.get(i).command().startsWith(ARCHIVED_WAIT)) {
        return steps.get(i - 1);
      }
    }
    throw new AssertionError("the kubectl section of docs/using/sandbox.md has no step before " + ARCHIVED_WAIT);
  }

  @Test
  void theReadmesArchiveStepOnARunMadeByClientSideApplyPrintsNoWarning() throws Exception {
    Path kubeconfig = kubeconfigInTestNamespace();
    Path manifest = Files.createTempFile("compiled-pipeline-", ".yaml");
    Files.writeString(manifest, versionRefRun("compiled-pipeline", upload("plain", PLAIN_PIPELINE), ""));
    assertThat(kubectl(kubeconfig, "kubectl apply -f " + manifest))
        .isEqualTo("run.pipelines.kfp.dev/compiled-pipeline created\n");
    String runId = harness.awaitState("compiled-pipeline", "PENDING").getStatus().getRunId();

    DocStep archive = archiveStep();
    String script = archive.command() + (archive.stdin().isEmpty() ? "" : "\n" + String.join("\n", archive.stdin()));
    String printed = kubectl(kubeconfig, script);

    System.out.println("the archive step of docs/using/sandbox.md on a client-side applied Run printed: " + printed);
    assertThat(printed).as("$ " + archive.command()).isEqualTo(String.join("\n", archive.output()) + "\n");
    harness.awaitRun("compiled-pipeline", run -> "ARCHIVED".equals(run.getStatus().getStorageState()));
    assertThat(kfpRun(runId).storageState()).isEqualTo(KfpStorageState.ARCHIVED);
    assertThat(harness.get("compiled-pipeline").getSpec().getPipeline()).as("spec.pipeline kept").isNotNull();
    Files.delete(kubeconfig);
    Files.delete(manifest);
  }

  /**
   * Finding 3 of issue 25, with the real kubectl: on a Run whose create KFP refused, {@code kubectl wait} for the
   * Succeeded condition ends. {@code --for=condition=Succeeded=False} is met; {@code --for=condition=Succeeded}
   * (True) ends at its timeout with an error, as for a Job that failed, instead of waiting on a condition that
   * never came.
   */
  @Test
  void kubectlWaitOnARunKfpRefusedEnds() throws Exception {
    Path kubeconfig = kubeconfigInTestNamespace();
    harness.apply(versionRefRun("refused", upload("arguments", CompiledPipelines.yaml(
        "arguments_parameters")), ""));

    String met = kubectl(kubeconfig, "kubectl wait --for=condition=Succeeded=False run/refused --timeout=60s");
    String notMet = kubectl(kubeconfig, "kubectl wait --for=condition=Succeeded run/refused --timeout=2s; "
        + "echo \"exit $?\"");

    System.out.println("kubectl wait on a Run KFP refused: " + met.strip() + " | " + notMet.strip());
    assertThat(met).isEqualTo("run.pipelines.kfp.dev/refused condition met\n");
    assertThat(notMet).contains("timed out waiting for the condition").endsWith("exit 1\n");
    Files.delete(kubeconfig);
  }
}
