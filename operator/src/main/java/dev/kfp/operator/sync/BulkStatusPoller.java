package dev.kfp.operator.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfp.operator.api.PipelineSource;
import dev.kfp.operator.api.Run;
import dev.kfp.operator.api.RunStatus;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.kfp.RunFilter;
import dev.kfp.operator.lifecycle.RunLifecycle;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk status sync (docs/developing/design.md), as a JOSDK event source. Every tick it takes the Runs with a KFP run
 * id from the informer cache (no Kubernetes call), picks this tick's share of them by {@link PollSchedule} and
 * {@link ListSpread} (each active run at least once per period of its tier, the runs in turn), and asks KFP per
 * namespace only for what changed: the due runs are grouped by the state their status shows, and one list
 * per group and chunk of up to {@value #IDS_PER_LIST} runs (fewer when their inline specs add up to more than
 * {@link #SPEC_BYTES_PER_LIST}) asks for {@code run_id IN [...] AND state != S}.
 * Every listed run carries its whole pipeline spec, so a quiet poll costs an empty page instead of every
 * spec. On the resync the same is asked for the storage state, and a page of one run counted by KFP's
 * {@code total_size} tells whether a run was deleted in KFP. A chunk whose answer is too large is split,
 * down to one run a call, for specs the Run does not show. A reconcile is triggered only for a Run whose KFP
 * state or storage state differs from its status, and the run just read is handed to it through
 * {@link FreshRuns}; a failed list is handed on the same way, so the Runs it covered show {@code Synced=False}
 * with the reason. Runs without a run id are left to {@link SubmissionResync}.
 *
 * <p>KFP ANDs predicates and has NOT_EQUALS on {@code state} and {@code storage_state} ({@code filter.go},
 * {@code AddToSelect}: one SQL condition per predicate), so the real server answers these filters.
 */
public final class BulkStatusPoller extends PeriodicRunSource<KfpRun> {

  /**
   * Run ids per list call. 150 quoted UUIDs make a filter of about 6.8 kB once percent-encoded, and the whole
   * request line stays under 7.5 kB with a namespace of 63 characters: under the 8 KiB request-line buffer of
   * nginx, the strictest proxy commonly put before KFP ({@code KfpClientRequestsTest} measures it). It is also
   * under KFP's page cap of 200, so one call answers one chunk.
   */
  public static final int IDS_PER_LIST = 150;
  /**
   * Pipeline spec bytes one list may be answered with, if every run it asks for changed: half the KFP client's
   * answer cap (16 MiB, {@code HttpKfpClient}), leaving room for what else a run carries (task details). A list
   * refused for its size costs a round trip and a tick's worth of time before its halves are asked, which
   * would break the promise of one poll interval; chunks are therefore cut by the specs' sizes before asking.
   */
  static final long SPEC_BYTES_PER_LIST = 8L * 1024 * 1024;
  /** What a run is assumed to carry when its Run names a stored pipeline, or its spec is not inline. */
  static final long RUN_BYTES_ASSUMED = 4 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Ticks after which a change that was announced but did not reach the status is announced again: one poll
   * interval, the time after which the run read for it is no longer fresh either ({@link FreshRuns}).
   */
  static final int REANNOUNCE_TICKS = PollSchedule.TICKS_PER_INTERVAL;
  private static final Logger LOG = LoggerFactory.getLogger(BulkStatusPoller.class);

  /** What the sync remembers of one tracked run, between ticks. Touched only by the polling thread. */
  private static final class Tracked {
    long activeSinceNanos;
    boolean settled;
    boolean missingAnnounced;
    boolean failureAnnounced;
    String announced;
    long announcedTick;
    /** The tick of its last list, or of its first sight (its create or reconcile had just read it). */
    long listedTick;
    /** About what KFP sends for this run: the size of its inline pipeline spec, measured once. */
    final long answerBytes;

    Tracked(long now, long tick, boolean settled, long answerBytes) {
      this.activeSinceNanos = now;
      this.listedTick = tick;
      this.settled = settled;
      this.answerBytes = answerBytes;
    }
  }

  private record Due(ResourceID resource, String runId, RunStatus status, Tracked tracked) {}

  /** An active run that must be listed by tick {@code deadline}, one period of its tier after its last list. */
  private record Waiting(Due due, long deadline, int period) implements ListSpread.Candidate {}

  private final IndexerResourceCache<Run> cache;
  private final KfpClientProvider kfp;
  private final FreshRuns fresh;
  private final PollSchedule schedule;
  private final long resyncNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Tracked> tracked = new HashMap<>();
  /** Per namespace: run ids per list; halved when an answer is too large, doubled back on a quiet resync. */
  private final Map<String, Integer> idsPerList = new HashMap<>();
  /** Per namespace and state group: the group's turn in being listed. */
  private final Map<String, ListSpread> spreads = new HashMap<>();
  private final AtomicLong lists = new AtomicLong();
  private final AtomicLong triggers = new AtomicLong();
  private final AtomicLong ticks = new AtomicLong();
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
    lastResyncNanos = nanoTime.getAsLong();
    super.start();
  }

  @Override
  Duration period() {
    return schedule.tick();
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

  @Override
  void look() {
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
    boolean countActive = tick % PollSchedule.MISSING_CHECK_TICKS == 0;
    fresh.evictExpired();
    Map<String, List<Due>> dueByNamespace = new TreeMap<>();
    Map<String, List<Due>> relook = new TreeMap<>();
    // The runs whose existence in KFP is counted this tick: a list of changes cannot tell a deleted run from an
    // unchanged one. Every run on the resync, due or not; active runs also every MISSING_CHECK_TICKS.
    Map<String, List<Due>> counted = new TreeMap<>();
    Set<String> seen = new HashSet<>();
    // The active runs not yet listed this tick, per namespace and the state their status shows.
    Map<String, Map<String, List<Waiting>>> waiting = new TreeMap<>();
    cache.list().forEach(run -> {
      RunStatus status = run.getStatus();
      if (run.isMarkedForDeletion()) {
        return;
      }
      RunLifecycle lifecycle = RunLifecycle.of(status);
      if (!lifecycle.hasRun()) {
        return; // SubmissionResync looks at it again
      }
      if (lifecycle.isCleaned()) {
        return; // nothing more to follow
      }
      String runId = status.getRunId();
      seen.add(runId);
      boolean settled = lifecycle.isSettled();
      Tracked memory = tracked.computeIfAbsent(runId, id -> new Tracked(now, tick, settled, answerBytes(run)));
      if (memory.settled && !settled) {
        memory.activeSinceNanos = now; // retried: young again
      }
      memory.settled = settled;
      Due due = new Due(ResourceID.fromResource(run), runId, status, memory);
      if (resync || !settled && countActive) {
        counted.computeIfAbsent(run.getMetadata().getNamespace(), ns -> new ArrayList<>()).add(due);
      }
      if (resync && lifecycle.lastLookMayClear()) {
        // Its reconcile meant to retry, but a retry can be lost (a leader change, a late write of a stopped
        // replica); the lists below would not notice, since KFP's state may equal the status.
        relook.computeIfAbsent(run.getMetadata().getNamespace(), ns -> new ArrayList<>()).add(due);
      }
      // A change handed to a reconcile whose status write has not reached the cache yet would be listed, and
      // read whole, again: it waits until the write shows or the change is to be announced again. Its state is
      // known meanwhile, so the wait counts as a list for the schedule.
      boolean writePending = memory.announced != null && tick - memory.announcedTick < REANNOUNCE_TICKS;
      if (settled) {
        if (resync && !writePending) {
          dueByNamespace.computeIfAbsent(run.getMetadata().getNamespace(), ns -> new ArrayList<>()).add(due);
        }
        return;
      }
      int period = schedule.ticksBetweenLists(Duration.ofNanos(now - memory.activeSinceNanos));
      long deadline = memory.listedTick + period;
      if (writePending) {
        if (deadline <= tick) {
          memory.listedTick = tick;
        }
        return;
      }
      waiting.computeIfAbsent(run.getMetadata().getNamespace(), ns -> new TreeMap<>())
          .computeIfAbsent(Objects.toString(status.getState(), ""), state -> new ArrayList<>())
          .add(new Waiting(due, deadline, period));
    });
    Set<String> groups = new HashSet<>();
    waiting.forEach((namespace, byState) -> byState.forEach((state, runs) -> {
      String group = namespace + "/" + state;
      groups.add(group);
      for (Waiting listed : spreads.computeIfAbsent(group, g -> new ListSpread())
          .take(runs, tick, idsPerList(namespace))) {
        listed.due().tracked().listedTick = tick;
        dueByNamespace.computeIfAbsent(namespace, ns -> new ArrayList<>()).add(listed.due());
      }
    }));
    spreads.keySet().retainAll(groups);
    tracked.keySet().retainAll(seen);
    fresh.retainOwed(seen);
    Map<String, Integer> before = new HashMap<>();
    // State changes first, in every namespace: what the resync adds must not delay them.
    dueByNamespace.forEach((namespace, due) -> {
      before.put(namespace, idsPerList(namespace));
      readChanged(namespace, due, "state", d -> Objects.toString(d.status().getState(), ""), tick);
    });
    relook.forEach(this::readWhole);
    if (resync) {
      dueByNamespace.forEach((namespace, due) -> {
        readChanged(namespace, due, "storage_state", d -> Objects.toString(d.status().getStorageState(), ""),
            tick);
        int size = idsPerList(namespace);
        if (size == before.get(namespace) && size < IDS_PER_LIST) {
          idsPerList.put(namespace, Math.min(IDS_PER_LIST, size * 2));
        }
      });
    }
    counted.forEach((namespace, runs) -> {
      for (int from = 0; from < runs.size(); from += IDS_PER_LIST) {
        findMissing(namespace, runs.subList(from, Math.min(runs.size(), from + IDS_PER_LIST)), resync);
      }
    });
  }

  int idsPerList(String namespace) {
    return idsPerList.getOrDefault(namespace, IDS_PER_LIST);
  }

  /**
   * Lists, for each value of {@code key} the statuses show, the due runs whose KFP value differs from it:
   * {@code run_id IN [...] AND key != value}. Runs that did not change are not in the answer, so a quiet poll
   * is an empty page whatever the size of the runs' pipeline specs.
   */
  private void readChanged(String namespace, List<Due> due, String key, Function<Due, String> shown, long tick) {
    Map<String, List<Due>> byValue = new TreeMap<>();
    due.forEach(d -> byValue.computeIfAbsent(shown.apply(d), v -> new ArrayList<>()).add(d));
    byValue.forEach((value, group) -> chunks(namespace, group)
        .forEach(chunk -> readChunk(namespace, chunk, key, value, tick)));
  }

  /** Consecutive runs, as many a list as the namespace's chunk size and {@link #SPEC_BYTES_PER_LIST} allow. */
  private List<List<Due>> chunks(String namespace, List<Due> due) {
    int size = idsPerList(namespace);
    List<List<Due>> chunks = new ArrayList<>();
    int from = 0;
    while (from < due.size()) {
      int to = from + 1;
      long bytes = due.get(from).tracked().answerBytes;
      while (to < due.size() && to - from < size
          && bytes + due.get(to).tracked().answerBytes <= SPEC_BYTES_PER_LIST) {
        bytes += due.get(to).tracked().answerBytes;
        to++;
      }
      chunks.add(due.subList(from, to));
      from = to;
    }
    return chunks;
  }

  /**
   * Reads these runs whole, whatever their state, and hands each to the reconcile it triggers: the Runs whose
   * last look failed, which need a read to show {@code Synced=True} again although nothing changed. One list
   * per chunk instead of one GET per Run (after a failed list of 100 runs, 100 GETs). A run missing from the
   * answer is triggered without one; its reconcile's GET says whether it was deleted.
   */
  private void readWhole(String namespace, List<Due> due) {
    for (List<Due> chunk : chunks(namespace, due)) {
      Map<String, KfpRun> listed = new HashMap<>();
      long sent = nanoTime.getAsLong();
      try {
        ListRunsResponse page = kfp.forNamespace(namespace).listRuns(ListRunsRequest.all()
            .withNamespace(namespace)
            .withPageSize(chunk.size())
            .withFilter(RunFilter.builder().in("run_id", chunk.stream().map(Due::runId).toList()).build()));
        lists.incrementAndGet();
        page.runs().forEach(run -> listed.put(run.runId(), run));
      } catch (KfpException e) {
        listFailed(namespace, chunk, e);
        continue;
      }
      for (Due d : chunk) {
        d.tracked().failureAnnounced = false;
        KfpRun run = listed.get(d.runId());
        if (run != null) {
          fresh.put(run, sent);
        }
        trigger(d.resource());
      }
    }
  }

  /**
   * About how many bytes KFP answers for this Run's run: KFP sends an inline pipeline spec back with every
   * read, a run of a stored pipeline only names it ({@code toApiRun}). A spec read from a ConfigMap is not in
   * the Run; if it is large, the first list too large for the client is halved instead. The cache's copy of a
   * submitted Run no longer holds the inline spec, only its size ({@link Run#trimForCache()}).
   */
  static long answerBytes(Run run) {
    if (run.getSpec() != null && run.getSpec().trimmed() != null) {
      return RUN_BYTES_ASSUMED + run.getSpec().trimmed().inlineSpecBytes();
    }
    PipelineSource pipeline = run.getSpec() == null ? null : run.getSpec().getPipeline();
    if (pipeline == null || pipeline.getSpec() == null) {
      return RUN_BYTES_ASSUMED;
    }
    try {
      return RUN_BYTES_ASSUMED + JSON.writeValueAsBytes(pipeline.getSpec()).length;
    } catch (JsonProcessingException e) {
      return RUN_BYTES_ASSUMED;
    }
  }

  private void readChunk(String namespace, List<Due> chunk, String key, String value, long tick) {
    List<String> ids = chunk.stream().map(Due::runId).toList();
    ListRunsRequest request = ListRunsRequest.all()
        .withNamespace(namespace)
        .withPageSize(ids.size())
        .withFilter(RunFilter.builder().in("run_id", ids).notEqualTo(key, value).build());
    Map<String, KfpRun> listed = new HashMap<>();
    long sent = nanoTime.getAsLong();
    try {
      String token = null;
      do {
        ListRunsResponse page = kfp.forNamespace(namespace).listRuns(request.withPageToken(token));
        lists.incrementAndGet();
        page.runs().forEach(run -> listed.put(run.runId(), run));
        token = page.hasNextPage() && !page.nextPageToken().equals(token) ? page.nextPageToken() : null;
      } while (token != null);
    } catch (KfpException e) {
      if (e.isTooLarge() && chunk.size() > 1) {
        // The runs that changed carry more pipeline spec than one answer may hold: ask for half as many, down
        // to one run a call (as large as its GET).
        int half = chunk.size() / 2;
        idsPerList.put(namespace, Math.max(1, Math.min(idsPerList(namespace), half)));
        readChunk(namespace, chunk.subList(0, half), key, value, tick);
        readChunk(namespace, chunk.subList(half, chunk.size()), key, value, tick);
        return;
      }
      listFailed(namespace, chunk, e);
      return;
    }
    if (failing) {
      LOG.info("status sync: KFP answers lists again");
      failing = false;
    }
    List<Due> recovered = new ArrayList<>();
    for (Due due : chunk) {
      KfpRun run = listed.get(due.runId());
      Tracked memory = due.tracked();
      if (run == null) {
        memory.announced = null;
        if (memory.failureAnnounced) {
          recovered.add(due); // KFP answers again: a read clears Synced=False
        }
        continue;
      }
      memory.failureAnnounced = false;
      String seen = stateOf(run);
      if (!RunLifecycle.of(due.status()).differsFrom(run)) {
        memory.announced = null;
      } else if (!seen.equals(memory.announced) || tick - memory.announcedTick >= REANNOUNCE_TICKS) {
        memory.announced = seen;
        memory.announcedTick = tick;
        fresh.put(run, sent);
        trigger(due.resource());
      }
    }
    readWhole(namespace, recovered);
  }

  /**
   * A list failed: each Run it covered is told once (Synced=False with KFP's reason, through the reconcile it
   * triggers, without a call of its own); the next tick lists again.
   */
  private void listFailed(String namespace, List<Due> chunk, KfpException e) {
    if (!failing) {
      LOG.warn("status sync: listing {} runs of namespace {} failed, trying again next tick: {}", chunk.size(),
          namespace, e.getMessage());
    }
    failing = true;
    for (Due due : chunk) {
      if (!due.tracked().failureAnnounced) {
        due.tracked().failureAnnounced = true;
        fresh.putFailure(due.runId(), e);
        trigger(due.resource());
      }
    }
  }

  /**
   * On the resync, and for active runs every {@link PollSchedule#MISSING_CHECK_TICKS}: which of these runs KFP no
   * longer has (deleted outside the operator). KFP counts the runs
   * matching a filter in {@code total_size}, so a page of one run says whether all are there; only a chunk
   * that lacks some is split to find them.
   */
  private void findMissing(String namespace, List<Due> chunk, boolean resync) {
    ListRunsResponse page;
    try {
      page = kfp.forNamespace(namespace).listRuns(ListRunsRequest.all()
          .withNamespace(namespace)
          .withPageSize(1)
          .withFilter(RunFilter.builder().in("run_id", chunk.stream().map(Due::runId).toList()).build()));
      lists.incrementAndGet();
    } catch (KfpException e) {
      LOG.debug("status sync: counting runs of namespace {} failed; the next resync counts again", namespace, e);
      return;
    }
    if (page.totalSize() >= chunk.size()) {
      chunk.forEach(due -> due.tracked().missingAnnounced = false);
      return;
    }
    if (chunk.size() > 1) {
      int half = chunk.size() / 2;
      findMissing(namespace, chunk.subList(0, half), resync);
      findMissing(namespace, chunk.subList(half, chunk.size()), resync);
      return;
    }
    Due missing = chunk.get(0);
    Tracked memory = missing.tracked();
    // Announced once; and again on each resync until the status shows it, in case a reconcile's write of an
    // earlier read cleared the request for a read before the triggered reconcile ran.
    if (!memory.missingAnnounced || resync && !RunLifecycle.of(missing.status()).isRunDeletedInKfp()) {
      memory.missingAnnounced = true;
      fresh.askRead(missing.runId());
      trigger(missing.resource()); // its reconcile's GET reports the run deleted in KFP
    }
  }

  @Override
  void trigger(ResourceID resource) {
    triggers.incrementAndGet();
    super.trigger(resource);
  }

  /** What the sync announced of a run, to announce a change only once. */
  private static String stateOf(KfpRun run) {
    return RunLifecycle.stateOf(run) + "/" + (run.storageState() == null ? "" : run.storageState().name());
  }
}
