package dev.kfp.operator.packaging;

import static dev.kfp.operator.packaging.HelmChart.ofKind;
import static dev.kfp.operator.packaging.HelmChart.only;
import static dev.kfp.operator.packaging.HelmChart.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.kfp.operator.OperatorCommand;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Helm chart, rendered by the real Helm engine for every way it can be configured. */
class HelmChartTest {

  private static final KubernetesSchemas SCHEMAS = new KubernetesSchemas();
  /**
   * Settings the chart derives from other values (mounts, the release namespace, the Deployment's name) instead of
   * taking them.
   */
  private static final Set<Setting> SET_BY_THE_CHART = Set.of(Setting.KFP_TOKEN_FILE, Setting.KFP_CA_BUNDLE,
      Setting.LEADER_ELECTION_NAMESPACE, Setting.LEADER_ELECTION_LEASE);
  /** Two shards that split every object: the Runs labelled a, and all the others. */
  private static final Map<String, Object> TWO_SHARDS = Map.of("shards[0].name", "a",
      "shards[0].selector", "example.com/shard=a", "shards[1].name", "rest", "shards[1].selector", "example.com/shard!=a");
  /** Kinds from other projects' CRDs, which the Kubernetes schemas do not cover. */
  private static final Set<String> FOREIGN_KINDS = Set.of("monitoring.coreos.com/v1 ServiceMonitor");

  static Stream<Arguments> configurations() {
    return Stream.of(
        Arguments.of("defaults", Map.of()),
        Arguments.of("token from a projected service-account token", Map.of("operator.kfpAuth", "token")),
        Arguments.of("token from a Secret", Map.of("operator.kfpAuth", "token", "kfpToken.source", "secret",
            "kfpToken.secret.name", "kfp-token")),
        Arguments.of("namespace identity", Map.of("operator.kfpAuth", "namespace-identity")),
        Arguments.of("CA bundle from a ConfigMap", Map.of("kfpCaBundle.configMap.name", "kfp-ca",
            "operator.kfpEndpoint", "https://kfp.example:8443")),
        Arguments.of("CA bundle from a Secret", Map.of("kfpCaBundle.secret.name", "kfp-ca")),
        Arguments.of("namespaces listed", Map.of("operator.watchNamespaces[0]", "team-a", "operator.watchNamespaces[1]", "team-b")),
        Arguments.of("one shard's selector", Map.of("operator.shardSelector", "example.com/shard=a")),
        Arguments.of("every option on", Map.of("serviceMonitor.enabled", true, "podDisruptionBudget.enabled", true,
            "networkPolicy.enabled", true, "replicaCount", 2, "operator.kfpUiUrl", "https://kfp.example/pipeline",
            "operator.ttlSecondsAfterFinished", 86400)),
        Arguments.of("metrics and leader election off, no CRD", Map.of("operator.metricsEnabled", false,
            "operator.leaderElection", false, "crd.install", false)));
  }

  /**
   * One namespace: the README installs the chart where deploy/ installs the operator, and the release is the one
   * the Lease and the RBAC are named for; its image is the one the README builds and pushes, tagged as the chart's
   * appVersion, which the Deployment pulls when image.repository is set.
   */
  @Test
  void readmeInstallsTheChartInDeploysNamespaceWithTheImageItBuiltAndPushed() throws IOException {
    String readme = Files.readString(Path.of("README.md")).replace("\\\n", " ");
    Matcher install = Pattern.compile("helm install (\\S+) helm/kfp-run-operator -n (\\S+) --create-namespace(.*)")
        .matcher(readme);
    assertThat(install.find()).as("the README's helm install command").isTrue();
    assertThat(install.group(1)).isEqualTo(HelmChart.RELEASE);
    assertThat(install.group(2)).isEqualTo(HelmChart.NAMESPACE)
        .isEqualTo(HelmChart.YAML.readTree(Path.of("deploy", "namespace.yaml").toFile()).at("/metadata/name").asText());
    Matcher repository = Pattern.compile("--set image\\.repository=(\\S+)").matcher(install.group(3));
    assertThat(repository.find()).as("the install command sets image.repository").isTrue();
    String image = repository.group(1) + ":"
        + HelmChart.YAML.readTree(HelmChart.DIR.resolve("Chart.yaml").toFile()).get("appVersion").asText();
    assertThat(readme).contains("docker build -t " + image + " .", "docker push " + image);

    JsonNode deployment = only(render(Map.of("image.repository", repository.group(1))), "Deployment");
    assertThat(deployment.at("/spec/template/spec/containers/0/image").asText()).isEqualTo(image);
  }

