package dev.kfp.operator.reconciler.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunQueueStatus;
import dev.kfp.operator.reconciler.status.LockedStatusPatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@link QueueStore} on the cluster: RunQueues from an informer, which is also the event source that triggers
 * a queue's waiting Runs when the queue changes (a slot freed, the queue created or edited), and Runs from the
 * Run controller's own cache. Status writes are JSON Patches locked on the resourceVersion, as Runs' are. With a
 * shard selector, the RunQueue informer has the Run controller's selector: a queue belongs to one shard.
 */
public final class ClusterQueueStore implements QueueStore {

  private static final ObjectMapper JSON = new ObjectMapper();

  private volatile InformerEventSource<RunQueue, Run> queues;
  private volatile IndexerResourceCache<Run> runs;
  private volatile KubernetesClient client;
  private volatile String shard;

  /** The event source of RunQueues for the Run controller; the store reads through it from then on. */
  public InformerEventSource<RunQueue, Run> eventSource(EventSourceContext<Run> context) {
    runs = context.getPrimaryCache();
    client = context.getClient();
    shard = context.getControllerConfiguration().getInformerConfig().getLabelSelector();
    queues = new InformerEventSource<>(InformerEventSourceConfiguration.from(RunQueue.class, Run.class)
        .withName("run-queues")
        .withNamespacesInheritedFromController()
        // a queue is in the shard of the Runs' selector: only its own shard admits, so no two count its slots
        .withLabelSelector(shard)
        .withSecondaryToPrimaryMapper(this::waitingRuns)
        .withPrimaryToSecondaryMapper((Run run) -> run.getSpec() != null && run.getSpec().isQueued()
            ? Set.of(new ResourceID(run.getSpec().getQueueName(), run.getMetadata().getNamespace()))
            : Set.of())
        .build(), context);
    return queues;
  }

  /** The Runs a change of the queue may concern: those naming it that have no KFP run yet and still try. */
  private Set<ResourceID> waitingRuns(RunQueue queue) {
    return runs.list(run -> QueueAdmission.concerns(queue, run))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  @Override
  public Optional<RunQueue> queue(String namespace, String name) {
    return queues.get(new ResourceID(name, namespace));
  }

  @Override
  public Optional<String> shard() {
    return Optional.ofNullable(shard).filter(selector -> !selector.isBlank());
  }

  @Override
  public List<Run> members(String namespace, String queue) {
    return runs.list(run -> namespace.equals(run.getMetadata().getNamespace()) && run.getSpec() != null
        && queue.equals(run.getSpec().getQueueName())).toList();
  }

  @Override
  public boolean stillQueued(String namespace, String name, String uid, String queue) {
    Run run = client.resources(Run.class).inNamespace(namespace).withName(name).get();
    return run != null && uid.equals(run.getMetadata().getUid()) && run.getSpec() != null
        && Objects.equals(queue, run.getSpec().getQueueName()) && QueueAdmission.holdsSlot(run);
  }

  @Override
  public boolean write(RunQueue queue, RunQueueStatus status) {
    LockedStatusPatch<RunQueue> patch = new LockedStatusPatch<>(queue);
    patch.operations().addObject().put("op", "add").put("path", "/status").set("value", JSON.valueToTree(status));
    try {
      return patch.send(client).isPresent();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }
}
