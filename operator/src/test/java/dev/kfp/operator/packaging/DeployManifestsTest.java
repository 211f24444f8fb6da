package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/} (for {@code kubectl apply -k deploy/}) is the chart's default rendering, and the chart's CRD is
 * the ones in {@code crds/}. Regenerate both with {@code mvn -B test -Dtest=DeployManifestsTest -Ddeploy.update=true}.
 */
class DeployManifestsTest {

  static final Path DEPLOY = Path.of("deploy");
  static final Path MANIFEST = DEPLOY.resolve("kfp-run-operator.yaml");
  private static final String HEADER = """
      # Generated from helm/kfp-run-operator with its default values (release kfp-run-operator, namespace
      # kfp-system) by DeployManifestsTest; do not edit. Regenerate:
      #   mvn -B test -Dtest=DeployManifestsTest -Ddeploy.update=true
      """;

  private static String rendered() {
    return HEADER + HelmChart.template(Map.of()).replaceAll("(?m)^---\\n# Source: [^\\n]*\\n", "---\n");
  }

  @Test
  void deployManifestsAreTheChartsDefaultRendering() throws IOException {
    if (Boolean.getBoolean("deploy.update")) {
      // the chart's copies of the CRDs first: the rendering below includes them
      for (String crd : List.of("runs.pipelines.kfp.dev-v1.yml", "runqueues.pipelines.kfp.dev-v1.yml",
          "runschedules.pipelines.kfp.dev-v1.yml")) {
        Files.copy(Path.of("crds", crd), HelmChart.DIR.resolve("files").resolve(crd),
            StandardCopyOption.REPLACE_EXISTING);
      }
    }
    String expected = rendered();
    if (Boolean.getBoolean("deploy.update")) {
      Files.writeString(MANIFEST, expected);
    }
    assertThat(Files.readString(MANIFEST))
        .as("deploy/ drifted from the chart: mvn -B test -Dtest=DeployManifestsTest -Ddeploy.update=true")
        .isEqualTo(expected);
  }

  @Test
  void kustomizationAppliesTheManifestInTheOperatorsNamespace() throws IOException {
    JsonNode kustomization = HelmChart.YAML.readTree(DEPLOY.resolve("kustomization.yaml").toFile());
    List<String> resources = HelmChart.YAML.convertValue(kustomization.path("resources"),
        HelmChart.YAML.getTypeFactory().constructCollectionType(List.class, String.class));
    assertThat(resources).containsExactly("namespace.yaml", MANIFEST.getFileName().toString());
    JsonNode namespace = HelmChart.YAML.readTree(DEPLOY.resolve("namespace.yaml").toFile());
    assertThat(namespace.at("/metadata/name").asText()).isEqualTo(HelmChart.NAMESPACE);
  }

  @Test
  void everyDeployedObjectIsAValidKubernetesObject() throws IOException {
    KubernetesSchemas schemas = new KubernetesSchemas();
    for (JsonNode object : HelmChart.objects(Files.readString(MANIFEST))) {
      assertThat(schemas.violations(object)).as(object.path("kind").asText()).isEmpty();
    }
  }
}
