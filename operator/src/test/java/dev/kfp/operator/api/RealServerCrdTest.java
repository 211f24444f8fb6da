package dev.kfp.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonDiff;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed CRD on a real kube-apiserver (the shared one of {@link RealCluster}): it is accepted, and its
 * rules refuse, with their message and field path, what a user may not do to a Run by any of the ways kubectl
 * and clients write: create, update (replace), JSON merge patch and JSON patch.
 */
@RealApiTier
class RealServerCrdTest {

  private static final ObjectMapper JSON = Serialization.jsonMapper();
  private static final String NAMESPACE = "team-a";
  private static final ResourceDefinitionContext RUNS = new ResourceDefinitionContext.Builder()
      .withGroup(Run.GROUP).withVersion(Run.VERSION).withKind("Run").withPlural("runs").withNamespaced(true).build();
  private static final String IMMUTABLE = "cannot change after creation (a KFP run is immutable): put the old"
      + " value back, or create a new Run; only spec.archived, spec.deletionPolicy, spec.suspend,"
      + " spec.activeDeadlineSeconds and spec.ttlSecondsAfterFinished can change";

  private LocalKubernetes kubernetes;

  @BeforeEach
  void lease() {
    kubernetes = RealCluster.lease();
  }

  @AfterEach
  void wipe() {
    kubernetes.close();
  }

  /** How a client writes the edited object back. */
  enum Write {
    REPLACE, MERGE_PATCH, JSON_PATCH
  }

