package dev.kfp.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRD in {@code crds/} is generated from the {@code api} types. Regenerate it with
 * {@code mvn -B test -Dtest=RunCrdTest -Dcrd.update=true}.
 */
class RunCrdTest {

  static final Path COMMITTED = Path.of("crds", "runs.pipelines.kfp.dev-v1.yml");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void committedCrdMatchesTheTypes(@TempDir Path dir) throws IOException {
    new CRDGenerator().inOutputDir(dir.toFile()).forCRDVersions("v1").customResourceClasses(Run.class)
        .withPostProcessor(new CRDPostProcessor() {
          @Override
          public HasMetadata process(HasMetadata crd, String version) {
            return printerColumnsInDeclaredOrder(crd, version);
          }
        }).generate();
    String generated = Files.readString(dir.resolve(COMMITTED.getFileName()));
    if (Boolean.getBoolean("crd.update")) {
      Files.writeString(COMMITTED, generated);
    }
    assertThat(Files.readString(COMMITTED))
        .as("crds/ is stale: regenerate with mvn -B test -Dtest=RunCrdTest -Dcrd.update=true")
        .isEqualTo(generated);
  }

  /** The generator sorts printer columns by name; kubectl shows them in the order they are declared on Run. */
  private static HasMetadata printerColumnsInDeclaredOrder(HasMetadata crd, String version) {
    List<String> declared = Arrays.stream(Run.class.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name).toList();
    ((CustomResourceDefinition) crd).getSpec().getVersions().forEach(v -> v.getAdditionalPrinterColumns()
        .sort(Comparator.comparingInt(c -> declared.indexOf(c.getName()))));
    return crd;
  }

  @Test
  void crdNamesStatusAndColumnsAreWhatUsersExpect() throws IOException {
    JsonNode crd = YAML.readTree(COMMITTED.toFile());
    JsonNode names = crd.at("/spec/names");
    assertThat(names.get("shortNames").toString()).isEqualTo("[\"kfprun\"]");
    assertThat(names.get("categories").toString()).contains("\"kfp\"", "\"kubeflow\"");
    JsonNode version = crd.at("/spec/versions/0");
    assertThat(version.at("/subresources/status").isObject()).isTrue();
    List<String> columns = new ArrayList<>();
    version.get("additionalPrinterColumns").forEach(c -> columns.add(c.get("name").asText()));
    assertThat(columns).containsExactly("Run ID", "State", "Succeeded", "Reason", "Started", "Finished", "Storage",
        "Age");
    assertThat(version.at("/additionalPrinterColumns/0/priority").asInt()).isEqualTo(1);
  }

  @Test
  void celRulesKeepTheSpecImmutableExceptArchivedAndDeletionPolicy() throws IOException {
    JsonNode spec = YAML.readTree(COMMITTED.toFile()).at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    List<String> rules = new ArrayList<>();
    spec.get("x-kubernetes-validations").forEach(r -> rules.add(r.get("rule").asText()));
    for (String field : List.of("displayName", "description", "experimentId", "pipeline", "parameters",
        "pipelineRoot", "serviceAccount")) {
      assertThat(rules).as("immutability rule for " + field)
          .contains("has(self." + field + ") == has(oldSelf." + field + ") && (!has(self." + field + ") || self."
              + field + " == oldSelf." + field + ")");
    }
    assertThat(String.join("\n", rules)).doesNotContain("archived", "deletionPolicy");
  }

  @Test
  void celRuleRequiresExactlyOnePipelineSource() throws IOException {
    JsonNode pipeline = YAML.readTree(COMMITTED.toFile())
        .at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/pipeline");
    assertThat(pipeline.at("/x-kubernetes-validations/0/rule").asText())
        .isEqualTo("(has(self.versionRef) ? 1 : 0) + (has(self.spec) ? 1 : 0) + (has(self.specFrom) ? 1 : 0) == 1");
    assertThat(pipeline.at("/properties/spec/x-kubernetes-preserve-unknown-fields").asBoolean()).isTrue();
  }
}
