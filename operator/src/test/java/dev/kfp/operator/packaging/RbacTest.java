package dev.kfp.operator.packaging;

import static dev.kfp.operator.packaging.HelmChart.ofKind;
import static dev.kfp.operator.packaging.HelmChart.only;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfp.operator.OperatorCommand;
import dev.kfp.operator.OperatorProcess;
import dev.kfp.operator.packaging.OperatorApiUse.Permission;
import dev.kfp.operator.packaging.OperatorApiUse.Use;
import dev.kfp.operator.tiers.MockApiTier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC grants exactly what the operator uses. What it uses is recorded from a real operator's
 * requests ({@link OperatorApiUse}), with two documented corrections: JOSDK's leader election start-up check
 * demands {@code update} on Leases although the lock renews with {@code patch}, and the
 * SelfSubjectRulesReview it makes for that check is granted to every authenticated user by Kubernetes'
 * built-in {@code system:basic-user} role, so the chart does not grant it again.
 */
@MockApiTier
class RbacTest {

  private static final Permission LEASE_UPDATE = new Permission("coordination.k8s.io", "leases", "update");
  private static final Permission RULES_REVIEW =
      new Permission("authorization.k8s.io", "selfsubjectrulesreviews", "create");
  /**
   * Needed on paths the recorded scenario does not take, so granted although not recorded: a GET of a Run, which
   * JOSDK makes to re-read it after a finalizer patch answered 409 or 422 ({@code conflictRetryingPatch}), and
   * the queue gate makes to confirm that an admitted Run missing from the cache is gone.
   */
  private static final Set<Permission> NEEDED_OFF_SCENARIO =
      Set.of(new Permission("pipelines.kfp.dev", "runs", "get"));
  private static Set<Use> used;

  @BeforeAll
  static void recordTheOperatorsRequests() throws InterruptedException {
    used = OperatorApiUse.record();
  }

  private static Set<Permission> usedWhere(boolean leases) {
    Set<Permission> permissions = used.stream().map(Use::permission)
        .filter(p -> !p.equals(RULES_REVIEW))
        .filter(p -> p.resource().equals("leases") == leases)
        .collect(Collectors.toCollection(TreeSet::new));
    if (leases) {
      permissions.add(LEASE_UPDATE);
    } else {
      permissions.addAll(NEEDED_OFF_SCENARIO);
    }
    return permissions;
  }

  @Test
  void theScenarioExercisedEveryKindOfRequest() {
    assertThat(used.stream().map(u -> u.permission().toString())).contains(
        "pipelines.kfp.dev/runs:watch", "pipelines.kfp.dev/runs/status:patch", "core/configmaps:get",
        "pipelines.kubeflow.org/pipelineversions:get",
        "core/events:create", "core/events:patch", "coordination.k8s.io/leases:create");
    assertThat(used).filteredOn(u -> u.permission().resource().equals("leases"))
        .allMatch(u -> OperatorProcess.OPERATOR_NAMESPACE.equals(u.namespace()));
  }

  @Test
  void clusterRoleGrantsWhatTheOperatorUsesAndNoMore() {
    List<JsonNode> objects = HelmChart.render(Map.of());
    assertThat(grants(only(objects, "ClusterRole"))).isEqualTo(usedWhere(false));
  }

  @Test
  void leaseRoleGrantsWhatLeaderElectionUsesOnlyForTheOperatorsLease() {
    List<JsonNode> objects = HelmChart.render(Map.of());
    JsonNode role = only(objects, "Role");
    assertThat(role.at("/metadata/namespace").asText()).isEqualTo(HelmChart.NAMESPACE);
    assertThat(grants(role)).isEqualTo(usedWhere(true));
    for (JsonNode rule : role.path("rules")) {
      boolean create = rule.path("verbs").toString().contains("create");
      assertThat(rule.path("resourceNames").toString())
          .isEqualTo(create ? "" : "[\"" + OperatorCommand.LEASE_NAME + "\"]");
    }
    assertThat(ofKind(HelmChart.render(Map.of("operator.leaderElection", false)), "Role")).isEmpty();
  }

  @Test
  void listedNamespacesGetTheSameRulesInARoleEach() {
    List<JsonNode> objects = HelmChart.render(Map.of("operator.watchNamespaces[0]", "team-a",
        "operator.watchNamespaces[1]", "team-b"));
    for (String namespace : List.of("team-a", "team-b")) {
      JsonNode role = ofKind(objects, "Role").stream()
          .filter(r -> namespace.equals(r.at("/metadata/namespace").asText())).findFirst().orElseThrow();
      assertThat(grants(role)).isEqualTo(usedWhere(false));
    }
  }

  @Test
  void noRuleUsesAWildcard() {
    for (Map<String, Object> values : List.of(Map.<String, Object>of(),
        Map.<String, Object>of("operator.watchNamespaces[0]", "team-a"))) {
      for (JsonNode object : HelmChart.render(values)) {
        assertThat(object.path("rules").toString()).doesNotContain("*");
      }
    }
  }

  private static Set<Permission> grants(JsonNode role) {
    Set<Permission> permissions = new TreeSet<>();
    for (JsonNode rule : role.path("rules")) {
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          for (JsonNode verb : rule.path("verbs")) {
            permissions.add(new Permission(group.asText(), resource.asText(), verb.asText()));
          }
        }
      }
    }
    return permissions;
  }
}
