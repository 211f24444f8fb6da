package dev.kfp.operator.sync;

import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpExperiment;
import dev.kfp.operator.kfp.LogTail;
import dev.kfp.operator.kfp.LogTailLimits;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.kfp.ReadArtifactResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Runs the status sync has just read from KFP, kept briefly so the reconcile it triggers needs no GET of its
 * own: a state change then costs no KFP call beyond the list that found it. A list that failed is kept the
 * same way, so the reconcile reports it (Synced=False, with KFP's reason) without a call. An entry serves one
 * read only (the reconcile's second look after an action goes to KFP) and only while it is younger than the
 * time to live. Thread-safe.
 */
public final class FreshRuns {

  /** What the last look found: the run, or the failure of the list that should have read it. */
  private record Entry(KfpRun run, KfpException failure, long readAtNanos) {}

  private final Map<String, Entry> runs = new ConcurrentHashMap<>();
  private final long timeToLiveNanos;
  private final LongSupplier nanoTime;

  public FreshRuns(Duration timeToLive) {
    this(timeToLive, System::nanoTime);
  }

  FreshRuns(Duration timeToLive, LongSupplier nanoTime) {
    this.timeToLiveNanos = timeToLive.toNanos();
    this.nanoTime = nanoTime;
  }

  void put(KfpRun run) {
    runs.put(run.runId(), new Entry(run, null, nanoTime.getAsLong()));
  }

  /** The list that should have read this run failed. */
  void putFailure(String runId, KfpException failure) {
    runs.put(runId, new Entry(null, failure, nanoTime.getAsLong()));
  }

  /** The run as read less than the time to live ago, without removing it. */
  Optional<KfpRun> peek(String runId) {
    Entry entry = runs.get(runId);
    return entry == null || expired(entry) ? Optional.empty() : Optional.ofNullable(entry.run());
  }

  /**
   * The run as read less than the time to live ago; later calls for the same run find nothing.
   *
   * @throws KfpException the failure of the list that should have read it, if that is what was kept
   */
  Optional<KfpRun> take(String runId) {
    Entry entry = runs.remove(runId);
    if (entry == null || expired(entry)) {
      return Optional.empty();
    }
    if (entry.failure() != null) {
      throw entry.failure();
    }
    return Optional.of(entry.run());
  }

  /** Drops entries no reconcile took in time. */
  void evictExpired() {
    runs.values().removeIf(this::expired);
  }

  int size() {
    return runs.size();
  }

  private boolean expired(Entry entry) {
    return nanoTime.getAsLong() - entry.readAtNanos() > timeToLiveNanos;
  }

  /** The clients of {@code delegate}, answering {@code getRun} from these runs when one is fresh. */
  public KfpClientProvider servingGets(KfpClientProvider delegate) {
    return namespace -> new ReadThrough(delegate.forNamespace(namespace));
  }

  /** A client whose {@code getRun} first looks at the fresh runs; every other call goes to KFP. */
  private final class ReadThrough implements KfpClient {

    private final KfpClient kfp;

    ReadThrough(KfpClient kfp) {
      this.kfp = kfp;
    }

    @Override
    public KfpRun getRun(String runId) {
      return take(runId).orElseGet(() -> kfp.getRun(runId));
    }

    @Override
    public KfpRun createRun(KfpRun run) {
      return kfp.createRun(run);
    }

    @Override
    public ListRunsResponse listRuns(ListRunsRequest request) {
      return kfp.listRuns(request);
    }

    @Override
    public void archiveRun(String runId) {
      runs.remove(runId);
      kfp.archiveRun(runId);
    }

    @Override
    public void unarchiveRun(String runId) {
      runs.remove(runId);
      kfp.unarchiveRun(runId);
    }

    @Override
    public void terminateRun(String runId) {
      runs.remove(runId);
      kfp.terminateRun(runId);
    }

    @Override
    public void retryRun(String runId) {
      runs.remove(runId);
      kfp.retryRun(runId);
    }

    @Override
    public void deleteRun(String runId) {
      runs.remove(runId);
      kfp.deleteRun(runId);
    }

    @Override
    public KfpExperiment getExperiment(String experimentId) {
      return kfp.getExperiment(experimentId);
    }

    @Override
    public LogTail readArtifactTail(String runId, String nodeId, String artifactName, LogTailLimits limits) {
      return kfp.readArtifactTail(runId, nodeId, artifactName, limits);
    }

    @Override
    public ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName) {
      return kfp.readArtifact(runId, nodeId, artifactName);
    }
  }
}