  /**
   * One edit of the spec a user may try, and the field the server must name in its refusal; {@code created}
   * shapes the spec the Run is created with.
   */
  record Edit(String name, Consumer<ObjectNode> created, Consumer<ObjectNode> change, String field) {
    Edit(String name, Consumer<ObjectNode> change, String field) {
      this(name, spec -> { }, change, field);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> forbiddenEdits() {
    List<Edit> edits = List.of(
        new Edit("change a parameter", spec -> params(spec).put("learning_rate", 0.2), "spec.parameters"),
        new Edit("rename a parameter", spec -> rename(params(spec), "epochs", "epoch"), "spec.parameters"),
        new Edit("remove a parameter", spec -> params(spec).remove("tags"), "spec.parameters"),
        new Edit("add a parameter", spec -> params(spec).put("seed", 7), "spec.parameters"),
        new Edit("change a list parameter", spec -> params(spec).withArray("tags").add("c"), "spec.parameters"),
        new Edit("remove the parameters", spec -> spec.remove("parameters"), "spec.parameters"),
        new Edit("change a key of the inline spec", spec -> inline(spec).put("schemaVersion", "2.2.0"),
            "spec.pipeline"),
        new Edit("rename a key of the inline spec", spec -> rename(inline(spec), "sdkVersion", "sdkVersio"),
            "spec.pipeline"),
        new Edit("rename a nested key of the inline spec",
            spec -> rename((ObjectNode) inline(spec).at("/root/dag/tasks"), "train", "training"), "spec.pipeline"),
        new Edit("change a nested value of the inline spec",
            spec -> ((ObjectNode) inline(spec).at("/root/dag/tasks/train")).put("cachingOptions", "off"),
            "spec.pipeline"),
        new Edit("switch to a stored pipeline", spec -> spec.putObject("pipeline").putObject("versionRef")
            .put("pipelineId", "p-1"), "spec.pipeline"),
        new Edit("change displayName", spec -> spec.put("displayName", "other"), "spec.displayName"),
        new Edit("remove displayName", spec -> spec.remove("displayName"), "spec.displayName"),
        new Edit("change description", spec -> spec.put("description", "other"), "spec.description"),
        new Edit("change experimentId", spec -> spec.put("experimentId", "e-2"), "spec.experimentId"),
        new Edit("remove experimentId", spec -> spec.remove("experimentId"), "spec.experimentId"),
        new Edit("change pipelineRoot", spec -> spec.put("pipelineRoot", "s3://other/root"), "spec.pipelineRoot"),
        new Edit("change serviceAccount", spec -> spec.put("serviceAccount", "other"), "spec.serviceAccount"),
        new Edit("add serviceAccount where there was none", spec -> spec.remove("serviceAccount"),
            spec -> spec.put("serviceAccount", "runner"), "spec.serviceAccount"),
        new Edit("change caching", spec -> spec.put("caching", "Disabled"), spec -> spec.put("caching", "Enabled"),
            "spec.caching"),
        new Edit("add caching where there was none", spec -> spec.remove("caching"),
            spec -> spec.put("caching", "Disabled"), "spec.caching"),
        new Edit("remove caching", spec -> spec.put("caching", "Enabled"), spec -> spec.remove("caching"),
            "spec.caching"));
    List<Arguments> cases = new ArrayList<>();
    for (Edit edit : edits) {
      for (Write write : Write.values()) {
        cases.add(Arguments.of(edit, write));
      }
    }
    return cases.stream();
  }

  @Test
  void theCommittedCrdIsAcceptedAndEveryRuleIsInForce() {
    CustomResourceDefinition committed = EmbeddedKubernetes.runCrd();
    RealCluster.shared().installCrd(committed);
    CustomResourceDefinition served = kubernetes.client().apiextensions().v1().customResourceDefinitions()
        .withName(committed.getMetadata().getName()).get();
    assertThat(served.getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Established=True"));
    JsonNode servedSchema = JSON.valueToTree(served.getSpec().getVersions().get(0).getSchema());
    JsonNode committedSchema = JSON.valueToTree(committed.getSpec().getVersions().get(0).getSchema());
    assertThat(servedSchema).as("the server keeps every rule as written").isEqualTo(committedSchema);
  }

  @ParameterizedTest(name = "{0} by {1}")
  @MethodSource("forbiddenEdits")
  void anEditOfTheImmutableSpecIsRefusedWithItsFieldAndWhatToDo(Edit edit, Write write) {
    ObjectNode run = inlineRun("edited");
    edit.created().accept((ObjectNode) run.get("spec"));
    ObjectNode before = create(run);
    ObjectNode after = before.deepCopy();
    edit.change().accept((ObjectNode) after.get("spec"));

    StatusCause cause = refusal(() -> write(write, before, after));

    assertThat(cause.getField()).isEqualTo(edit.field());
    assertThat(cause.getMessage()).contains(edit.field() + " " + IMMUTABLE);
    assertThat(cause.getReason()).isEqualTo("FieldValueForbidden");
    assertThat(get(before).get("spec")).as("the stored spec is unchanged").isEqualTo(before.get("spec"));
  }

  @ParameterizedTest
  @EnumSource(Write.class)
  void removingTheSpecIsRefused(Write write) {
    ObjectNode before = create(inlineRun("no-spec"));
    ObjectNode after = before.deepCopy();
    after.remove("spec");

    StatusCause cause = refusal(() -> write(write, before, after));

    assertThat(cause.getField()).isEqualTo("spec");
    assertThat(cause.getMessage()).contains("spec is required and cannot be removed");
  }

  @ParameterizedTest
  @EnumSource(Write.class)
  void archivedAndDeletionPolicyMayChangeAlone(Write write) {
    ObjectNode before = create(inlineRun("mutable"));
    ObjectNode after = before.deepCopy();
    ((ObjectNode) after.get("spec")).put("archived", true).put("deletionPolicy", "Delete")
        .put("ttlSecondsAfterFinished", 0);

    ObjectNode written = write(write, before, after);

    assertThat(written.at("/spec/archived").asBoolean()).isTrue();
    assertThat(written.at("/spec/ttlSecondsAfterFinished").asLong(-1)).isZero();
    assertThat(written.at("/spec/deletionPolicy").asText()).isEqualTo("Delete");
    ObjectNode back = written.deepCopy();
    ((ObjectNode) back.get("spec")).put("archived", false).put("deletionPolicy", "Orphan");
    assertThat(write(write, written, back).at("/spec/deletionPolicy").asText()).isEqualTo("Orphan");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"none", "versionRef and spec"})
  void aRunNeedsExactlyOnePipelineSource(String sources) {
    ObjectNode run = inlineRun("sources");
    ObjectNode pipeline = (ObjectNode) run.at("/spec/pipeline");
    if (sources.equals("none")) {
      pipeline.removeAll();
    } else {
      pipeline.putObject("versionRef").put("pipelineId", "p-1");
    }

    StatusCause cause = refusal(() -> create(run));

    assertThat(cause.getField()).isEqualTo("spec.pipeline");
    assertThat(cause.getMessage()).contains("set exactly one of spec.pipeline.versionRef");
  }

  @Test
  void cachingIsEnabledOrDisabledAndNothingElse() {
    ObjectNode run = inlineRun("caching-off");
    ((ObjectNode) run.get("spec")).put("caching", "Off");

    KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class, () -> create(run));

    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(refused.getStatus().getDetails().getCauses()).as("the schema's enum, before any rule")
        .anySatisfy(cause -> {
          assertThat(cause.getField()).isEqualTo("spec.caching");
          assertThat(cause.getMessage()).contains("Unsupported value: \"Off\"", "\"Disabled\"", "\"Enabled\"");
        });
    ((ObjectNode) run.get("spec")).put("caching", "Disabled");
    assertThat(create(run).at("/spec/caching").asText()).isEqualTo("Disabled");
  }

  @Test
  void aRunWithoutSpecIsRefused() {
    ObjectNode run = inlineRun("without-spec");
    run.remove("spec");

    StatusCause cause = refusal(() -> create(run));

    assertThat(cause.getField()).isEqualTo("spec");
    assertThat(cause.getMessage()).contains("spec is required and cannot be removed");
  }

