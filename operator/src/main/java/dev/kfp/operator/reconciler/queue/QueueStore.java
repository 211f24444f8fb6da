package dev.kfp.operator.reconciler.queue;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunQueue;
import dev.kfp.operator.api.RunQueueStatus;
import java.util.List;
import java.util.Optional;

/** The RunQueues and their Runs as {@link QueueGate} sees them: the operator's caches, and the API server. */
public interface QueueStore {

  /** The queue as last seen, when it exists. */
  Optional<RunQueue> queue(String namespace, String name);

  /**
   * The label selector of the operator's shard, when it is one: it sees only the queues and Runs the selector
   * matches; empty (the default) when it sees them all.
   */
  default Optional<String> shard() {
    return Optional.empty();
  }

  /** The Runs whose spec names the queue, as last seen. */
  List<Run> members(String namespace, String queue);

  /**
   * True when the API server still has the Run with this name and UID, naming the queue and holding its slot (not
   * finished: a Run another shard follows, moved there by its labels, gives the slot back when its run finished);
   * asks the server.
   */
  boolean stillQueued(String namespace, String name, String uid, String queue);

  /**
   * Writes the queue's status, locked on the resourceVersion {@code queue} was read with; the Runs waiting in the
   * queue hear of it (a slot may have freed, their positions may have moved).
   *
   * @return false when the queue changed or went away since it was read: nothing was written
   */
  boolean write(RunQueue queue, RunQueueStatus status);
}
