package dev.kfp.operator.reconciler;

import static dev.kfp.operator.reconciler.OperatorHarness.NAMESPACE;
import static dev.kfp.operator.reconciler.OperatorHarness.TIMING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the operator's informer cache keeps of a Run ({@link Run#trimForCache()}), through a real operator and the
 * simulator, on the Kubernetes API of each subclass ({@link MockApiRunCacheTest}, {@link RealServerRunCacheTest}):
 * a submitted Run is cached without its inline spec, parameters, managedFields and last-applied manifest; nothing
 * the operator writes loses them on the API server; and the spec check after an edit reads them from there.
 */
abstract class RunCacheTest {

  private static final String LAST_APPLIED = "{\"kind\":\"Run\",\"note\":\"what kubectl apply keeps\"}";
  OperatorHarness harness;

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract OperatorHarness.Backend backend();

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  Run applyInlineRun(String name) {
    return harness.apply("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: Run
        metadata:
          name: %s
          namespace: %s
          annotations: {kubectl.kubernetes.io/last-applied-configuration: '%s'}
        spec:
          pipeline:
            spec:
        %s
          parameters: {param2: world}
        """.formatted(name, NAMESPACE, LAST_APPLIED, CompiledPipelines.yaml("arguments_parameters").indent(6)));
  }

  Run cached(String name) {
    return await().atMost(Duration.ofSeconds(30)).until(() -> harness.operator().cachedRuns()
            .filter(run -> run.getMetadata().getName().equals(name)).findFirst().orElse(null),
        run -> run != null && run.getStatus() != null && run.getStatus().getRunId() != null);
  }

  @Test
  void aSubmittedRunIsCachedWithoutItsInlineSpecParametersManagedFieldsAndLastAppliedManifest() {
    applyInlineRun("cached");
    harness.awaitState("cached", "PENDING");

    Run cached = cached("cached");
    assertThat(cached.getSpec().getPipeline().getSpec()).isNull();
    assertThat(cached.getSpec().getParameters()).isNull();
    assertThat(cached.getSpec().trimmed()).isNotNull();
    assertThat(cached.getSpec().trimmed().inlineSpecBytes()).isGreaterThan(1000);
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getAnnotations()).doesNotContainKey(Run.LAST_APPLIED);
    assertThat(cached.getMetadata().getFinalizers()).containsExactly(Run.FINALIZER);
    if (harness.validatesCrds()) {
      assertThat(harness.get("cached").getMetadata().getManagedFields()).as("the real server's record").isNotEmpty();
    }
  }

  /**
   * Status writes, the finalizer and the commands go out as patches naming what they change: the trimmed copy
   * is never written back. Were it written whole, the stored Run would lose its spec and annotation here.
   */
  @Test
  void theStoredRunKeepsWhatTheCacheLeftOutThroughStatusWritesAndCommands() {
    Run applied = applyInlineRun("whole");
    harness.awaitState("whole", "PENDING");
    harness.clock.advance(TIMING.pending());
    harness.awaitState("whole", "RUNNING");
    harness.annotate("whole", Run.TERMINATE_ANNOTATION, "true");
    harness.awaitState("whole", "CANCELING");
    harness.clock.advance(TIMING.canceling());
    harness.awaitState("whole", "FAILED");
    harness.edit("whole", run -> run.getSpec().setArchived(true));
    harness.awaitRun("whole", run -> "ARCHIVED".equals(run.getStatus().getStorageState()));

    Run stored = harness.get("whole");
    assertThat(Serialization.asJson(stored.getSpec().getPipeline().getSpec()))
        .isEqualTo(Serialization.asJson(applied.getSpec().getPipeline().getSpec()));
    assertThat(stored.getSpec().getParameters()).isEqualTo(applied.getSpec().getParameters());
    assertThat(stored.getMetadata().getAnnotations()).containsEntry(Run.LAST_APPLIED, LAST_APPLIED);
  }

  /**
   * An edit after submission bumps the generation; the cache's copy lacks the spec to check it against the KFP run,
   * so the operator reads the Run from the API server: a mutable edit is no change of the pipeline.
   */
  @Test
  void aMutableEditAfterSubmissionIsCheckedAgainstTheStoredSpecAndIsNoChange() {
    applyInlineRun("archive-me");
    harness.awaitState("archive-me", "PENDING");
    cached("archive-me");

    harness.edit("archive-me", run -> run.getSpec().setArchived(true));
    Run archived = harness.awaitRun("archive-me", run -> "ARCHIVED".equals(run.getStatus().getStorageState())
        && run.getMetadata().getGeneration().equals(run.getStatus().getObservedGeneration()));

    assertThat(archived.getStatus().condition(RunConditions.SUBMITTED).orElseThrow().getReason())
        .isEqualTo(RunConditions.REASON_CREATED);
    assertThat(harness.eventReasons("archive-me")).doesNotContain(RunConditions.REASON_SPEC_CHANGED);
  }
}
