package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunSpec;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.reconciler.submit.InvalidSpecException;
import dev.kfp.operator.reconciler.submit.RunValidator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class RunValidatorTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final Map<String, Map<String, String>> configMaps = new LinkedHashMap<>();
  private final RunValidator validator = new RunValidator((ns, name) -> Optional.ofNullable(configMaps.get(
      ns + "/" + name)));

  RunValidatorTest() {
    for (ConfigMap cm : InvalidManifests.configMaps()) {
      configMaps.put(cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName(), cm.getData());
    }
  }

  static Stream<InvalidManifests.Case> invalidManifests() {
    return InvalidManifests.cases();
  }

  @ParameterizedTest
  @MethodSource("invalidManifests")
  void everyInvalidManifestIsRefusedWithAMessageSayingWhatToFix(InvalidManifests.Case invalid) {
    Run run = invalid.run();
    run.getMetadata().setUid("0a1b2c3d-0000-4000-8000-000000000001");
    assertThatThrownBy(() -> validator.toCreateRequest(run))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining(invalid.expectedMessage());
  }

  @Test
  void theCatalogueHoldsAtLeastTwelveDifferentMistakes() {
    assertThat(InvalidManifests.cases().count()).isGreaterThanOrEqualTo(12);
  }

  @Test
  void aConfigMapThatMayStillAppearIsReportedAsResolvableLater() {
    Run run = InvalidManifests.cases().filter(c -> c.file().equals("config-map-missing.yaml")).findFirst()
        .orElseThrow().run();
    run.getMetadata().setUid("0a1b2c3d-0000-4000-8000-000000000002");
    assertThatThrownBy(() -> validator.toCreateRequest(run))
        .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.mayResolveItself()).isTrue());
  }

  @Test
  void aCompiledPipelineFromAConfigMapBecomesTheInlineSpecWithTheMarkerInTheDescription() throws Exception {
    String yaml = CompiledPipelines.yaml("preprocess");
    configMaps.put("team-a/preprocess", Map.of("pipeline.yaml", yaml));
    Run run = run(new PipelineSource(null, null,
        new PipelineSource.SpecFrom(new PipelineSource.ConfigMapKeyRef("preprocess", "pipeline.yaml"))));
    run.getSpec().setDescription("nightly");
    run.getSpec().setParameters(Map.of(
        "message", YAML.readTree("\"hi\""),
        "input_dict_parameter", YAML.readTree("{a: 1}"),
        "input_list_parameter", YAML.readTree("[1, two]")));

    KfpRun request = validator.toCreateRequest(run);

    assertThat(request.displayName()).isEqualTo("train");
    assertThat(request.description()).isEqualTo("nightly\n[kfp-run-operator team-a/train uid=u-1]");
    assertThat(request.pipelineSpec().get("pipelineInfo").get("name").asText()).isEqualTo("preprocess");
    assertThat(request.runtimeConfig().parameters()).containsOnlyKeys("message", "input_dict_parameter",
        "input_list_parameter");
  }

  @Test
  void parametersOfEveryJsonTypePassUnchangedForAVersionReference() throws Exception {
    Run run = run(new PipelineSource(new PipelineSource.VersionRef("p-1", null), null, null));
    JsonNode parameters = YAML.readTree("{s: text, i: 3, d: 0.01, b: false, l: [a, 1], o: {k: [v]}}");
    Map<String, JsonNode> map = new LinkedHashMap<>();
    parameters.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue()));
    run.getSpec().setParameters(map);
    run.getSpec().setPipelineRoot("s3://bucket/root");

    KfpRun request = validator.toCreateRequest(run);

    assertThat((JsonNode) YAML.valueToTree(request.runtimeConfig().parameters())).isEqualTo(parameters);
    assertThat(request.runtimeConfig().pipelineRoot()).isEqualTo("s3://bucket/root");
    assertThat(request.pipelineVersionReference().pipelineId()).isEqualTo("p-1");
    assertThat(request.pipelineSpec()).isNull();
  }

  @Test
  void integersADoubleCannotHoldAreRefusedWhereverTheyAreNestedAndTheMessageSuggestsAString() throws Exception {
    Run run = run(new PipelineSource(new PipelineSource.VersionRef("p-1", null), null, null));
    run.getSpec().setParameters(Map.of(
        "seed", YAML.readTree("9007199254740993"),
        "ids", YAML.readTree("[1, -9007199254740993]"),
        "cfg", YAML.readTree("{limits: {max: 18446744073709551616}}")));

    assertThatThrownBy(() -> validator.toCreateRequest(run))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.parameters.seed is 9007199254740993, beyond ±2^53")
        .hasMessageContaining("would pass the pipeline 9007199254740992 instead")
        .hasMessageContaining("spec.parameters.ids[1] is -9007199254740993")
        .hasMessageContaining("spec.parameters.cfg.limits.max is 18446744073709551616")
        .hasMessageContaining("Quote it to pass a string (\"9007199254740993\")");
  }

  @Test
  void integersUpToTwoToTheFiftyThirdAndFractionsPass() throws Exception {
    Run run = run(new PipelineSource(new PipelineSource.VersionRef("p-1", null), null, null));
    JsonNode parameters = YAML.readTree("{top: 9007199254740992, bottom: -9007199254740992, f: 1.0e300, "
        + "s: '9007199254740993'}");
    Map<String, JsonNode> map = new LinkedHashMap<>();
    parameters.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue()));
    run.getSpec().setParameters(map);

    assertThat((JsonNode) YAML.valueToTree(validator.toCreateRequest(run).runtimeConfig().parameters()))
        .isEqualTo(parameters);
  }

  private static Run run(PipelineSource pipeline) {
    Run run = new Run();
    run.setMetadata(new ObjectMetaBuilder().withName("train").withNamespace("team-a").withUid("u-1").build());
    RunSpec spec = new RunSpec();
    spec.setPipeline(pipeline);
    run.setSpec(spec);
    return run;
  }
}
