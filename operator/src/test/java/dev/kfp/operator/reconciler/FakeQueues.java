package dev.kfp.operator.reconciler;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunQueueSpec;
import dev.kfp.operator.api.RunQueueStatus;
import dev.kfp.operator.reconciler.queue.QueueStore;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * An in-memory {@link QueueStore} for the gate's specs: queues with a resourceVersion that every write bumps
 * and checks, as the API server's optimistic locking does, and Runs the test puts in place.
 */
final class FakeQueues implements QueueStore {

  private final Map<String, RunQueue> queues = new ConcurrentHashMap<>();
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final AtomicInteger versions = new AtomicInteger();
  final AtomicInteger writes = new AtomicInteger();
  final AtomicInteger conflicts = new AtomicInteger();
  /** The operator's shard selector, or null when it is not sharded. */
  volatile String shard;

  @Override
  public Optional<String> shard() {
    return Optional.ofNullable(shard);
  }

  RunQueue createQueue(String name, int maxActive, String experimentId) {
    RunQueue queue = new RunQueue();
    queue.setMetadata(new ObjectMetaBuilder().withNamespace(Phases.NAMESPACE).withName(name)
        .withResourceVersion(String.valueOf(versions.incrementAndGet())).build());
    queue.setSpec(new RunQueueSpec(maxActive, experimentId));
    queues.put(name, queue);
    return copy(queue);
  }

  /** Puts the Run in place as the cluster holds it (a copy: later changes of the test's object do not show). */
  void put(Run run) {
    runs.put(run.getMetadata().getName(), Serialization.clone(run));
  }

  void remove(String name) {
    runs.remove(name);
  }

  RunQueue stored(String name) {
    return copy(queues.get(name));
  }

  /**
   * This store as another instance's caches may show it: the queues as {@code queues} gives them and only the
   * member Runs {@code cached} keeps; reads of the API server and writes go to this store.
   */
  QueueStore asCachedBy(BiFunction<String, String, Optional<RunQueue>> queues, Predicate<Run> cached) {
    FakeQueues store = this;
    return new QueueStore() {
      @Override
      public Optional<RunQueue> queue(String namespace, String name) {
        return queues.apply(namespace, name);
      }

      @Override
      public List<Run> members(String namespace, String queue) {
        return store.members(namespace, queue).stream().filter(cached).toList();
      }

      @Override
      public boolean stillQueued(String namespace, String name, String uid, String queue) {
        return store.stillQueued(namespace, name, uid, queue);
      }

      @Override
      public boolean write(RunQueue queue, RunQueueStatus status) {
        return store.write(queue, status);
      }
    };
  }

  @Override
  public Optional<RunQueue> queue(String namespace, String name) {
    return Optional.ofNullable(queues.get(name)).map(FakeQueues::copy);
  }

  @Override
  public List<Run> members(String namespace, String queue) {
    List<Run> members = new ArrayList<>();
    runs.values().stream().filter(r -> queue.equals(r.getSpec().getQueueName()))
        .forEach(r -> members.add(Serialization.clone(r)));
    return members;
  }

  @Override
  public boolean stillQueued(String namespace, String name, String uid, String queue) {
    Run run = runs.get(name);
    return run != null && uid.equals(run.getMetadata().getUid()) && queue.equals(run.getSpec().getQueueName());
  }

  @Override
  public synchronized boolean write(RunQueue queue, RunQueueStatus status) {
    RunQueue stored = queues.get(queue.getMetadata().getName());
    if (stored == null || !Objects.equals(stored.getMetadata().getResourceVersion(),
        queue.getMetadata().getResourceVersion())) {
      conflicts.incrementAndGet();
      return false;
    }
    RunQueue next = copy(stored);
    next.setStatus(Serialization.clone(status));
    next.getMetadata().setResourceVersion(String.valueOf(versions.incrementAndGet()));
    queues.put(next.getMetadata().getName(), next);
    writes.incrementAndGet();
    return true;
  }

  private static RunQueue copy(RunQueue queue) {
    return queue == null ? null : Serialization.clone(queue);
  }
}
