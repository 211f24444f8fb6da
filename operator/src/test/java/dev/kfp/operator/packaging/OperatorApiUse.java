package dev.kfp.operator.packaging;

import dev.kfp.operator.OperatorProcess;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunSchedule;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kubernetes API permissions the operator really needs, derived from the requests it makes: it runs the
 * operator (with leader election) through a Run's whole life — pipeline from a ConfigMap or a PipelineVersion
 * object, success, archive, terminate and retry annotations, a Run in a RunQueue, a RunSchedule's "run now",
 * deletion with the finalizer — and turns every request into an RBAC rule.
 */
final class OperatorApiUse {

  /** {@code /api/v1/...} or {@code /apis/group/version/...}, then optional namespace, resource, name, subresource. */
  private static final Pattern PATH = Pattern.compile(
      "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?$");

  /** A permission as RBAC writes it: API group ("" for core), resource (with /subresource), verb. */
  record Permission(String group, String resource, String verb) implements Comparable<Permission> {
    @Override
    public int compareTo(Permission other) {
      return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
      return (group.isEmpty() ? "core" : group) + "/" + resource + ":" + verb;
    }
  }

  /** What a namespace-scoped request was for, with the namespace it was made in (null when cluster-wide). */
  record Use(Permission permission, String namespace) {}

  private OperatorApiUse() {}

  static Set<Use> record() throws InterruptedException {
    try (OperatorProcess operator = OperatorProcess.start(Map.of())) {
      operator.k8s().configMaps().inNamespace(OperatorProcess.NAMESPACE).resource(new ConfigMapBuilder()
          .withNewMetadata().withName("pipelines").endMetadata()
          .addToData("tiny.yaml", """
              schemaVersion: 2.1.0
              sdkVersion: kfp-2.7.0
              pipelineInfo: {name: tiny}
              root: {dag: {tasks: {}}}
              """).build()).create();
      operator.apply(operator.runManifest("from-config-map", "").replace(
          "versionRef: {pipelineId: " + operator.pipeline.pipelineId() + "}",
          "specFrom: {configMapKeyRef: {name: pipelines, key: tiny.yaml}}").replace("parameters: {epochs: 3}", ""));
      operator.runToSuccess("from-config-map");
      edit(operator, "from-config-map", run -> run.getSpec().setArchived(true));
      operator.awaitRun("from-config-map", run -> "ARCHIVED".equals(run.getStatus().getStorageState()));

      String versionUid = operator.k8s().genericKubernetesResources(new ResourceDefinitionContext.Builder()
              .withGroup("pipelines.kubeflow.org").withVersion("v2beta1").withKind("PipelineVersion")
              .withPlural("pipelineversions").withNamespaced(true).build())
          .inNamespace(OperatorProcess.NAMESPACE).resource(new GenericKubernetesResourceBuilder()
              .withApiVersion("pipelines.kubeflow.org/v2beta1").withKind("PipelineVersion")
              .withNewMetadata().withName("tiny")
              .addNewOwnerReference().withApiVersion("pipelines.kubeflow.org/v2beta1").withKind("Pipeline")
              .withName("tiny").withUid(operator.pipeline.pipelineId()).endOwnerReference().endMetadata()
              .build()).create().getMetadata().getUid();
      operator.kfp.registerPipeline(operator.pipeline.pipelineId(), versionUid, "tiny",
          operator.pipeline.spec().toString());
      operator.apply(operator.runManifest("by-object", "").replace(
          "versionRef: {pipelineId: " + operator.pipeline.pipelineId() + "}", "versionRef: {pipelineVersionObject: tiny}"));
      operator.awaitState("by-object", "PENDING");
      // A queued Run: the RunQueue's informer lists and watches queues, admission and release patch its status.
      operator.k8s().resource(Serialization.unmarshal("""
          apiVersion: pipelines.kfp.dev/v1alpha1
          kind: RunQueue
          metadata: {name: one-at-a-time, namespace: %s}
          spec: {maxActive: 1}
          """.formatted(OperatorProcess.NAMESPACE), RunQueue.class)).create();
      operator.apply(operator.runManifest("queued", "queueName: one-at-a-time"));
      operator.runToSuccess("queued");
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> operator.k8s()
          .resources(RunQueue.class).inNamespace(OperatorProcess.NAMESPACE).withName("one-at-a-time").get()
          .getStatus().getAdmitted().isEmpty());

      // A RunSchedule with a "run now" token: its informer lists and watches schedules, the Run is recorded in
      // the schedule's status (an update) and then created.
      operator.k8s().resource(Serialization.unmarshal("""
          apiVersion: pipelines.kfp.dev/v1alpha1
          kind: RunSchedule
          metadata:
            name: yearly
            namespace: %s
            annotations: {pipelines.kfp.dev/trigger: now}
          spec:
            schedule: "0 0 1 1 *"
            runTemplate:
              spec:
                pipeline: {versionRef: {pipelineId: %s}}
          """.formatted(OperatorProcess.NAMESPACE, operator.pipeline.pipelineId()), RunSchedule.class)).create();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> operator.k8s()
          .resources(Run.class).inNamespace(OperatorProcess.NAMESPACE).withLabel(RunSchedule.SCHEDULE_LABEL, "yearly")
          .list().getItems().size() == 1);

