package dev.kfp.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunSchedule;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.client.utils.Serialization;
import dev.kfp.operator.packaging.ChartRbac.Grant;
import dev.kfp.operator.reconciler.OperatorHarness;
import dev.kfp.operator.reconciler.OperatorHarness.Backend;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.simulator.Fault;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Least privilege, shown from the side the lifecycle does not show: for every grant of every role the chart
 * renders (each verb of each resource of each rule; with the default values, and the TokenRequest grant of
 * {@code namespace-identity} mode), the operator runs on the real API server as the chart's service account
 * with exactly that one grant taken away, and a named part of it fails, with the API server's 403 naming the
 * missing permission wherever the operator lets it be seen. A grant with no part known to need it fails the
 * test: it is either unnecessary (take it out of the chart) or its need is not shown yet. The other side, that the
 * rendered grants are enough, is {@code ChartRbacRunLifecycleTest} for the default values, and here for
 * {@code namespace-identity} mode and for listed namespaces (Roles only).
 */
@RealApiTier
class ChartRbacLeastPrivilegeTest {

  private static final Map<String, Object> NAMESPACE_IDENTITY = Map.of("operator.kfpAuth", "namespace-identity");
  private static final String NAMESPACE = OperatorHarness.NAMESPACE;

  /** What breaks without each permission; the key is the verb and the resource, whichever role grants it. */
  enum Need {
    LIST_RUNS("list pipelines.kfp.dev/runs", "the operator does not start: its informer cannot list Runs") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, forbidden("list", "runs", "pipelines.kfp.dev"));
      }
    },
    WATCH_RUNS("watch pipelines.kfp.dev/runs",
        "the operator does not start: its informer lists Runs, then the watch is refused") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, "Received 403 on websocket", "/apis/pipelines.kfp.dev/v1alpha1/runs?", "watch=true");
      }
    },
    PATCH_RUNS("patch pipelines.kfp.dev/runs",
        "the finalizer cannot be added, so a new Run is never reconciled and nothing reaches KFP") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          harness.applyVersionRefRun("no-finalizer", harness.registerPlainPipeline());
          awaitFailure(harness, "no-finalizer", forbidden("patch", "runs", "pipelines.kfp.dev"));
          Run run = harness.get("no-finalizer");
          assertThat(run.getMetadata().getFinalizers()).isEmpty();
          assertThat(run.getStatus()).isNull();
          assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
        }
      }
    },
    GET_RUNS("get pipelines.kfp.dev/runs",
        "JOSDK's retry of a finalizer patch that met a 409 re-reads the Run by name, and is refused (403)") {
      /**
       * The conflict itself cannot be provoked on demand (it needs a write landing between JOSDK's read and its
       * patch), so this shows the request that retry makes, as the operator's own account, being refused.
       */
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          harness.applyVersionRefRun("re-read", harness.registerPlainPipeline());
          harness.awaitRun("re-read", run -> run.getMetadata().getFinalizers().contains(Run.FINALIZER));
          KubernetesClient operator = rbac.client(null);
          assertThatThrownBy(() -> operator.resources(Run.class).inNamespace(NAMESPACE).withName("re-read").get())
              .isInstanceOf(KubernetesClientException.class)
              .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
        }
      }
    },
    DELETE_RUNS("delete pipelines.kfp.dev/runs",
        "a Run past its ttlSecondsAfterFinished is never deleted: each try is refused (403) and its KFP run stays") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          harness.applyVersionRefRun("expired", harness.registerPlainPipeline(), "ttlSecondsAfterFinished: 0");
          harness.awaitState("expired", "PENDING");
          harness.clock().advance(Duration.ofMinutes(1));
          awaitFailure(harness, "expired", forbidden("delete", "runs", "pipelines.kfp.dev"));
          Run kept = harness.get("expired");
          assertThat(kept.getStatus().getState()).isEqualTo("SUCCEEDED");
          assertThat(kept.getMetadata().getDeletionTimestamp()).isNull();
          assertThat(harness.kfp().calls().count(Endpoint.ARCHIVE_RUN)).isZero();
        }
      }
    },
    PATCH_RUN_STATUS("patch pipelines.kfp.dev/runs/status", "no status ever appears on a Run") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          harness.applyVersionRefRun("no-status", harness.registerPlainPipeline());
          awaitFailure(harness, "no-status", forbidden("patch", "runs/status", "pipelines.kfp.dev"));
          Run run = harness.get("no-status");
          assertThat(run.getMetadata().getFinalizers()).as("the finalizer was added").containsExactly(Run.FINALIZER);
          assertThat(run.getStatus()).isNull();
        }
      }
    },
    LIST_RUN_QUEUES("list pipelines.kfp.dev/runqueues",
        "the operator does not start: its RunQueue informer cannot list queues") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, forbidden("list", "runqueues", "pipelines.kfp.dev"));
      }
    },
    WATCH_RUN_QUEUES("watch pipelines.kfp.dev/runqueues",
        "the operator does not start: its RunQueue informer lists queues, then the watch is refused") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, "Received 403 on websocket", "/apis/pipelines.kfp.dev/v1alpha1/runqueues?",
            "watch=true");
      }
    },
    PATCH_RUN_QUEUE_STATUS("patch pipelines.kfp.dev/runqueues/status",
        "a Run in a queue is never admitted (the admission is a write of the queue's status), so nothing reaches KFP") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          harness.k8s().resource(Serialization.unmarshal("""
              apiVersion: pipelines.kfp.dev/v1alpha1
              kind: RunQueue
              metadata: {name: one-at-a-time, namespace: %s}
              spec: {maxActive: 1}
              """.formatted(NAMESPACE), RunQueue.class)).create();
          harness.applyVersionRefRun("never-admitted", harness.registerPlainPipeline(), "queueName: one-at-a-time");
          awaitFailure(harness, "never-admitted", forbidden("patch", "runqueues/status", "pipelines.kfp.dev"));
          Run run = harness.get("never-admitted");
          assertThat(run.getStatus() == null || run.getStatus().getClaim() == null).as("no claim before admission")
              .isTrue();
          assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
        }
      }
    },
    LIST_RUN_SCHEDULES("list pipelines.kfp.dev/runschedules",
        "the operator does not start: its RunSchedule informer cannot list schedules") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, forbidden("list", "runschedules", "pipelines.kfp.dev"));
      }
    },
    WATCH_RUN_SCHEDULES("watch pipelines.kfp.dev/runschedules",
        "the operator does not start: its RunSchedule informer lists schedules, then the watch is refused") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, "Received 403 on websocket", "/apis/pipelines.kfp.dev/v1alpha1/runschedules?",
            "watch=true");
      }
    },
    UPDATE_RUN_SCHEDULE_STATUS("update pipelines.kfp.dev/runschedules/status",
        "a RunSchedule never creates a Run (each Run is recorded in the schedule's status before it is created)") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          createRunNowSchedule(harness, "unrecorded");
          awaitFailure(harness, "unrecorded", forbidden("update", "runschedules/status", "pipelines.kfp.dev"));
          assertThat(harness.k8s().resources(Run.class).inNamespace(NAMESPACE).list().getItems()).isEmpty();
        }
      }
    },
    CREATE_RUNS("create pipelines.kfp.dev/runs",
        "a RunSchedule records its Run but cannot create it: no Run, nothing reaches KFP") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          createRunNowSchedule(harness, "uncreated");
          awaitFailure(harness, "uncreated", forbidden("create", "runs", "pipelines.kfp.dev"));
          assertThat(harness.k8s().resources(RunSchedule.class).inNamespace(NAMESPACE).withName("uncreated").get()
              .getStatus().getActive()).as("recorded").hasSize(1);
          assertThat(harness.k8s().resources(Run.class).inNamespace(NAMESPACE).list().getItems()).isEmpty();
          assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
        }
      }
    },
    GET_CONFIGMAPS("get configmaps",
        "a Run whose pipeline is in a ConfigMap is never submitted, while a Run by version reference is") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          harness.k8s().configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
              .withNewMetadata().withName("pipelines").withNamespace(NAMESPACE).endMetadata()
              .addToData("tiny.yaml", TINY_PIPELINE).build()).create();
          harness.apply("""
              apiVersion: pipelines.kfp.dev/v1alpha1
              kind: Run
              metadata: {name: from-config-map, namespace: %s}
              spec:
                pipeline:
                  specFrom: {configMapKeyRef: {name: pipelines, key: tiny.yaml}}
              """.formatted(NAMESPACE));
          harness.applyVersionRefRun("by-reference", harness.registerPlainPipeline());
          harness.awaitState("by-reference", "PENDING");
          awaitFailure(harness, "from-config-map", forbidden("get", "configmaps", ""));
          assertThat(harness.get("from-config-map").getStatus()).isNull();
          assertThat(harness.kfp().runs()).hasSize(1);
        }
      }
    },
    GET_PIPELINE_VERSIONS("get pipelines.kubeflow.org/pipelineversions",
        "a Run naming a PipelineVersion object is never submitted and says why, while a Run by version reference is") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          harness.installPipelineVersionCrd();
          harness.createPipelineVersion("tiny", "pipeline-uid");
          harness.apply("""
              apiVersion: pipelines.kfp.dev/v1alpha1
              kind: Run
              metadata: {name: by-object, namespace: %s}
              spec:
                pipeline:
                  versionRef: {pipelineVersionObject: tiny}
              """.formatted(NAMESPACE));
          harness.applyVersionRefRun("by-reference", harness.registerPlainPipeline());
          harness.awaitState("by-reference", "PENDING");
          await().atMost(Duration.ofSeconds(30)).until(() -> conditionMessage(harness.get("by-object"),
              forbidden("get", "pipelineversions", "pipelines.kubeflow.org")));
          assertThat(harness.kfp().runs()).hasSize(1);
        }
      }
    },
    CREATE_EVENTS("create events", "a Run is followed, but no event is recorded and each one lost is logged with the 403") {
      @Override
      void show(ChartRbac rbac) {
        try (CapturedErr err = new CapturedErr(); OperatorHarness harness = start(rbac)) {
          harness.applyVersionRefRun("no-events", harness.registerPlainPipeline());
          harness.awaitState("no-events", "PENDING");
          await().atMost(Duration.ofSeconds(30)).until(() -> err.text().lines().anyMatch(line ->
              line.contains(NAMESPACE + "/no-events: could not record event Submitted")
                  && line.contains(forbidden("create", "events", ""))));
          assertThat(harness.k8s().v1().events().inNamespace(NAMESPACE).list().getItems())
              .noneMatch(e -> "no-events".equals(e.getInvolvedObject().getName()));
        }
      }
    },
    PATCH_EVENTS("patch events",
        "a repeated event is not counted: the first one stays at count 1, and each lost repeat is logged with the 403") {
      @Override
      void show(ChartRbac rbac) {
        try (CapturedErr err = new CapturedErr(); OperatorHarness harness = start(rbac)) {
          harness.applyVersionRefRun("blocked", harness.registerPlainPipeline());
          harness.awaitState("blocked", "PENDING");
          harness.kfp().faults().inject(Fault.status(503).on(Endpoint.GET_RUN));
          harness.k8s().resources(Run.class).inNamespace(NAMESPACE).withName("blocked").delete();
          await().atMost(Duration.ofSeconds(30)).until(() -> err.text().lines().anyMatch(line ->
              line.contains(NAMESPACE + "/blocked: could not record event DeletionBlocked")
                  && line.contains(forbidden("patch", "events", ""))));
          assertThat(harness.k8s().v1().events().inNamespace(NAMESPACE).list().getItems())
              .filteredOn(e -> "DeletionBlocked".equals(e.getReason()))
              .singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
          harness.kfp().faults().clear();
        }
      }
    },
    CREATE_LEASES("create coordination.k8s.io/leases",
        "the operator does not start: JOSDK's leader election check finds it cannot create its Lease") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, leaseCheckMisses("create"));
      }
    },
    GET_LEASE("get coordination.k8s.io/leases",
        "the operator does not start: JOSDK's leader election check finds it cannot read its Lease") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, leaseCheckMisses("get"));
      }
    },
    UPDATE_LEASE("update coordination.k8s.io/leases",
        "the operator does not start: JOSDK's leader election check demands update on its Lease") {
      @Override
      void show(ChartRbac rbac) {
        assertStartRefused(rbac, leaseCheckMisses("update"));
      }
    },
    PATCH_LEASE("patch coordination.k8s.io/leases",
        "the Lease is never renewed: the operator loses the leadership within the renew deadline") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          await().atMost(Duration.ofSeconds(30)).until(rbac::stoppedLeading);
          assertThat(rbac.leading()).isFalse();
        }
      }
    },
    CREATE_TOKENS("create serviceaccounts/token",
        "namespace-identity mode has no token for the Run's namespace: nothing is submitted, the Run says why") {
      @Override
      void show(ChartRbac rbac) {
        try (OperatorHarness harness = start(rbac)) {
          createIdentityServiceAccount(harness);
          harness.applyVersionRefRun("no-token", harness.registerPlainPipeline());
          Run refused = harness.awaitRun("no-token", run -> conditionMessage(run, "TokenRequest failed with HTTP 403"));
          assertThat(refused.getStatus().getRunId()).isNull();
          assertThat(harness.kfp().calls().count(Endpoint.CREATE_RUN)).isZero();
        }
      }
    };

    final String permission;
    final String symptom;

    Need(String permission, String symptom) {
      this.permission = permission;
      this.symptom = symptom;
    }

    abstract void show(ChartRbac rbac);

    static Optional<Need> of(Grant grant) {
      String permission = grant.verb() + " " + (grant.group().isEmpty() ? "" : grant.group() + "/") + grant.resource();
      return Arrays.stream(values()).filter(n -> n.permission.equals(permission)).findFirst();
    }
  }

  private static final String TINY_PIPELINE = """
      schemaVersion: 2.1.0
      sdkVersion: kfp-2.7.0
      pipelineInfo: {name: tiny}
      root: {dag: {tasks: {}}}
      """;

  /** Every rendered grant with the values it is rendered with, and the symptom its absence shows. */
  static Stream<Arguments> everyRenderedGrant() {
    List<Grant> defaults = ChartRbac.rendered(Map.of()).grants();
    List<Arguments> cases = new ArrayList<>();
    defaults.forEach(g -> cases.add(Arguments.of(Map.of(), g, symptom(g))));
    ChartRbac.rendered(NAMESPACE_IDENTITY).grants().stream().filter(g -> !defaults.contains(g))
        .forEach(g -> cases.add(Arguments.of(NAMESPACE_IDENTITY, g, symptom(g))));
    return cases.stream();
  }

  private static String symptom(Grant grant) {
    return Need.of(grant).map(n -> n.symptom).orElse("no part of the operator is known to need it");
  }

  @ParameterizedTest(name = "without {1}: {2}")
  @MethodSource("everyRenderedGrant")
  void everyGrantIsNeededByANamedPart(Map<String, Object> values, Grant grant, String symptom) {
    Need need = Need.of(grant).orElseThrow(() -> new AssertionError(grant + ": " + symptom
        + "; show what fails without it, or take it out of the chart"));
    need.show(ChartRbac.rendered(values).without(grant));
  }

  @Test
  void takingOneGrantAwayLeavesEveryOtherAsRendered() {
    for (Map<String, Object> values : List.of(Map.<String, Object>of(), NAMESPACE_IDENTITY)) {
      ChartRbac rbac = ChartRbac.rendered(values);
      for (Grant grant : rbac.grants()) {
        List<Grant> rest = new ArrayList<>(rbac.grants());
        rest.remove(grant);
        assertThat(rbac.without(grant).appliedGrants()).as("without " + grant).containsExactlyInAnyOrderElementsOf(rest);
      }
      assertThat(rbac.appliedGrants()).isEqualTo(rbac.grants());
    }
  }

  @Test
  void everyNeedIsAGrantTheChartRenders() {
    List<Need> rendered = everyRenderedGrant().map(a -> (Grant) a.get()[1]).map(Need::of)
        .flatMap(Optional::stream).distinct().toList();
    assertThat(rendered).containsExactlyInAnyOrder(Need.values());
  }

  @Test
  void namespaceIdentityModeSubmitsWithTheChartsTokenRequestGrant() {
    ChartRbac rbac = ChartRbac.rendered(NAMESPACE_IDENTITY);
    try (OperatorHarness harness = start(rbac)) {
      createIdentityServiceAccount(harness);
      harness.applyVersionRefRun("with-token", harness.registerPlainPipeline());
      harness.awaitState("with-token", "PENDING");
      assertThat(harness.kfp().runs()).hasSize(1);
    }
  }

  @Test
  void withListedNamespacesTheRolesInThoseNamespacesAreEnough() {
    ChartRbac rbac = ChartRbac.rendered(Map.of("operator.watchNamespaces[0]", NAMESPACE));
    assertThat(rbac.grants()).noneMatch(g -> g.roleKind().equals("ClusterRole"));
    try (OperatorHarness harness = start(rbac)) {
      harness.applyVersionRefRun("in-a-listed-namespace", harness.registerPlainPipeline());
      harness.awaitState("in-a-listed-namespace", "PENDING");
      assertThat(harness.k8s().v1().events().inNamespace(NAMESPACE).list().getItems())
          .anyMatch(e -> "in-a-listed-namespace".equals(e.getInvolvedObject().getName()));
    }
  }

  private static OperatorHarness start(ChartRbac rbac) {
    return OperatorHarness.start(Backend.REAL, false, simulator -> { }, rbac);
  }

  /** The API server's words when RBAC refuses a request: {@code User "..." cannot VERB resource "R" in API group "G"}. */
  private static String forbidden(String verb, String resource, String group) {
    return "cannot " + verb + " resource \"" + resource + "\" in API group \"" + group + "\"";
  }

  /** JOSDK's words when its start-up check finds a Lease verb missing in the operator's namespace. */
  private static String leaseCheckMisses(String verb) {
    return "No permission to lease resource. in namespace: " + HelmChart.NAMESPACE + "; missing required verbs: ["
        + verb + "]";
  }

  private static void assertStartRefused(ChartRbac rbac, String... expected) {
    assertThatThrownBy(() -> start(rbac).close())
        .satisfies(e -> assertThat(messages(e)).contains(expected));
  }

  private static void awaitFailure(OperatorHarness harness, String name, String expected) {
    await().atMost(Duration.ofSeconds(30))
        .until(() -> harness.failures(name).stream().anyMatch(e -> messages(e).contains(expected)));
  }

  private static boolean conditionMessage(Run run, String text) {
    return run.getStatus() != null && run.getStatus().getConditions() != null && run.getStatus().getConditions()
        .stream().anyMatch(c -> c.getMessage() != null && c.getMessage().contains(text));
  }

  /** A RunSchedule that never comes by itself, with a "run now" token: one Run at once. */
  private static void createRunNowSchedule(OperatorHarness harness, String name) {
    harness.k8s().resource(Serialization.unmarshal("""
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: RunSchedule
        metadata:
          name: %s
          namespace: %s
          annotations: {pipelines.kfp.dev/trigger: now}
        spec:
          schedule: "0 0 1 1 *"
          runTemplate:
            spec:
              pipeline: {versionRef: {pipelineId: %s}}
        """.formatted(name, NAMESPACE, harness.registerPlainPipeline().pipelineId()), RunSchedule.class)).create();
  }

  private static void createIdentityServiceAccount(OperatorHarness harness) {
    harness.k8s().serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder()
        .withNewMetadata().withName("default-editor").withNamespace(NAMESPACE).endMetadata().build()).create();
  }

  /** The messages of an exception and its causes, one line each. */
  private static String messages(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      text.append(t).append('\n');
    }
    return text.toString();
  }

  /** Standard error (where slf4j-simple writes) as usual, with a copy kept while open. */
  private static final class CapturedErr implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    CapturedErr() {
      OutputStream both = new FilterOutputStream(original) {
        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
          original.write(bytes, offset, length);
          synchronized (copy) {
            copy.write(bytes, offset, length);
          }
        }

        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }
      };
      System.setErr(new PrintStream(both, true, StandardCharsets.UTF_8));
    }

    String text() {
      synchronized (copy) {
        return copy.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
