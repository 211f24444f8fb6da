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
  static final Path QUEUE_COMMITTED = Path.of("crds", "runqueues.pipelines.kfp.dev-v1.yml");
  static final Path SCHEDULE_COMMITTED = Path.of("crds", "runschedules.pipelines.kfp.dev-v1.yml");
  private static final List<Class<?>> TYPES = List.of(Run.class, RunQueue.class, RunSchedule.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void committedCrdsMatchTheTypes(@TempDir Path dir) throws IOException {
    new CRDGenerator().inOutputDir(dir.toFile()).forCRDVersions("v1").customResourceClasses(Run.class, RunQueue.class,
            RunSchedule.class)
        .withPostProcessor(new CRDPostProcessor() {
          @Override
          public HasMetadata process(HasMetadata crd, String version) {
            return printerColumnsInDeclaredOrder(crd);
          }
        }).generate();
    for (Path committed : List.of(COMMITTED, QUEUE_COMMITTED, SCHEDULE_COMMITTED)) {
      String generated = Files.readString(dir.resolve(committed.getFileName()));
      if (Boolean.getBoolean("crd.update")) {
        Files.writeString(committed, generated);
      }
      assertThat(Files.readString(committed))
          .as("crds/ is stale: regenerate with mvn -B test -Dtest=RunCrdTest -Dcrd.update=true")
          .isEqualTo(generated);
    }
  }

  /** The generator sorts printer columns by name; kubectl shows them in the order they are declared on the type. */
  private static HasMetadata printerColumnsInDeclaredOrder(HasMetadata crd) {
    CustomResourceDefinition definition = (CustomResourceDefinition) crd;
    String kind = definition.getSpec().getNames().getKind();
    Class<?> type = TYPES.stream().filter(t -> t.getSimpleName().equals(kind)).findFirst().orElseThrow();
    List<String> declared = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name).toList();
    definition.getSpec().getVersions().forEach(v -> v.getAdditionalPrinterColumns()
        .sort(Comparator.comparingInt(c -> declared.indexOf(c.getName()))));
    return crd;
  }

  @Test
  void everyCelRuleCompilesWithTheTypesTheApiServerGivesTheSchema() throws IOException {
    for (Path committed : List.of(COMMITTED, QUEUE_COMMITTED, SCHEDULE_COMMITTED)) {
      assertThat(ApiServerCelTyping.check(YAML.readTree(committed.toFile()).at("/spec/versions/0/schema/openAPIV3Schema")))
          .as("rules a real API server would refuse in " + committed).isEmpty();
    }
  }

  @Test
  void runQueueNamesColumnsAndMaxActiveRule() throws IOException {
    JsonNode crd = YAML.readTree(QUEUE_COMMITTED.toFile());
    assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
    assertThat(crd.at("/spec/names/shortNames").toString()).isEqualTo("[\"kfpqueue\"]");
    JsonNode version = crd.at("/spec/versions/0");
    assertThat(version.at("/subresources/status").isObject()).isTrue();
    List<String> columns = new ArrayList<>();
    version.get("additionalPrinterColumns").forEach(c -> columns.add(c.get("name").asText()));
    assertThat(columns).containsExactly("Max Active", "Active", "Waiting", "Experiment", "Age");
    JsonNode spec = version.at("/schema/openAPIV3Schema/properties/spec");
    assertThat(spec.get("required").toString()).isEqualTo("[\"maxActive\"]");
    assertThat(spec.get("x-kubernetes-validations")).singleElement().satisfies(rule -> {
      assertThat(rule.get("rule").asText()).isEqualTo("self.maxActive >= 1");
      assertThat(rule.get("fieldPath").asText()).isEqualTo(".maxActive");
      assertThat(rule.get("message").asText()).startsWith("spec.maxActive must be at least 1");
    });
  }

  /** The shape of the CRD before issue 10: free-form fields without a type are invisible to CEL. */
  @Test
  void ruleNamingAFieldWithoutACelTypeDoesNotCompile() throws IOException {
    JsonNode schema = YAML.readTree("""
        type: object
        properties:
          spec:
            type: object
            properties:
              parameters:
                type: object
                additionalProperties: {x-kubernetes-preserve-unknown-fields: true}
              pipeline:
                type: object
                properties:
                  spec: {x-kubernetes-preserve-unknown-fields: true}
                  versionRef: {type: object, properties: {pipelineId: {type: string}}}
                x-kubernetes-validations:
                - rule: "(has(self.versionRef) ? 1 : 0) + (has(self.spec) ? 1 : 0) == 1"
            x-kubernetes-validations:
            - rule: "!has(self.parameters) || self.parameters == oldSelf.parameters"
            - rule: "self.pipeline == oldSelf.pipeline"
        """);
    assertThat(ApiServerCelTyping.check(schema)).extracting(ApiServerCelTyping.Problem::toString).satisfiesExactly(
        spec -> assertThat(spec).startsWith("spec: !has(self.parameters)").contains("undefined field 'parameters'"),
        pipeline -> assertThat(pipeline).startsWith("spec.pipeline: ").contains("undefined field 'spec'"));
  }

  @Test
  void freeFormObjectsTypedAsObjectsCompile() throws IOException {
    JsonNode schema = YAML.readTree("""
        type: object
        properties:
          spec:
            type: object
            properties:
              inline: {type: object, x-kubernetes-preserve-unknown-fields: true}
              counts: {type: object, additionalProperties: {type: integer}}
              tags: {type: array, items: {type: string}}
              my-field: {type: string}
            x-kubernetes-validations:
            - rule: "has(self.inline) && self.inline == oldSelf.inline"
            - rule: "self.counts.all(k, self.counts[k] > 0) && self.tags.all(t, t != '') && self.my__dash__field != ''"
              fieldPath: .counts
            - rule: "self.apiVersion != ''"
            - rule: "self.tags"
            - rule: "true"
              fieldPath: .nothing
        """);
    assertThat(ApiServerCelTyping.check(schema)).extracting(ApiServerCelTyping.Problem::toString).satisfiesExactly(
        root -> assertThat(root).contains("undefined field 'apiVersion'"),
        list -> assertThat(list).contains("must evaluate to a bool"),
        path -> assertThat(path).contains("fieldPath .nothing: no property nothing"));
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
    assertThat(version.at("/additionalPrinterColumns/6/jsonPath").asText())
        .as("the storage state KFP reported, not the wish in spec.archived").isEqualTo(".status.storageState");
    assertThat(version.at("/schema/openAPIV3Schema/properties/status/properties/storageState/type").asText())
        .isEqualTo("string");
  }

  /** Derived from the schema, so that a new spec field without a rule fails here. */
  @Test
  void everySpecFieldButTheMutableOnesHasAnImmutabilityRule() throws IOException {
    JsonNode spec = YAML.readTree(COMMITTED.toFile()).at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    List<String> fields = new ArrayList<>();
    spec.get("properties").fieldNames().forEachRemaining(fields::add);
    assertThat(fields).contains("archived", "deletionPolicy", "parameters", "pipeline");
    List<JsonNode> rules = new ArrayList<>();
    spec.get("x-kubernetes-validations").forEach(rules::add);
    for (String field : fields) {
      List<JsonNode> about = rules.stream().filter(r -> r.path("fieldPath").asText().equals("." + field)).toList();
      if (field.equals("archived") || field.equals("deletionPolicy") || field.equals("suspend")) {
        assertThat(about).as("no rule on mutable " + field).isEmpty();
        continue;
      }
      if (field.equals("activeDeadlineSeconds") || field.equals("ttlSecondsAfterFinished")) {
        assertThat(about).as("mutable, but bounded below").singleElement()
            .satisfies(r -> assertThat(r.path("rule").asText()).doesNotContain("oldSelf"));
        continue;
      }
      assertThat(about).as("one immutability rule for " + field).hasSize(1);
      JsonNode rule = about.get(0);
      String name = java.util.regex.Pattern.quote(field);
      assertThat(rule.get("rule").asText()).as(field)
          .containsPattern("(^|[^.\\w])(self|dyn\\(self\\))\\." + name + "\\b")
          .containsPattern("(oldSelf|dyn\\(oldSelf\\))\\." + name + "\\b");
      assertThat(rule.get("message").asText()).as(field).startsWith("spec." + field + " cannot change")
          .contains("create a new Run");
      assertThat(rule.get("reason").asText()).isEqualTo("FieldValueForbidden");
    }
    assertThat(rules.stream().map(r -> r.get("rule").asText())).noneMatch(r -> r.contains("archived")
        || r.contains("deletionPolicy"));
  }

  /**
   * The inline spec and the parameters are maps of free-form values: the API server compares such a map key by
   * key, so a renamed key is a change, where a {@code type: object} with preserved unknown fields would compare
   * only the keys both sides have.
   */
  @Test
  void parametersAndInlineSpecAreMapsSoThatRenamesAreChanges() throws IOException {
    JsonNode spec = YAML.readTree(COMMITTED.toFile()).at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    for (JsonNode map : List.of(spec.at("/properties/parameters"), spec.at("/properties/pipeline/properties/spec"))) {
      assertThat(map.get("type").asText()).isEqualTo("object");
      assertThat(map.at("/additionalProperties/x-kubernetes-preserve-unknown-fields").asBoolean()).isTrue();
      assertThat(map.has("properties")).isFalse();
    }
  }

  @Test
  void celRuleRequiresExactlyOnePipelineSource() throws IOException {
    JsonNode pipeline = YAML.readTree(COMMITTED.toFile())
        .at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/pipeline");
    assertThat(pipeline.get("x-kubernetes-validations")).hasSize(1);
    String rule = pipeline.at("/x-kubernetes-validations/0/rule").asText();
    pipeline.get("properties").fieldNames().forEachRemaining(source -> assertThat(rule).contains("." + source + ")"));
    assertThat(rule).endsWith("== 1");
    assertThat(pipeline.at("/x-kubernetes-validations/0/message").asText())
        .startsWith("set exactly one of spec.pipeline.versionRef");
  }

  @Test
  void theSpecCannotBeLeftOutOrRemoved() throws IOException {
    JsonNode root = YAML.readTree(COMMITTED.toFile()).at("/spec/versions/0/schema/openAPIV3Schema");
    assertThat(root.get("x-kubernetes-validations")).singleElement().satisfies(rule -> {
      assertThat(rule.get("rule").asText()).isEqualTo("has(self.spec)");
      assertThat(rule.get("fieldPath").asText()).isEqualTo(".spec");
      assertThat(rule.get("message").asText()).startsWith("spec is required and cannot be removed");
    });
  }
}