  @Test
  void unknownFieldsInTheSpecArePrunedByTheServer() {
    ObjectNode run = inlineRun("typo");
    ((ObjectNode) run.get("spec")).putObject("paramters").put("epochs", 5);
    ((ObjectNode) run.at("/spec/pipeline")).put("versionRf", "p-1");

    ObjectNode stored = get(create(run));

    assertThat(stored.get("spec").has("paramters")).isFalse();
    assertThat(stored.at("/spec/pipeline").has("versionRf")).isFalse();
    assertThat(stored.at("/spec/parameters/epochs").asInt()).as("known fields are kept").isEqualTo(3);
    assertThat(stored.at("/spec/pipeline/spec/root/dag/tasks/train").isObject())
        .as("the inline spec keeps every field").isTrue();
  }

  /** A Run with an inline compiled pipeline, parameters and every immutable string set. */
  private static ObjectNode inlineRun(String name) {
    ObjectNode spec = JSON.createObjectNode()
        .put("displayName", "nightly training")
        .put("description", "trains the model")
        .put("experimentId", "e-1")
        .put("pipelineRoot", "s3://bucket/root")
        .put("serviceAccount", "pipeline-runner");
    ObjectNode inline = spec.putObject("pipeline").putObject("spec");
    inline.put("schemaVersion", "2.1.0").put("sdkVersion", "kfp-2.17.3");
    inline.putObject("pipelineInfo").put("name", "train");
    inline.putObject("root").putObject("dag").putObject("tasks").putObject("train").put("cachingOptions", "on");
    ObjectNode parameters = spec.putObject("parameters");
    parameters.put("learning_rate", 0.01).put("epochs", 3);
    parameters.putArray("tags").add("a").add("b");
    ObjectNode run = JSON.createObjectNode().put("apiVersion", Run.GROUP + "/" + Run.VERSION).put("kind", "Run");
    run.putObject("metadata").put("name", name).put("namespace", NAMESPACE);
    run.set("spec", spec);
    return run;
  }

  private static ObjectNode params(ObjectNode spec) {
    return (ObjectNode) spec.get("parameters");
  }

  private static ObjectNode inline(ObjectNode spec) {
    return (ObjectNode) spec.at("/pipeline/spec");
  }

  /** Renames a key in place, keeping its value: the count of keys stays the same. */
  private static void rename(ObjectNode object, String from, String to) {
    object.set(to, object.remove(from));
  }

  private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> runs() {
    return kubernetes.client().genericKubernetesResources(RUNS).inNamespace(NAMESPACE);
  }

  private ObjectNode create(ObjectNode run) {
    return JSON.valueToTree(runs().resource(JSON.convertValue(run, GenericKubernetesResource.class)).create());
  }

  private ObjectNode get(ObjectNode run) {
    return JSON.valueToTree(runs().withName(run.at("/metadata/name").asText()).get());
  }

  /** Writes {@code after} over {@code before} the way {@code write} says, returning what the server stored. */
  private ObjectNode write(Write write, ObjectNode before, ObjectNode after) {
    Resource<GenericKubernetesResource> run = runs().withName(before.at("/metadata/name").asText());
    GenericKubernetesResource written = switch (write) {
      case REPLACE -> runs().resource(JSON.convertValue(after, GenericKubernetesResource.class)).update();
      case MERGE_PATCH -> run.patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch(before, after).toString());
      case JSON_PATCH -> run.patch(PatchContext.of(PatchType.JSON), JsonDiff.asJson(before, after).toString());
    };
    return JSON.valueToTree(written);
  }

  /** The RFC 7386 merge patch that turns {@code before} into {@code after}: removed keys become null. */
  static JsonNode mergePatch(JsonNode before, JsonNode after) {
    if (!before.isObject() || !after.isObject()) {
      return after;
    }
    ObjectNode patch = JSON.createObjectNode();
    for (Iterator<String> keys = before.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!after.has(key)) {
        patch.putNull(key);
      }
    }
    after.fields().forEachRemaining(field -> {
      JsonNode old = before.get(field.getKey());
      if (old == null || !old.equals(field.getValue())) {
        patch.set(field.getKey(), old == null ? field.getValue() : mergePatch(old, field.getValue()));
      }
    });
    return patch;
  }

  /** The one cause of the server's 422 answer to {@code call}. */
  private static StatusCause refusal(Runnable call) {
    KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class, call::run);
    assertThat(refused).as("the server refuses the write").isNotNull();
    assertThat(refused.getCode()).as(refused.getMessage()).isEqualTo(422);
    List<StatusCause> causes = refused.getStatus().getDetails().getCauses();
    assertThat(causes).as(refused.getMessage()).hasSize(1);
    return causes.get(0);
  }
}
