package dev.kfp.operator.packaging;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.RealCluster;
import dev.kfp.operator.config.AuthMode;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.reconciler.OperatorAccess;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.peers.RealKubernetes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The chart's RBAC on the real API server, for the operator under test: the ServiceAccount, ClusterRole or
 * Roles and their bindings that {@code helm template} renders are applied as rendered (the release namespace
 * is the one they were rendered for), and the operator gets a client that acts as that service account, so
 * every request it makes is authorized as in a cluster. The operator is configured as the rendered
 * Deployment's environment says (leader election and its namespace, KFP auth mode, watched namespaces).
 * {@link #without} takes exactly one grant away, for the least-privilege tests.
 */
public final class ChartRbac implements OperatorAccess {

  private static final Set<String> RBAC_KINDS =
      Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");
  /** Short enough that a Lease that cannot be renewed is lost within seconds; the ratios are JOSDK's defaults'. */
  private static final Duration LEASE = Duration.ofSeconds(6);
  private static final Duration RENEW_DEADLINE = Duration.ofSeconds(4);
  private static final Duration RETRY_PERIOD = Duration.ofSeconds(1);

  /**
   * One verb on one resource as one rule of one rendered role grants it.
   *
   * @param namespace the Role's namespace; null for the ClusterRole
   * @param resourceName the only object the rule covers, or null for all
   */
  public record Grant(String roleKind, String role, String namespace, String group, String resource,
      String resourceName, String verb) {

    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "" : group + "/") + resource
          + (resourceName == null ? "" : " [" + resourceName + "]")
          + " (" + roleKind + " " + (namespace == null ? "" : namespace + "/") + role + ")";
    }
  }

  private final List<JsonNode> rendered;
  private final List<JsonNode> applied;
  private final Grant removed;
  private final OperatorConfig config;
  private final String serviceAccountNamespace;
  private final String serviceAccount;
  private final AtomicBoolean leading = new AtomicBoolean();
  private final AtomicBoolean stoppedLeading = new AtomicBoolean();
  private NamespacedKubernetesClient client;

  private ChartRbac(List<JsonNode> rendered, Grant removed) {
    this.rendered = rendered;
    this.removed = removed;
    this.applied = rendered.stream().filter(o -> RBAC_KINDS.contains(o.path("kind").asText()))
        .map(o -> removed == null ? o : without(o, removed)).toList();
    JsonNode account = HelmChart.only(rendered, "ServiceAccount");
    this.serviceAccount = account.at("/metadata/name").asText();
    this.serviceAccountNamespace = account.at("/metadata/namespace").asText();
    this.config = OperatorConfig.load(HelmChart.deploymentEnv(rendered), new String[0]);
  }

  /** The chart's RBAC as {@code helm template} renders it with these {@code --set} values. */
  public static ChartRbac rendered(Map<String, Object> values) {
    return new ChartRbac(HelmChart.render(values), null);
  }

  /** Every grant of every rendered role, in the order of the roles and their rules. */
  public List<Grant> grants() {
    return grantsOf(rendered);
  }

  /** The grants of the roles as they are applied: all rendered ones but the one taken away. */
  List<Grant> appliedGrants() {
    return grantsOf(applied);
  }

  private static List<Grant> grantsOf(List<JsonNode> objects) {
    List<Grant> grants = new ArrayList<>();
    for (JsonNode role : objects) {
      String kind = role.path("kind").asText();
      if (!kind.equals("ClusterRole") && !kind.equals("Role")) {
        continue;
      }
      String namespace = kind.equals("Role") ? role.at("/metadata/namespace").asText() : null;
      for (JsonNode rule : role.path("rules")) {
        List<String> names = new ArrayList<>();
        rule.path("resourceNames").forEach(n -> names.add(n.asText()));
        if (names.isEmpty()) {
          names.add(null);
        }
        for (JsonNode group : rule.path("apiGroups")) {
          for (JsonNode resource : rule.path("resources")) {
            for (String name : names) {
              for (JsonNode verb : rule.path("verbs")) {
                grants.add(new Grant(kind, role.at("/metadata/name").asText(), namespace, group.asText(),
                    resource.asText(), name, verb.asText()));
              }
            }
          }
        }
      }
    }
    return grants;
  }

  /** The same RBAC with one grant taken away; every other grant stays as rendered. */
  public ChartRbac without(Grant grant) {
    if (!grants().contains(grant)) {
      throw new IllegalArgumentException(grant + " is not one of the rendered grants " + grants());
    }
    return new ChartRbac(rendered, grant);
  }

  /** The user the operator's requests are authorized as. */
  public String user() {
    return "system:serviceaccount:" + serviceAccountNamespace + ":" + serviceAccount;
  }

  /** True while the operator holds the leader election Lease. */
  public boolean leading() {
    return leading.get();
  }

  /** True once the operator held the Lease and lost it. */
  public boolean stoppedLeading() {
    return stoppedLeading.get();
  }

  /**
   * Applies the objects to the shared real server and waits until its authorizer grants every grant left (and
   * denies the one taken away); then hands out the service account's client. Later starts reuse both.
   */
  @Override
  public synchronized KubernetesClient client(LocalKubernetes kubernetes) {
    if (client == null) {
      RealKubernetes server = RealCluster.shared();
      NamespacedKubernetesClient admin = server.client();
      for (HasMetadata object : objects()) {
        if (object.getMetadata().getNamespace() != null) {
          RealCluster.ensureNamespace(admin, object.getMetadata().getNamespace());
        }
        admin.resource(object).forceConflicts().serverSideApply();
      }
      await("the API server authorizes the chart's grants, but for " + removed).atMost(Duration.ofSeconds(30))
          .until(() -> grants().stream().allMatch(g -> allowed(admin, g) == !g.equals(removed)));
      client = server.clientAs(serviceAccountNamespace, serviceAccount);
    }
    return client;
  }

  private boolean allowed(NamespacedKubernetesClient admin, Grant grant) {
    String[] resource = grant.resource().split("/", 2);
    SubjectAccessReview review = admin.authorization().v1().subjectAccessReview().create(
        new SubjectAccessReviewBuilder().withNewSpec()
            .withUser(user())
            .withGroups("system:serviceaccounts", "system:serviceaccounts:" + serviceAccountNamespace,
                "system:authenticated")
            .withNewResourceAttributes()
            .withGroup(grant.group())
            .withResource(resource[0])
            .withSubresource(resource.length > 1 ? resource[1] : null)
            .withVerb(grant.verb())
            .withNamespace(grant.namespace() == null ? RealCluster.TEST_NAMESPACES.get(0) : grant.namespace())
            .withName(grant.resourceName())
            .endResourceAttributes()
            .endSpec().build());
    return review.getStatus().getAllowed();
  }

  private List<HasMetadata> objects() {
    return applied.stream().map(o -> (HasMetadata) Serialization.unmarshal(o.toString())).toList();
  }

  /**
   * The watched namespaces as the chart's Deployment sets them, and its {@code namespace-identity} mode with its
   * service account, under which the operator mints a token per namespace with its own client; any other KFP
   * auth mode leaves the harness's (none).
   */
  @Override
  public Map<String, String> settings() {
    Map<String, String> settings = new HashMap<>();
    settings.put(Setting.WATCH_NAMESPACES.envName(), String.join(",", config.watchNamespaces()));
    if (config.kfpAuth() == AuthMode.NAMESPACE_IDENTITY) {
      settings.put(Setting.KFP_AUTH.envName(), AuthMode.NAMESPACE_IDENTITY.externalName());
      settings.put(Setting.KFP_IDENTITY_SERVICE_ACCOUNT.envName(), config.kfpIdentityServiceAccount());
    }
    return settings;
  }

  /**
   * Leader election as the chart's Deployment sets it, with short Lease times. Where JOSDK would end the process
   * (the Lease lost, an informer stopped by a refused request) the test JVM lives on: the leadership is recorded,
   * and a refused informer also fails the operator's start, which says why.
   */
  @Override
  public void configure(ConfigurationServiceOverrider operator) {
    operator.withInformerStoppedHandler((informer, error) -> { });
    if (!config.leaderElection()) {
      return;
    }
    LeaderElectionConfigurationBuilder lease = LeaderElectionConfigurationBuilder
        .aLeaderElectionConfiguration(config.leaderElectionLease())
        .withLeaseDuration(LEASE)
        .withRenewDeadline(RENEW_DEADLINE)
        .withRetryPeriod(RETRY_PERIOD)
        .withExitOnStopLeading(false)
        .withLeaderCallbacks(new LeaderCallbacks(() -> leading.set(true), () -> {
          if (leading.getAndSet(false)) {
            stoppedLeading.set(true);
          }
        }, identity -> { }));
    if (config.leaderElectionNamespace() != null) {
      lease.withLeaseNamespace(config.leaderElectionNamespace());
    }
    operator.withLeaderElectionConfiguration(lease.build());
  }

  /** Deletes what {@link #client} applied, the cluster-wide objects too (the wipe of the namespaces misses those). */
  @Override
  public synchronized void close() {
    if (client == null) {
      return;
    }
    client.close();
    NamespacedKubernetesClient admin = RealCluster.shared().client();
    for (HasMetadata object : objects()) {
      admin.resource(object).delete();
    }
  }

  /** The role with {@code grant} taken out of its rule; other roles unchanged. */
  private static JsonNode without(JsonNode object, Grant grant) {
    String kind = object.path("kind").asText();
    boolean thisRole = kind.equals(grant.roleKind()) && object.at("/metadata/name").asText().equals(grant.role())
        && (grant.namespace() == null || grant.namespace().equals(object.at("/metadata/namespace").asText()));
    if (!thisRole) {
      return object;
    }
    ObjectNode role = object.deepCopy();
    ArrayNode rules = role.putArray("rules");
    for (JsonNode rule : object.path("rules")) {
      if (!covers(rule, grant)) {
        rules.add(rule);
        continue;
      }
      // The rule is split into one rule per group, resource and name, so that only the one verb goes.
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          for (JsonNode name : names(rule)) {
            Set<String> verbs = new LinkedHashSet<>();
            rule.path("verbs").forEach(v -> verbs.add(v.asText()));
            boolean target = group.asText().equals(grant.group()) && resource.asText().equals(grant.resource())
                && (name.isNull() ? grant.resourceName() == null : name.asText().equals(grant.resourceName()));
            if (target) {
              verbs.remove(grant.verb());
            }
            if (verbs.isEmpty()) {
              continue;
            }
            ObjectNode split = rules.addObject();
            split.putArray("apiGroups").add(group.asText());
            split.putArray("resources").add(resource.asText());
            if (!name.isNull()) {
              split.putArray("resourceNames").add(name.asText());
            }
            ArrayNode verbList = split.putArray("verbs");
            verbs.forEach(verbList::add);
          }
        }
      }
    }
    return role;
  }

  private static boolean covers(JsonNode rule, Grant grant) {
    return rule.path("apiGroups").toString().contains("\"" + grant.group() + "\"")
        && rule.path("resources").toString().contains("\"" + grant.resource() + "\"")
        && rule.path("verbs").toString().contains("\"" + grant.verb() + "\"");
  }

  private static List<JsonNode> names(JsonNode rule) {
    List<JsonNode> names = new ArrayList<>();
    rule.path("resourceNames").forEach(names::add);
    if (names.isEmpty()) {
      names.add(NullNode.getInstance());
    }
    return names;
  }
}
