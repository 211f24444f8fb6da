package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every manifest of the invalid catalogue, applied to a running operator, is refused without a KFP call. */
abstract class InvalidManifestsOperatorTest {

  private OperatorHarness harness;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
  }

  /** The Kubernetes API this specification runs against: one subclass per API. */
  abstract OperatorHarness.Backend backend();

  @AfterEach
  void stop() {
    harness.close();
  }

  /**
   * On the real server, a manifest the CRD refuses is refused at creation with the CRD's message, and one whose
   * fault the server prunes is stored without it (shown by a dry run, so that the operator never sees the
   * now-valid Run); true for those, false for one the operator has to report.
   */
  private boolean stoppedByTheServer(InvalidManifests.Case invalid) {
    if (invalid.refusedByCrd().isPresent()) {
      KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class,
          () -> harness.apply(invalid.run()));
      assertThat(refused).as(invalid.file() + " is refused by the CRD").isNotNull();
      assertThat(refused.getCode()).as(invalid.file()).isEqualTo(422);
      assertThat(refused.getMessage()).as(invalid.file()).contains(invalid.refusedByCrd().get());
      return true;
    }
    if (invalid.prunedByServer().isPresent()) {
      Run stored = harness.k8s().resource(invalid.run()).dryRun().create();
      assertThat(Serialization.jsonMapper().valueToTree(stored).at(invalid.prunedByServer().get()).isMissingNode())
          .as(invalid.file() + ": the server drops " + invalid.prunedByServer().get()).isTrue();
      return true;
    }
    return false;
  }

  @Test
  void eachInvalidManifestEndsNotSubmittedWithAMessageAndCausesNoKfpCall() {
    for (ConfigMap configMap : InvalidManifests.configMaps()) {
      harness.k8s().resource(configMap).create();
    }
    List<InvalidManifests.Case> cases = InvalidManifests.cases().toList();
    if (harness.validatesCrds()) {
      cases = cases.stream().filter(invalid -> !stoppedByTheServer(invalid)).toList();
    }
    cases.forEach(invalid -> harness.apply(invalid.run()));

    for (InvalidManifests.Case invalid : cases) {
      String name = invalid.run().getMetadata().getName();
      Run refused = harness.awaitRun(name, run -> run.getStatus() != null
          && run.getStatus().condition(RunConditions.SUBMITTED).isPresent());
      Condition submitted = refused.getStatus().condition(RunConditions.SUBMITTED).orElseThrow();
      assertThat(submitted.getStatus()).as(invalid.file()).isEqualTo("False");
      assertThat(submitted.getReason()).as(invalid.file()).isEqualTo(RunConditions.REASON_INVALID_SPEC);
      assertThat(submitted.getMessage()).as(invalid.file()).contains(invalid.expectedMessage());
      assertThat(harness.events(name)).as(invalid.file()).anySatisfy(event -> {
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getReason()).isEqualTo(RunConditions.REASON_INVALID_SPEC);
      });
    }
    assertThat(cases).hasSizeGreaterThanOrEqualTo(12);
    assertThat(harness.kfp.calls().total()).as("calls the simulator served").isZero();
  }
}
