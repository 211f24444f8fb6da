package dev.kfp.operator.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionStatus;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionStatusBuilder;
import org.junit.jupiter.api.Test;

/**
 * The wait of {@link RealKubernetes#installCrd} reads the CRD as the API server shows it between the apply and
 * the moment it serves the kind: no object, no status, a status without conditions (seen on the real server right
 * after an apply), conditions that are not Established yet. Each is "not yet", never an exception.
 */
class CrdEstablishedTest {

  private static CustomResourceDefinition withStatus(CustomResourceDefinitionStatus status) {
    return new CustomResourceDefinitionBuilder().withNewMetadata().withName("runs.pipelines.kfp.dev").endMetadata()
        .withStatus(status).build();
  }

  private static CustomResourceDefinitionStatus condition(String type, String status) {
    return new CustomResourceDefinitionStatusBuilder()
        .addNewCondition().withType(type).withStatus(status).endCondition().build();
  }

  @Test
  void aStatusWithoutConditionsIsNotEstablishedYet() {
    CustomResourceDefinitionStatus noConditions = new CustomResourceDefinitionStatus();
    noConditions.setConditions(null);

    assertThat(RealKubernetes.isEstablished(withStatus(noConditions))).isFalse();
  }

  @Test
  void noObjectOrNoStatusIsNotEstablishedYet() {
    assertThat(RealKubernetes.isEstablished(null)).isFalse();
    assertThat(RealKubernetes.isEstablished(withStatus(null))).isFalse();
  }

  @Test
  void onlyEstablishedTrueCounts() {
    assertThat(RealKubernetes.isEstablished(withStatus(condition("NamesAccepted", "True")))).isFalse();
    assertThat(RealKubernetes.isEstablished(withStatus(condition("Established", "False")))).isFalse();
    assertThat(RealKubernetes.isEstablished(withStatus(condition("Established", "True")))).isTrue();
  }
}
