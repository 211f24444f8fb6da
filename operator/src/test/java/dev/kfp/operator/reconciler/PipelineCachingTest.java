package dev.kfp.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.CompiledPipelines;
import dev.kfp.operator.api.Caching;
import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.reconciler.submit.InvalidSpecException;
import dev.kfp.operator.reconciler.submit.PipelineSpecDocument;
import dev.kfp.operator.reconciler.submit.RunValidator;
import dev.kfp.operator.reconciler.submit.SpecFingerprint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spec.caching}: the rewrite of a compiled pipeline's caching options (every task of every DAG), the
 * refusal for a version reference, and the immutability check; compared once with what the KFP SDK itself does
 * for {@code enable_caching} at submit time, on the same compiled pipeline.
 */
class PipelineCachingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** A pipeline with an If/Else: the tasks of the branches are in the DAGs of components condition-2 and -3. */
  private static final String NESTED = "pipeline_with_condition";

  @Test
  void everyTaskOfTheRootAndOfEveryNestedDagGetsTheSetting() throws Exception {
    PipelineSpecDocument compiled = PipelineSpecDocument.fromYaml(CompiledPipelines.yaml(NESTED), NESTED);
    Map<String, Boolean> before = caching(compiled.toKfpPipelineSpec());
    // The compiler sets enableCache on container tasks; the tasks standing for a branch group have no options.
    assertThat(before).containsEntry("root.flip-coin", true).containsEntry("root.condition-branches-1", false);
    assertThat(before.keySet()).anyMatch(task -> task.startsWith("components."));

    Map<String, Boolean> disabled = caching(compiled.withCaching(false).toKfpPipelineSpec());
    Map<String, Boolean> enabled = caching(compiled.withCaching(true).toKfpPipelineSpec());

    assertThat(disabled.keySet()).isEqualTo(before.keySet());
    assertThat(disabled.values()).containsOnly(false);
    assertThat(enabled.values()).containsOnly(true);
    assertThat(caching(compiled.toKfpPipelineSpec())).as("the document itself is not changed").isEqualTo(before);
  }

  @Test
  void aTaskWithoutCachingOptionsGetsThemAndOtherOptionsStay() throws Exception {
    PipelineSpecDocument spec = PipelineSpecDocument.fromYaml("""
        schemaVersion: 2.1.0
        pipelineInfo: {name: bare}
        root:
          dag:
            tasks:
              bare: {taskInfo: {name: bare}}
              keyed: {cachingOptions: {cacheKey: k-1}, taskInfo: {name: keyed}}
        components:
          comp-inner:
            dag:
              tasks:
                inner: {cachingOptions: {}}
          comp-container:
            executorLabel: exec-container
        ---
        platforms: {kubernetes: {deploymentSpec: {executors: {}}}}
        """, "test");

    ObjectNode rewritten = spec.withCaching(true).toKfpPipelineSpec();

    JsonNode ir = rewritten.get("pipeline_spec");
    assertThat(ir.at("/root/dag/tasks/bare/cachingOptions").toString()).isEqualTo("{\"enableCache\":true}");
    assertThat(ir.at("/root/dag/tasks/keyed/cachingOptions").toString())
        .isEqualTo("{\"cacheKey\":\"k-1\",\"enableCache\":true}");
    assertThat(ir.at("/components/comp-inner/dag/tasks/inner/cachingOptions/enableCache").asBoolean()).isTrue();
    assertThat(ir.at("/components/comp-container").toString()).as("a container component has no DAG")
        .isEqualTo("{\"executorLabel\":\"exec-container\"}");
    assertThat(rewritten.has("platform_spec")).as("the platform spec goes along").isTrue();
  }

  @Test
  void theCreateRequestOfAnInlineSpecCarriesTheRewrite() throws Exception {
    Run run = Phases.newRun("uncached");
    JsonNode compiled = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
        .readTree(CompiledPipelines.yaml(NESTED));
    Map<String, JsonNode> inline = JSON.convertValue(compiled,
        JSON.getTypeFactory().constructMapType(Map.class, String.class, JsonNode.class));
    run.getSpec().setPipeline(new PipelineSource(null, inline, null));
    run.getSpec().setCaching(Caching.Disabled);

    KfpRun request = new RunValidator((namespace, name) -> Optional.empty()).toCreateRequest(run);

    assertThat(caching(request.pipelineSpec()).values()).containsOnly(false);
  }

  @Test
  void aVersionReferenceWithCachingIsRefusedNamingTheAlternatives() {
    Run run = Phases.newRun("stored");
    run.getSpec().setCaching(Caching.Disabled);

    assertThatThrownBy(() -> new RunValidator((namespace, name) -> Optional.empty()).toCreateRequest(run))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.caching cannot apply to spec.pipeline.versionRef")
        .hasMessageContaining("spec.pipeline.spec or spec.pipeline.specFrom");
  }

  @Test
  void anEditOfCachingAfterTheCreateIsDetectedAndOlderFingerprintsStayValid() {
    Run run = Phases.newRun("fingerprinted");
    String withoutCaching = SpecFingerprint.of(run.getSpec());

    assertThat(SpecFingerprint.changedFields(withoutCaching, run.getSpec())).isEmpty();
    run.getSpec().setCaching(Caching.Enabled);
    assertThat(SpecFingerprint.changedFields(withoutCaching, run.getSpec())).containsExactly("spec.caching");
    String withCaching = SpecFingerprint.of(run.getSpec());
    run.getSpec().setCaching(Caching.Disabled);
    assertThat(SpecFingerprint.changedFields(withCaching, run.getSpec())).containsExactly("spec.caching");
    run.getSpec().setCaching(null);
    assertThat(SpecFingerprint.changedFields(withCaching, run.getSpec())).containsExactly("spec.caching");
  }

  /**
   * The KFP SDK's {@code Client(...).create_run_from_pipeline_package(..., enable_caching=False)} runs
   * {@code _override_caching_options} on the pipeline before sending it: on the root DAG's tasks our rewrite
   * gives what it gives; the tasks of nested DAGs it leaves as compiled, which {@code spec.caching} does not.
   */
  @Test
  void onTheRootDagTheRewriteIsTheKfpSdksAndItAlsoReachesNestedDags(@TempDir Path dir) throws Exception {
    Path compiled = dir.resolve(NESTED + ".yaml");
    Files.writeString(compiled, CompiledPipelines.yaml(NESTED));
    Map<String, Boolean> before = caching(PipelineSpecDocument.fromYaml(CompiledPipelines.yaml(NESTED), NESTED)
        .toKfpPipelineSpec());

    Map<String, Boolean> sdk = caching(sdkOverride(compiled, false));
    Map<String, Boolean> ours = caching(PipelineSpecDocument.fromYaml(CompiledPipelines.yaml(NESTED), NESTED)
        .withCaching(false).toKfpPipelineSpec());

    assertThat(sdk.keySet()).isEqualTo(ours.keySet());
    ours.forEach((task, enabled) -> {
      if (task.startsWith("root.")) {
        assertThat(enabled).as(task + ": as the SDK").isEqualTo(sdk.get(task)).isFalse();
      } else {
        assertThat(sdk.get(task)).as(task + ": the SDK leaves it as compiled").isEqualTo(before.get(task));
        assertThat(enabled).as(task + ": spec.caching reaches it").isFalse();
      }
    });
  }

  /** The pipeline spec as the KFP SDK's submit-time caching override leaves it, as proto JSON. */
  private static JsonNode sdkOverride(Path compiled, boolean enableCache) throws IOException, InterruptedException {
    String script = """
        import json, sys, yaml
        from google.protobuf import json_format
        from kfp.client.client import _override_caching_options
        from kfp.pipeline_spec import pipeline_spec_pb2
        with open(sys.argv[1]) as f:
            spec = json_format.ParseDict(yaml.safe_load(f), pipeline_spec_pb2.PipelineSpec())
        _override_caching_options(spec, sys.argv[2] == 'true')
        print(json.dumps(json_format.MessageToDict(spec)))
        """;
    Process python = new ProcessBuilder("bash", "src/test/python/python.sh", "-c", script, compiled.toString(),
        Boolean.toString(enableCache)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(python.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(python.exitValue()).as(out).isZero();
    return JSON.readTree(out);
  }

  /**
   * Whether each task of each DAG caches, by path ({@code root.flip-coin}, {@code components.comp-condition-2.
   * announce}); proto JSON leaves out {@code enableCache: false}, so an absent one is false, as in KFP.
   */
  static Map<String, Boolean> caching(JsonNode spec) {
    JsonNode ir = spec.has("pipeline_spec") ? spec.get("pipeline_spec") : spec;
    Map<String, Boolean> tasks = new TreeMap<>();
    ir.at("/root/dag/tasks").fields().forEachRemaining(task -> tasks.put("root." + task.getKey(),
        task.getValue().at("/cachingOptions/enableCache").asBoolean(false)));
    ir.path("components").fields().forEachRemaining(component -> component.getValue().at("/dag/tasks").fields()
        .forEachRemaining(task -> tasks.put("components." + component.getKey() + "." + task.getKey(),
            task.getValue().at("/cachingOptions/enableCache").asBoolean(false))));
    return tasks;
  }
}
