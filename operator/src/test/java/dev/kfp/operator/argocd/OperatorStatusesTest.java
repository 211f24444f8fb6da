package dev.kfp.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfp.operator.OperatorProcess;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.tiers.MockApiTier;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The health scripts on Runs as the operator really writes them, in every state the simulator produces, and on a
 * RunQueue whose status the operator wrote. With
 * {@code -Dargocd.update=true} the objects are also written to deploy/argocd/.../testdata as {@code live-*.yaml}
 * (the health_test.yaml fixtures are these files, and hand-edited copies of them for states the simulator cannot
 * reach; see testdata/README.md).
 */
@MockApiTier
class OperatorStatusesTest {

  private static final Path HEALTH = ArgoCdLua.DIR.resolve("health.lua");
  private static final Path QUEUE_HEALTH = ArgoCdLua.QUEUE_DIR.resolve("health.lua");

  @Test
  void healthOfRunsTheOperatorWrote() throws IOException {
    Map<String, JsonNode> live = new LinkedHashMap<>();
    Map<String, JsonNode> liveQueues = new LinkedHashMap<>();
    try (OperatorProcess operator = OperatorProcess.start(Map.of())) {
      operator.apply(operator.runManifest("train", ""));
      live.put("pending", dump(operator.awaitState("train", "PENDING")));
      operator.clock.advance(OperatorProcess.TIMING.pending());
      live.put("running", dump(operator.awaitState("train", "RUNNING")));
      operator.clock.advance(OperatorProcess.TIMING.running());
      live.put("succeeded", dump(operator.awaitState("train", "SUCCEEDED")));

      operator.apply(operator.runManifest("train-fail", ""));
      operator.awaitState("train-fail", "PENDING");
      operator.clock.advance(OperatorProcess.TIMING.pending());
      operator.awaitState("train-fail", "RUNNING");
      operator.clock.advance(OperatorProcess.TIMING.running());
      live.put("failed", dump(operator.awaitState("train-fail", "FAILED")));

      operator.apply(operator.runManifest("stopped", ""));
      operator.awaitState("stopped", "PENDING");
      operator.k8s().resources(Run.class).inNamespace(OperatorProcess.NAMESPACE).withName("stopped")
          .edit(run -> {
            run.getMetadata().getAnnotations().put(Run.TERMINATE_ANNOTATION, "true");
            return run;
          });
      live.put("canceling", dump(operator.awaitState("stopped", "CANCELING")));
      operator.clock.advance(OperatorProcess.TIMING.canceling());
      live.put("terminated", dump(operator.awaitState("stopped", "FAILED")));

      operator.apply(operator.runManifest("held", "suspend: true"));
      live.put("suspended", dump(operator.awaitRun("held", run -> run.getStatus() != null && run.getStatus()
          .condition("Submitted").map(c -> "Suspended".equals(c.getReason())).orElse(false))));

      // The simulator's clock is days behind the operator's, so any deadline has passed when the run is created.
      operator.apply(operator.runManifest("too-long", "activeDeadlineSeconds: 60"));
      live.put("deadline-exceeded", dump(operator.awaitRun("too-long", run -> run.getStatus() != null
          && Boolean.TRUE.equals(run.getStatus().getDeadlineExceeded()))));

      // Tracked by Argo CD, so its TTL deletes only the KFP run and the Run stays (Cleaned=True).
      operator.apply(operator.runManifest("kept", "ttlSecondsAfterFinished: 0\ndeletionPolicy: Delete").replace(
          "metadata: {name: kept,", "metadata: {annotations: {argocd.argoproj.io/tracking-id: "
              + "'pipelines:pipelines.kfp.dev/Run:" + OperatorProcess.NAMESPACE + "/kept'}, name: kept,"));
      operator.awaitState("kept", "PENDING");
      operator.clock.advance(OperatorProcess.TIMING.pending());
      operator.awaitState("kept", "RUNNING");
      operator.clock.advance(OperatorProcess.TIMING.running());
      live.put("cleaned", dump(operator.awaitRun("kept", run -> run.getStatus().isTrue("Cleaned"))));
      operator.apply(operator.runManifest("before-its-queue", "queueName: nightly"));
      live.put("queue-not-found", dump(operator.awaitRun("before-its-queue", run -> run.getStatus() != null
          && run.getStatus().condition("Submitted").map(c -> "QueueNotFound".equals(c.getReason())).orElse(false))));
      operator.k8s().resource(Serialization.unmarshal("""
          apiVersion: pipelines.kfp.dev/v1alpha1
          kind: RunQueue
          metadata: {name: nightly, namespace: %s}
          spec: {maxActive: 1}
          """.formatted(OperatorProcess.NAMESPACE), RunQueue.class)).create();
      operator.awaitState("before-its-queue", "PENDING");
      operator.apply(operator.runManifest("second-in-queue", "queueName: nightly"));
      live.put("queued", dump(operator.awaitRun("second-in-queue", run -> run.getStatus() != null
          && run.getStatus().condition("Submitted").map(c -> "Queued".equals(c.getReason())).orElse(false))));
      liveQueues.put("in-use", dump(await().atMost(Duration.ofSeconds(30)).until(() -> operator.k8s()
          .resources(RunQueue.class).inNamespace(OperatorProcess.NAMESPACE).withName("nightly").get(),
          queue -> queue.getStatus() != null && Integer.valueOf(1).equals(queue.getStatus().getActive())
              && Integer.valueOf(1).equals(queue.getStatus().getWaiting()))));

      operator.apply(operator.runManifest("blank-name", "displayName: '   '"));
      live.put("invalid-spec", dump(operator.awaitRun("blank-name", run -> run.getStatus() != null
          && run.getStatus().condition("Submitted").isPresent())));
    }

    assertThat(health(live.get("pending"))).isEqualTo("Progressing");
    assertThat(health(live.get("running"))).isEqualTo("Progressing");
    assertThat(health(live.get("succeeded"))).isEqualTo("Healthy");
    assertThat(health(live.get("failed"))).isEqualTo("Degraded");
    assertThat(health(live.get("canceling"))).isEqualTo("Progressing");
    assertThat(health(live.get("terminated"))).isEqualTo("Degraded");
    assertThat(health(live.get("suspended"))).isEqualTo("Suspended");
    assertThat(health(live.get("deadline-exceeded"))).isEqualTo("Degraded");
    assertThat(health(live.get("cleaned"))).as("its KFP run deleted, the last state seen").isEqualTo("Healthy");
    assertThat(health(live.get("queued"))).isEqualTo("Suspended");
    assertThat(health(live.get("queue-not-found"))).isEqualTo("Progressing");
    JsonNode invalid = ArgoCdLua.run(HEALTH, live.get("invalid-spec"));
    assertThat(invalid.path("status").asText()).isEqualTo("Degraded");
    assertThat(invalid.path("message").asText()).startsWith("InvalidSpec: ").contains("displayName");
    JsonNode queue = ArgoCdLua.run(QUEUE_HEALTH, liveQueues.get("in-use"));
    assertThat(queue.path("status").asText()).isEqualTo("Healthy");
    assertThat(queue.path("message").asText()).isEqualTo("1 of 1 active, 1 waiting");

    if (Boolean.getBoolean("argocd.update")) {
      for (Map.Entry<String, JsonNode> entry : live.entrySet()) {
        Files.writeString(ArgoCdLua.DIR.resolve("testdata").resolve("live-" + entry.getKey() + ".yaml"),
            ArgoCdLua.YAML.writeValueAsString(entry.getValue()));
      }
      for (Map.Entry<String, JsonNode> entry : liveQueues.entrySet()) {
        Files.writeString(ArgoCdLua.QUEUE_DIR.resolve("testdata").resolve("live-" + entry.getKey() + ".yaml"),
            ArgoCdLua.YAML.writeValueAsString(entry.getValue()));
      }
    }
  }

  private static String health(JsonNode run) {
    return ArgoCdLua.run(HEALTH, run).path("status").asText();
  }

  /** The object as Argo CD would see it, without the bookkeeping fields that only make fixtures noisy. */
  private static JsonNode dump(HasMetadata resource) throws IOException {
    ObjectNode object = (ObjectNode) ArgoCdLua.YAML.readTree(Serialization.asYaml(resource));
    ((ObjectNode) object.get("metadata")).remove(List.of("managedFields", "resourceVersion"));
    return object;
  }
}
