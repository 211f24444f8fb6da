package dev.kfp.operator.sync;

import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The latest read of each run, kept briefly: what the bulk status sync serves as a Run's secondary resource,
 * so the reconcile it triggers needs no GET of its own and a state change costs no KFP call beyond the list
 * that found it. A read by the reconcile itself (a GET, after an action) leaves a mark that a list sent before
 * it cannot pass, so a reconcile never acts on an answer older than one it has seen. A list that failed
 * is kept the same way, so the reconcile reports it (Synced=False, with KFP's reason) without a call. An entry
 * serves one reconcile, the one its read triggered (any other reads KFP itself), and only while younger than
 * the time to live. Thread-safe.
 */
public final class FreshRuns {

  /** What the last look found: the run, or the failure of the list that should have read it. */
  /**
   * @param readAtNanos when the call that read it was sent: orders reads
   * @param keptAtNanos when it was kept: starts the time to live
   */
  private record Entry(KfpRun run, KfpException failure, long readAtNanos, long keptAtNanos) {}

  private final Map<String, Entry> runs = new ConcurrentHashMap<>();
  /**
   * Runs a reconcile read (or was handed a read of) whose Run's status has not recorded that read yet, and runs
   * the sync asked a reconcile to read: their next reconcile reads KFP, even if the status shows a settled run.
   */
  private final Set<String> owed = ConcurrentHashMap.newKeySet();
  private final long timeToLiveNanos;
  private final LongSupplier nanoTime;

  public FreshRuns(Duration timeToLive) {
    this(timeToLive, System::nanoTime);
  }

  FreshRuns(Duration timeToLive, LongSupplier nanoTime) {
    this.timeToLiveNanos = timeToLive.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * Keeps a run the status sync listed, read by a call sent at {@code sentAtNanos}, unless something read
   * later is kept: a later list's answer, or the mark of a reconcile's own read.
   */
  void put(KfpRun run, long sentAtNanos) {
    runs.merge(run.runId(), new Entry(run, null, sentAtNanos, nanoTime.getAsLong()),
        (kept, read) -> kept.readAtNanos() > read.readAtNanos() ? kept : read);
  }

  /**
   * A reconcile has just read this run from KFP itself: an answer to a list sent before now is older and is
   * dropped, so no reconcile acts on it. The read itself is not kept; the next reconcile reads KFP again.
   */
  void readByReconcile(String runId) {
    long now = nanoTime.getAsLong();
    runs.put(runId, new Entry(null, null, now, now));
    owed.add(runId);
  }

  /** The sync wants this run read by the reconcile it triggers (its count found the run missing). */
  void askRead(String runId) {
    owed.add(runId);
  }

  /**
   * True while a read of this run is owed: taken or made by a reconcile whose status write has not succeeded
   * since, or asked for by the sync.
   */
  boolean readOwed(String runId) {
    return owed.contains(runId);
  }

  /** A reconcile's status write succeeded: the reads it took or made are recorded. */
  void recorded(String runId) {
    if (runId != null) {
      owed.remove(runId);
    }
  }

  /** Forgets the owed reads of runs no Run shows any more. */
  void retainOwed(Set<String> runIds) {
    owed.retainAll(runIds);
  }

  /** The list that should have read this run failed. */
  void putFailure(String runId, KfpException failure) {
    long now = nanoTime.getAsLong();
    runs.put(runId, new Entry(null, failure, now, now));
  }

  /** The run as read less than the time to live ago, without removing it. */
  Optional<KfpRun> peek(String runId) {
    Entry entry = runs.get(runId);
    return entry == null || expired(entry) ? Optional.empty() : Optional.ofNullable(entry.run());
  }

  /**
   * Throws the failure of the list that should have read this run, if that is what is kept, once; later
   * calls find nothing.
   */
  void rethrowFailure(String runId) {
    Entry entry = runs.get(runId);
    if (entry != null && entry.failure() != null && runs.remove(runId, entry) && !expired(entry)) {
      throw entry.failure();
    }
  }

  /** A reconcile has acted on this read: it serves no other (a later reconcile reads KFP, or a later list). */
  void taken(KfpRun run) {
    owed.add(run.runId());
    runs.computeIfPresent(run.runId(), (id, entry) -> entry.run() == run ? null : entry);
  }

  /** Drops entries no reconcile took in time. */
  void evictExpired() {
    runs.values().removeIf(this::expired);
  }

  int size() {
    return runs.size();
  }

  private boolean expired(Entry entry) {
    return nanoTime.getAsLong() - entry.keptAtNanos() > timeToLiveNanos;
  }
}
