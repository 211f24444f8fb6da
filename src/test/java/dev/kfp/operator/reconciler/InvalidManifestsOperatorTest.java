package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every manifest of the invalid catalogue, applied to a running operator, is refused without a KFP call. */
class InvalidManifestsOperatorTest {

  private OperatorHarness harness;

  @BeforeEach
  void start() {
    harness = OperatorHarness.start(backend(), false, simulator -> { });
  }

  /** The Kubernetes API this specification runs against; a subclass runs it again on the real server. */
  OperatorHarness.Backend backend() {
    return OperatorHarness.Backend.MOCK;
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  @Test
  void eachInvalidManifestEndsNotSubmittedWithAMessageAndCausesNoKfpCall() {
    for (ConfigMap configMap : InvalidManifests.configMaps()) {
      harness.k8s().resource(configMap).create();
    }
    List<InvalidManifests.Case> all = InvalidManifests.cases().toList();
    List<InvalidManifests.Case> cases = all.stream()
        .filter(invalid -> backend() == OperatorHarness.Backend.MOCK || invalid.apiServerRefusal().isEmpty())
        .toList();
    for (InvalidManifests.Case invalid : all) {
      if (cases.contains(invalid)) {
        harness.apply(invalid.run());
      } else {
        assertThatThrownBy(() -> harness.apply(invalid.run())).as(invalid.file())
            .isInstanceOf(KubernetesClientException.class)
            .hasMessageContaining("is invalid")
            .hasMessageContaining(invalid.apiServerRefusal().orElseThrow());
      }
    }

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
    assertThat(all).hasSizeGreaterThanOrEqualTo(12);
    assertThat(cases).as("manifests only the operator can refuse").hasSizeGreaterThanOrEqualTo(12);
    assertThat(harness.kfp.calls().total()).as("calls the simulator served").isZero();
  }
}