  @Test
  void chartPassesHelmLint() {
    LintResult lint = new Helm(HelmChart.DIR).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configurations")
  void everyRenderedObjectIsAValidKubernetesObject(String name, Map<String, Object> values) {
    List<JsonNode> objects = render(values);
    assertThat(objects).isNotEmpty();
    for (JsonNode object : objects) {
      String kind = object.path("apiVersion").asText() + " " + object.path("kind").asText();
      if (FOREIGN_KINDS.contains(kind)) {
        continue;
      }
      assertThat(SCHEMAS.violations(object)).as(kind + " " + object.at("/metadata/name").asText()).isEmpty();
    }
  }

  @Test
  void schemaCheckCatchesMissingFieldsWrongTypesAndUnknownFields() {
    JsonNode deployment = only(render(Map.of()), "Deployment");
    ObjectNode noName = deployment.deepCopy();
    ((ObjectNode) noName.at("/spec/template/spec/containers/0")).remove("name");
    ObjectNode wrongType = deployment.deepCopy();
    ((ObjectNode) wrongType.at("/spec")).put("replicas", "one");
    ObjectNode misplaced = deployment.deepCopy();
    ((ObjectNode) misplaced.at("/spec/template/spec/containers/0")).put("runAsNonRoot", true);
    assertThat(SCHEMAS.violations(deployment)).isEmpty();
    assertThat(SCHEMAS.violations(noName)).anyMatch(m -> m.contains("name"));
    assertThat(SCHEMAS.violations(wrongType)).anyMatch(m -> m.contains("replicas"));
    assertThat(SCHEMAS.violations(misplaced)).anyMatch(m -> m.contains("runAsNonRoot"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configurations")
  void deploymentTakesOnlyOperatorSettingsAsEnvironment(String name, Map<String, Object> values) {
    Set<String> settings = Stream.of(Setting.values()).map(Setting::envName).collect(Collectors.toSet());
    JsonNode container = container(render(values));
    List<String> env = new ArrayList<>();
    container.path("env").forEach(e -> env.add(e.path("name").asText()));
    assertThat(env).isNotEmpty().allMatch(settings::contains, "is a config.Setting name");
    assertThat(container.has("args")).as("the image's entrypoint runs the operator command").isFalse();
  }

  @Test
  void everyOperatorValueIsTheCamelCaseNameOfASetting() throws IOException {
    JsonNode values = HelmChart.YAML.readTree(HelmChart.DIR.resolve("values.yaml").toFile()).path("operator");
    Set<String> keys = new TreeSet<>();
    values.fieldNames().forEachRemaining(keys::add);
    Set<String> expected = Stream.of(Setting.values()).filter(s -> !SET_BY_THE_CHART.contains(s))
        .map(s -> camelCase(s.envName())).collect(Collectors.toCollection(TreeSet::new));
    assertThat(keys).isEqualTo(expected);
    Map<String, String> env = env(container(render(Map.of())));
    for (Setting setting : Setting.values()) {
      if (!SET_BY_THE_CHART.contains(setting) && setting.defaultValue() != null) {
        String chartDefault = values.path(camelCase(setting.envName())).isArray() ? ""
            : values.path(camelCase(setting.envName())).asText();
        assertThat(chartDefault).as("the chart's default of " + setting).isEqualTo(setting.defaultValue());
        assertThat(env.get(setting.envName())).as(setting.envName()).isEqualTo(setting.defaultValue());
      }
    }
  }

  @Test
  void withoutShardsOneDeploymentWatchesEverythingOnTheLeaseOfToday() {
    List<JsonNode> objects = render(Map.of());
    assertThat(env(container(objects))).containsEntry("SHARD_SELECTOR", "")
        .containsEntry("LEADER_ELECTION_LEASE", OperatorCommand.LEASE_NAME);
    assertThat(only(objects, "Deployment").at("/metadata/name").asText()).isEqualTo(HelmChart.RELEASE);
    assertThat(env(container(render(Map.of("operator.shardSelector", "example.com/shard in (b)")))))
        .containsEntry("SHARD_SELECTOR", "example.com/shard in (b)");
  }

  @Test
  void eachShardIsADeploymentWithItsSelectorAndALeaseOfItsOwn() {
    List<JsonNode> objects = render(TWO_SHARDS);
    for (JsonNode object : objects) {
      assertThat(SCHEMAS.violations(object)).as(object.at("/metadata/name").asText()).isEmpty();
    }
    List<JsonNode> deployments = ofKind(objects, "Deployment");
    assertThat(deployments).extracting(d -> d.at("/metadata/name").asText())
        .containsExactly(HelmChart.RELEASE + "-a", HelmChart.RELEASE + "-rest");
    List<String> leases = new ArrayList<>();
    for (JsonNode deployment : deployments) {
      Map<String, String> env = env(deployment.at("/spec/template/spec/containers/0"));
      String shard = deployment.at("/metadata/labels").path("pipelines.kfp.dev/shard").asText();
      assertThat(env.get("SHARD_SELECTOR")).isEqualTo(shard.equals("a") ? "example.com/shard=a" : "example.com/shard!=a");
      assertThat(env.get("LEADER_ELECTION_LEASE")).isEqualTo(deployment.at("/metadata/name").asText());
      assertThat(deployment.at("/spec/selector/matchLabels").path("pipelines.kfp.dev/shard").asText())
          .as("a Deployment selects only its own shard's pods").isEqualTo(shard)
          .isEqualTo(deployment.at("/spec/template/metadata/labels").path("pipelines.kfp.dev/shard").asText());
      OperatorConfig config = OperatorConfig.load(env, new String[0]);
      assertThat(config.shardSelector().isEmpty()).as("the operator reads the shard's selector").isFalse();
      leases.add(config.leaderElectionLease());
    }
    assertThat(leases).doesNotHaveDuplicates();
    JsonNode role = ofKind(objects, "Role").stream()
        .filter(r -> r.at("/metadata/name").asText().endsWith("-leader-election")).findFirst().orElseThrow();
    List<String> granted = new ArrayList<>();
    role.path("rules").forEach(rule -> rule.path("resourceNames").forEach(n -> granted.add(n.asText())));
    assertThat(granted).as("the Lease Role names each shard's Lease, and no other").isEqualTo(leases);
  }

  @Test
  void shardsNeedNamesOfTheirOwnAndNoSelectorBesideThem() {
    Map<String, Object> twice = new HashMap<>(TWO_SHARDS);
    twice.put("shards[1].name", "a");
    assertThatThrownBy(() -> HelmChart.template(twice)).hasMessageContaining("the name a is given twice");
    Map<String, Object> both = new HashMap<>(TWO_SHARDS);
    both.put("operator.shardSelector", "example.com/shard=b");
    assertThatThrownBy(() -> HelmChart.template(both)).hasMessageContaining("operator.shardSelector and shards");
    assertThatThrownBy(() -> HelmChart.template(Map.of("shards[0].name", "Shard_A", "shards[0].selector", "x=y")))
        .hasMessageContaining("shards");
  }

  @Test
  void theDefaultTtlAfterFinishReachesTheOperatorAsWrittenAndEmptyIsNone() {
    assertThat(env(container(render(Map.of("operator.ttlSecondsAfterFinished", 86400)))))
        .containsEntry("TTL_SECONDS_AFTER_FINISHED", "86400");
    assertThat(env(container(render(Map.of())))).containsEntry("TTL_SECONDS_AFTER_FINISHED", "");
  }

  @Test
  void podRunsHardenedWithProbesAndResources() {
    List<JsonNode> objects = render(Map.of());
    JsonNode pod = only(objects, "Deployment").at("/spec/template/spec");
    JsonNode container = container(objects);
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
    assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(container.at("/securityContext/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(container.at("/resources/requests/memory").asText()).isNotEmpty();
    assertThat(container.at("/resources/limits/memory").asText()).isNotEmpty();
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("monitoring");
    assertThat(container.at("/ports/0/name").asText()).isEqualTo("monitoring");
    assertThat(container.at("/ports/0/containerPort").asText()).isEqualTo(env(container).get("MONITORING_PORT"));
    assertThat(mountPaths(container)).contains("/tmp");
    assertThat(only(objects, "Service").at("/spec/ports/0/targetPort").asText()).isEqualTo("monitoring");
  }

  @Test
  void tokenAuthMountsAProjectedTokenForKfpAtTheTokenFile() {
    List<JsonNode> objects = render(Map.of("operator.kfpAuth", "token"));
    JsonNode container = container(objects);
    Map<String, String> env = env(container);
    assertThat(env).containsEntry("KFP_AUTH", "token")
        .containsEntry("KFP_TOKEN_FILE", Setting.KFP_TOKEN_FILE.defaultValue());
    JsonNode volume = volume(objects, "kfp-token");
    assertThat(volume.at("/projected/sources/0/serviceAccountToken/audience").asText())
        .isEqualTo("pipelines.kubeflow.org");
    assertThat(mountDir(container, "kfp-token") + "/" + volume.at("/projected/sources/0/serviceAccountToken/path")
        .asText()).isEqualTo(env.get("KFP_TOKEN_FILE"));
  }

  @Test
  void tokenAuthCanReadTheTokenFromASecret() {
    List<JsonNode> objects = render(Map.of("operator.kfpAuth", "token", "kfpToken.source", "secret",
        "kfpToken.secret.name", "kfp-token", "kfpToken.secret.key", "bearer"));
    JsonNode container = container(objects);
    JsonNode volume = volume(objects, "kfp-token");
    assertThat(volume.at("/secret/secretName").asText()).isEqualTo("kfp-token");
    assertThat(volume.at("/secret/items/0/key").asText()).isEqualTo("bearer");
    assertThat(mountDir(container, "kfp-token") + "/" + volume.at("/secret/items/0/path").asText())
        .isEqualTo(env(container).get("KFP_TOKEN_FILE"));
  }

  @Test
  void namespaceIdentityMayMintTokensOnlyForTheNamedServiceAccount() {
    List<JsonNode> objects = render(Map.of("operator.kfpAuth", "namespace-identity",
        "operator.kfpIdentityServiceAccount", "pipeline-runner"));
    assertThat(env(container(objects))).containsEntry("KFP_AUTH", "namespace-identity")
        .containsEntry("KFP_IDENTITY_SERVICE_ACCOUNT", "pipeline-runner").doesNotContainKey("KFP_TOKEN_FILE");
    JsonNode rules = only(objects, "ClusterRole").get("rules");
    assertThat(rules.toString()).contains("{\"apiGroups\":[\"\"],\"resources\":[\"serviceaccounts/token\"],"
        + "\"resourceNames\":[\"pipeline-runner\"],\"verbs\":[\"create\"]}");
    assertThat(render(Map.of()).stream().filter(o -> o.path("kind").asText().equals("ClusterRole")).findFirst()
        .orElseThrow().get("rules").toString()).doesNotContain("serviceaccounts");
  }

  @Test
  void noAuthMountsNoToken() {
    List<JsonNode> objects = render(Map.of());
    assertThat(env(container(objects))).containsEntry("KFP_AUTH", "none").doesNotContainKey("KFP_TOKEN_FILE");
    assertThat(only(objects, "Deployment").at("/spec/template/spec/volumes").toString()).doesNotContain("kfp-token");
  }

  @ParameterizedTest(name = "from a {0}")
  @MethodSource("caSources")
  void caBundleIsMountedAndNamedByKfpCaBundle(String source, String volumeField, String nameField) {
    List<JsonNode> objects = render(Map.of("kfpCaBundle." + source + ".name", "kfp-ca",
        "kfpCaBundle." + source + ".key", "bundle.pem"));
    JsonNode container = container(objects);
    JsonNode volume = volume(objects, "kfp-ca");
    assertThat(volume.at("/" + volumeField + "/" + nameField).asText()).isEqualTo("kfp-ca");
    assertThat(env(container).get("KFP_CA_BUNDLE"))
        .isEqualTo(mountDir(container, "kfp-ca") + "/" + volume.at("/" + volumeField + "/items/0/path").asText())
        .endsWith("/bundle.pem");
  }

  static Stream<Arguments> caSources() {
    return Stream.of(Arguments.of("configMap", "configMap", "name"), Arguments.of("secret", "secret", "secretName"));
  }

  @Test
  void listedNamespacesGetARoleEachAndNoClusterRole() {
    List<JsonNode> objects = render(Map.of("operator.watchNamespaces[0]", "team-a", "operator.watchNamespaces[1]", "team-b"));
    assertThat(ofKind(objects, "ClusterRole")).isEmpty();
    assertThat(ofKind(objects, "ClusterRoleBinding")).isEmpty();
    assertThat(ofKind(objects, "RoleBinding").stream().map(b -> b.at("/metadata/namespace").asText()))
        .containsExactlyInAnyOrder("team-a", "team-b", HelmChart.NAMESPACE);
    assertThat(env(container(objects))).containsEntry("WATCH_NAMESPACES", "team-a,team-b");
    assertThat(env(container(render(Map.of())))).containsEntry("WATCH_NAMESPACES", "");
  }

  @Test
  void crdsAreTheCommittedOnesAndKeptOnUninstallByDefault() throws IOException {
    List<JsonNode> crds = ofKind(render(Map.of()), "CustomResourceDefinition");
    assertThat(crds).extracting(crd -> crd.at("/metadata/name").asText())
        .containsExactly("runs.pipelines.kfp.dev", "runqueues.pipelines.kfp.dev", "runschedules.pipelines.kfp.dev");
    for (JsonNode crd : crds) {
      Path committed = Path.of("crds", crd.at("/metadata/name").asText() + "-v1.yml");
      assertThat(Files.readString(HelmChart.DIR.resolve("files").resolve(committed.getFileName())))
          .as("the chart's copy of the CRD; refresh with mvn -B test -Dtest=DeployManifestsTest -Ddeploy.update=true")
          .isEqualTo(Files.readString(committed));
      JsonNode rendered = crd.deepCopy();
      assertThat(rendered.at("/metadata/annotations/helm.sh~1resource-policy").asText()).isEqualTo("keep");
      ((ObjectNode) rendered.get("metadata")).remove(List.of("labels", "annotations"));
      assertThat(rendered).isEqualTo(HelmChart.YAML.readTree(committed.toFile()));
    }

    assertThat(ofKind(render(Map.of("crd.keep", false)), "CustomResourceDefinition"))
        .allSatisfy(crd -> assertThat(crd.at("/metadata/annotations").isMissingNode()).isTrue()).hasSize(3);
    assertThat(ofKind(render(Map.of("crd.install", false)), "CustomResourceDefinition")).isEmpty();
  }

  @Test
  void optionalObjectsAppearOnlyWhenAskedFor() {
    List<JsonNode> defaults = render(Map.of());
    assertThat(ofKind(defaults, "ServiceMonitor")).isEmpty();
    assertThat(ofKind(defaults, "PodDisruptionBudget")).isEmpty();
    assertThat(ofKind(defaults, "NetworkPolicy")).isEmpty();
    List<JsonNode> all = render(Map.of("serviceMonitor.enabled", true, "podDisruptionBudget.enabled", true,
        "networkPolicy.enabled", true));
    assertThat(only(all, "ServiceMonitor").at("/spec/endpoints/0/port").asText())
        .isEqualTo(only(all, "Service").at("/spec/ports/0/name").asText());
    assertThat(only(all, "PodDisruptionBudget").at("/spec/selector/matchLabels"))
        .isEqualTo(only(all, "Deployment").at("/spec/selector/matchLabels"));
    assertThat(only(all, "NetworkPolicy").at("/spec/ingress/0/ports/0/port").asText()).isEqualTo("monitoring");
    assertThat(ofKind(render(Map.of("operator.metricsEnabled", false)), "Service")).isEmpty();
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("invalidValues")
  void invalidValuesFailWithAMessageNamingTheValue(String key, Object value, String named) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put(key, value);
    if (key.startsWith("kfpToken")) {
      values.put("operator.kfpAuth", "token");
    }
    assertThatThrownBy(() -> HelmChart.template(values)).hasMessageContaining(named);
  }

  static Stream<Arguments> invalidValues() {
    return Stream.of(
        Arguments.of("operator.kfpAuth", "basic", "kfpAuth"),
        Arguments.of("operator.kfpEndpoint", "", "kfpEndpoint"),
        Arguments.of("operator.kfpEndpoint", "ml-pipeline:8888", "kfpEndpoint"),
        Arguments.of("replicaCount", -1, "replicaCount"),
        Arguments.of("operator.watchNamespaces[0]", "Team_A", "watchNamespaces"),
        Arguments.of("operator.pollInterval", "often", "pollInterval"),
        Arguments.of("operator.monitoringPort", 70000, "monitoringPort"),
        Arguments.of("operator.ttlSecondsAfterFinished", -1, "ttlSecondsAfterFinished"),
        Arguments.of("operator.ttlSecondsAfterFinished", "1h", "ttlSecondsAfterFinished"),
        Arguments.of("operator.kfpEndpont", "http://typo:8888", "kfpEndpont"),
        Arguments.of("kfpToken.source", "secret", "kfpToken.secret.name"));
  }

  static JsonNode container(List<JsonNode> objects) {
    return only(objects, "Deployment").at("/spec/template/spec/containers/0");
  }

  static Map<String, String> env(JsonNode container) {
    Map<String, String> env = new HashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
    return env;
  }

  private static JsonNode volume(List<JsonNode> objects, String name) {
    for (JsonNode volume : only(objects, "Deployment").at("/spec/template/spec/volumes")) {
      if (name.equals(volume.path("name").asText())) {
        return volume;
      }
    }
    throw new AssertionError("no volume " + name);
  }

  private static List<String> mountPaths(JsonNode container) {
    List<String> paths = new ArrayList<>();
    container.path("volumeMounts").forEach(m -> paths.add(m.path("mountPath").asText()));
    return paths;
  }

  private static String mountDir(JsonNode container, String volume) {
    for (JsonNode mount : container.path("volumeMounts")) {
      if (volume.equals(mount.path("name").asText())) {
        return mount.path("mountPath").asText();
      }
    }
    throw new AssertionError("volume " + volume + " is not mounted");
  }

  static String camelCase(String upperSnake) {
    String[] parts = upperSnake.toLowerCase().split("_");
    StringBuilder out = new StringBuilder(parts[0]);
    for (int i = 1; i < parts.length; i++) {
      out.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
    }
    return out.toString();
  }
}
