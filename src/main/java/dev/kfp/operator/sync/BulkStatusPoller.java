package dev.kfp.operator.sync;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunConditions;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.kfp.RunFilter;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk status sync of DESIGN.md §4, as a JOSDK event source. Every tick it takes the Runs with a KFP run
 * id from the informer cache (no Kubernetes call), picks those due by {@link PollSchedule}, and reads them
 * per namespace with one list call per {@value #IDS_PER_LIST} runs, filtered by {@code run_id IN [...]}. A
 * reconcile is triggered only for a Run whose KFP state or storage state differs from its status; the run
 * just read is handed to that reconcile through {@link FreshRuns}. A run missing from the list (deleted in
 * KFP) gets its reconcile triggered once, whose GET reports it.
 *
 * <p>The filter names runs, not states: a run that has just finished is still in the list, so its final
 * state arrives with the same call, without a GET.
 */
public final class BulkStatusPoller extends AbstractEventSource<KfpRun, Run> {

  /**
   * Run ids per list call. 100 quoted UUIDs make a filter of about 4.5 kB once percent-encoded, which keeps
   * the URL under the 8 kB request-line limit common in proxies before KFP; it is also under KFP's page cap
   * of 200, so one call answers one chunk.
   */
  static final int IDS_PER_LIST = 100;
  /** Ticks after which a change that was announced but did not reach the status is announced again. */
  static final int REANNOUNCE_TICKS = 4;
  private static final Logger LOG = LoggerFactory.getLogger(BulkStatusPoller.class);

  /** What the sync remembers of one tracked run, between ticks. Touched only by the polling thread. */
  private static final class Tracked {
    long activeSinceNanos;
    boolean settled;
    boolean missingAnnounced;
    String announced;
    long announcedTick;

    Tracked(long now, boolean settled) {
      this.activeSinceNanos = now;
      this.settled = settled;
    }
  }

  private record Due(ResourceID resource, String runId, RunStatus status, Tracked tracked) {}

  private final IndexerResourceCache<Run> cache;
  private final KfpClientProvider kfp;
  private final FreshRuns fresh;
  private final PollSchedule schedule;
  private final long resyncNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Tracked> tracked = new HashMap<>();
  private final AtomicLong lists = new AtomicLong();
  private final AtomicLong triggers = new AtomicLong();
  private final AtomicLong ticks = new AtomicLong();
  private ScheduledExecutorService timer;
  private long lastResyncNanos;
  private boolean failing;

  /**
   * @param cache the Runs as the informer has them
   * @param kfp the KFP client per namespace, for the list calls
   * @param fresh where runs that changed are left for the reconcile they trigger
   * @param interval the poll interval of a run active for a while; see {@link PollSchedule}
   * @param resync how often finished runs are listed, to notice changes made in the KFP UI
   */
  public BulkStatusPoller(IndexerResourceCache<Run> cache, KfpClientProvider kfp, FreshRuns fresh,
      Duration interval, Duration resync) {
    this(cache, kfp, fresh, interval, resync, System::nanoTime);
  }

  BulkStatusPoller(IndexerResourceCache<Run> cache, KfpClientProvider kfp, FreshRuns fresh, Duration interval,
      Duration resync, LongSupplier nanoTime) {
    super(KfpRun.class, "bulk-status-sync");
    this.cache = cache;
    this.kfp = kfp;
    this.fresh = fresh;
    this.schedule = new PollSchedule(interval);
    this.resyncNanos = resync.toNanos();
    this.nanoTime = nanoTime;
  }

  @Override
  public synchronized void start() {
    super.start();
    lastResyncNanos = nanoTime.getAsLong();
    timer = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "bulk-status-sync");
      thread.setDaemon(true);
      return thread;
    });
    long tick = schedule.tick().toNanos();
    // Fixed rate, not fixed delay: the time a tick spends listing must not stretch the interval.
    timer.scheduleAtFixedRate(this::tickSafely, tick, tick, TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized void stop() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
    super.stop();
  }

  /** The run last read for this Run, while it is fresh. */
  @Override
  public Set<KfpRun> getSecondaryResources(Run primary) {
    RunStatus status = primary.getStatus();
    if (status == null || status.getRunId() == null) {
      return Set.of();
    }
    return fresh.peek(status.getRunId()).map(Set::of).orElse(Set.of());
  }

  /** List calls (pages) made so far. */
  public long lists() {
    return lists.get();
  }

  /** Reconciles triggered so far. */
  public long triggers() {
    return triggers.get();
  }

  /** Ticks completed so far. */
  public long ticks() {
    return ticks.get();
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("status sync tick failed; the next tick tries again", e);
    } finally {
      ticks.incrementAndGet();
    }
  }

  /** One tick: list the due runs of every namespace and trigger reconciles for the ones that changed. */
  void tick() {
    long now = nanoTime.getAsLong();
    long tick = ticks.get();
    boolean resync = now - lastResyncNanos >= resyncNanos;
    if (resync) {
      lastResyncNanos = now;
    }
    fresh.evictExpired();
    Map<String, List<Due>> dueByNamespace = new TreeMap<>();
    Set<String> seen = new HashSet<>();
    cache.list().forEach(run -> {
      RunStatus status = run.getStatus();
      if (run.isMarkedForDeletion()) {
        return;
      }
      if (status == null || status.getRunId() == null) {
        if (resync && awaitsSubmission(status)) {
          // Its reconcile meant to come back (a create in doubt, a failed attempt), but a reschedule is lost
          // when an instance stops, and a late write may have erased the run id: look again.
          trigger(ResourceID.fromResource(run));
        }
        return;
      }
      String runId = status.getRunId();
      seen.add(runId);
      boolean settled = isSettled(status);
      Tracked memory = tracked.computeIfAbsent(runId, id -> new Tracked(now, settled));
      if (memory.settled && !settled) {
        memory.activeSinceNanos = now; // retried: young again
      }
      memory.settled = settled;
      if (resync && lastLookFailed(status)) {
        // Its reconcile meant to retry, but a retry can be lost (a leader change, a late write of a stopped
        // replica); the list below would not notice, since KFP's state may equal the status.
        trigger(ResourceID.fromResource(run));
      }
      boolean due = settled ? resync : schedule.isDue(Duration.ofNanos(now - memory.activeSinceNanos), tick);
      if (due) {
        dueByNamespace.computeIfAbsent(run.getMetadata().getNamespace(), ns -> new ArrayList<>())
            .add(new Due(ResourceID.fromResource(run), runId, status, memory));
      }
    });
    tracked.keySet().retainAll(seen);
    dueByNamespace.forEach((namespace, due) -> {
      for (int from = 0; from < due.size(); from += IDS_PER_LIST) {
        readChunk(namespace, due.subList(from, Math.min(due.size(), from + IDS_PER_LIST)), tick);
      }
    });
  }

  private void readChunk(String namespace, List<Due> chunk, long tick) {
    List<String> ids = chunk.stream().map(Due::runId).toList();
    ListRunsRequest request = ListRunsRequest.all()
        .withNamespace(namespace)
        .withPageSize(IDS_PER_LIST)
        .withFilter(RunFilter.builder().in("run_id", ids).build());
    Map<String, KfpRun> listed = new HashMap<>();
    try {
      String token = null;
      do {
        ListRunsResponse page = kfp.forNamespace(namespace).listRuns(request.withPageToken(token));
        lists.incrementAndGet();
        page.runs().forEach(run -> listed.put(run.runId(), run));
        token = page.hasNextPage() && !page.nextPageToken().equals(token) ? page.nextPageToken() : null;
      } while (token != null);
    } catch (KfpException e) {
      if (!failing) {
        LOG.warn("status sync: listing {} runs of namespace {} failed, trying again next tick: {}", ids.size(),
            namespace, e.getMessage());
      }
      failing = true;
      return;
    }
    if (failing) {
      LOG.info("status sync: KFP answers lists again");
      failing = false;
    }
    for (Due due : chunk) {
      KfpRun run = listed.get(due.runId());
      Tracked memory = due.tracked();
      if (run == null) {
        if (!memory.missingAnnounced) {
          memory.missingAnnounced = true;
          trigger(due.resource());
        }
        continue;
      }
      memory.missingAnnounced = false;
      String seen = stateOf(run);
      if (seen.equals(stateOf(due.status()))) {
        memory.announced = null;
      } else if (!seen.equals(memory.announced) || tick - memory.announcedTick >= REANNOUNCE_TICKS) {
        memory.announced = seen;
        memory.announcedTick = tick;
        fresh.put(run);
        trigger(due.resource());
      }
    }
  }

  /**
   * No run id yet, and nothing says the operator gave up: never looked at, a create in doubt, or a failed
   * attempt that was to be retried. A spec KFP refused waits for the user instead.
   */
  private static boolean awaitsSubmission(RunStatus status) {
    return status == null || status.condition(RunConditions.SUBMITTED)
        .map(c -> RunConditions.REASON_CREATE_IN_DOUBT.equals(c.getReason()))
        .orElse(true);
  }

  /** Synced=False for a reason that a later look can clear (a run deleted in KFP stays deleted). */
  private static boolean lastLookFailed(RunStatus status) {
    return status.condition(RunConditions.SYNCED)
        .map(c -> "False".equals(c.getStatus()) && !RunConditions.REASON_RUN_DELETED.equals(c.getReason()))
        .orElse(false);
  }

  private void trigger(ResourceID resource) {
    triggers.incrementAndGet();
    getEventHandler().handleEvent(new Event(resource));
  }

  /** Finished, or its KFP run is gone: only the resync looks at it. */
  private static boolean isSettled(RunStatus status) {
    boolean deleted = status.condition(RunConditions.SYNCED)
        .map(c -> "False".equals(c.getStatus()) && RunConditions.REASON_RUN_DELETED.equals(c.getReason()))
        .orElse(false);
    if (deleted || status.getState() == null) {
      return deleted;
    }
    try {
      return KfpRuntimeState.valueOf(status.getState()).isTerminal();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String stateOf(KfpRun run) {
    String state = run.state() == null ? KfpRuntimeState.RUNTIME_STATE_UNSPECIFIED.name() : run.state().name();
    return state + "/" + (run.storageState() == null ? "" : run.storageState().name());
  }

  private static String stateOf(RunStatus status) {
    return status.getState() + "/" + Objects.toString(status.getStorageState(), "");
  }
}