      operator.apply(operator.runManifest("stopped", ""));
      operator.awaitState("stopped", "PENDING");
      edit(operator, "stopped", run -> run.getMetadata().getAnnotations().put(Run.TERMINATE_ANNOTATION, "true"));
      operator.awaitRun("stopped", run -> Boolean.TRUE.equals(run.getStatus().getTerminated()));
      // A run that fails again after a retry repeats its events word for word: they are counted on the first.
      operator.apply(operator.runManifest("fails-twice", ""));
      failOnce(operator, "fails-twice");
      edit(operator, "fails-twice", run -> run.getMetadata().getAnnotations().put(Run.RETRY_ANNOTATION, "again"));
      operator.awaitRun("fails-twice", run -> "again".equals(run.getStatus().getLastRetry())
          && !"FAILED".equals(run.getStatus().getState()));
      failOnce(operator, "fails-twice");
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> operator.k8s().v1()
          .events().inNamespace(OperatorProcess.NAMESPACE).list().getItems().stream()
          .anyMatch(e -> "fails-twice".equals(e.getInvolvedObject().getName()) && e.getCount() != null
              && e.getCount() > 1));

      // A Run past its ttlSecondsAfterFinished is deleted by the operator itself.
      operator.apply(operator.runManifest("expires", "ttlSecondsAfterFinished: 0"));
      operator.awaitState("expires", "PENDING");
      operator.clock.advance(OperatorProcess.TIMING.pending().plus(OperatorProcess.TIMING.running()));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> operator.get("expires") == null);

      operator.k8s().resources(Run.class).inNamespace(OperatorProcess.NAMESPACE).withName("stopped").delete();
      operator.k8s().resources(Run.class).inNamespace(OperatorProcess.NAMESPACE).withName("fails-twice").delete();
      operator.k8s().resources(Run.class).inNamespace(OperatorProcess.NAMESPACE).withName("from-config-map").delete();
      operator.k8s().resources(Run.class).inNamespace(OperatorProcess.NAMESPACE).withName("by-object").delete();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> operator.get("stopped") == null && operator.get("from-config-map") == null
              && operator.get("by-object") == null
              && operator.get("fails-twice") == null);

      Set<Use> uses = new TreeSet<>((a, b) -> (a.permission + "@" + a.namespace).compareTo(b.permission + "@"
          + b.namespace));
      for (RecordedRequest request : operator.operatorRequests()) {
        uses.add(use(request));
      }
      return uses;
    }
  }

  /** Drives the run (whose name makes the simulator fail it) from where it is to FAILED. */
  private static void failOnce(OperatorProcess operator, String name) {
    operator.awaitRun(name, run -> run.getStatus() != null && run.getStatus().getState() != null);
    if ("PENDING".equals(operator.get(name).getStatus().getState())) {
      operator.clock.advance(OperatorProcess.TIMING.pending());
    }
    operator.awaitState(name, "RUNNING");
    operator.clock.advance(OperatorProcess.TIMING.running());
    operator.awaitState(name, "FAILED");
  }

  private static void edit(OperatorProcess operator, String name, java.util.function.Consumer<Run> change) {
    operator.k8s().resources(Run.class).inNamespace(OperatorProcess.NAMESPACE).withName(name).edit(run -> {
      change.accept(run);
      return run;
    });
  }

  static Use use(RecordedRequest request) {
    URI uri = URI.create(request.getPath());
    Matcher m = PATH.matcher(uri.getPath());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a resource request: " + request.getMethod() + " " + uri);
    }
    String group = m.group(1) == null ? "" : m.group(1);
    String resource = m.group(3) + (m.group(5) == null ? "" : "/" + m.group(5));
    boolean named = m.group(4) != null;
    boolean watch = uri.getQuery() != null && uri.getQuery().contains("watch=true");
    String verb = switch (request.getMethod()) {
      case "GET" -> watch ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> throw new IllegalArgumentException("unexpected method " + request.getMethod());
    };
    return new Use(new Permission(group, resource, verb), m.group(2));
  }
}
