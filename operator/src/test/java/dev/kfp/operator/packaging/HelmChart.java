package dev.kfp.operator.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The chart in helm/kfp-run-operator, rendered by the real Helm engine (helm-java, offline). */
final class HelmChart {

  static final Path DIR = Path.of("helm", "kfp-run-operator");
  static final String RELEASE = "kfp-run-operator";
  static final String NAMESPACE = "kfp-system";
  /** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion). */
  static final String KUBE_VERSION = "v1.29.0";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private HelmChart() {}

  /** {@code helm template} with these {@code --set} values; the output as Helm wrote it. */
  static String template(Map<String, Object> values) {
    var command = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
    values.forEach(command::set);
    return command.call();
  }

  /** The rendered objects, in the order Helm wrote them. */
  static List<JsonNode> render(Map<String, Object> values) {
    return objects(template(values));
  }

  static List<JsonNode> objects(String yaml) {
    List<JsonNode> objects = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode node = it.next();
        if (node != null && !node.isNull() && !node.isMissingNode()) {
          objects.add(node);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return objects;
  }

  static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  /** The rendered Deployment's environment, name to value, in order. */
  static Map<String, String> deploymentEnv(List<JsonNode> objects) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode variable : only(objects, "Deployment").at("/spec/template/spec/containers/0/env")) {
      env.put(variable.path("name").asText(), variable.path("value").asText());
    }
    return env;
  }

  static JsonNode only(List<JsonNode> objects, String kind) {
    List<JsonNode> found = ofKind(objects, kind);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + ", found " + found.size());
    }
    return found.get(0);
  }
}
