package dev.kfp.operator.reconciler;

import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpErrors;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpExperiment;
import dev.kfp.operator.kfp.KfpPipeline;
import dev.kfp.operator.kfp.KfpPipelineVersion;
import dev.kfp.operator.kfp.ListPipelineVersionsRequest;
import dev.kfp.operator.kfp.ListPipelineVersionsResponse;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.KfpRuntimeState;
import dev.kfp.operator.kfp.KfpStorageState;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.kfp.ReadArtifactResponse;
import dev.kfp.operator.kfp.RunFilter;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A fake KFP, in memory, for the reconciler's unit tests: not KFP and not the simulator. It keeps runs by id,
 * lists them by experiment and by the description substring the marker search asks for (other filters are
 * refused, so a test cannot silently rely on one it does not implement), keeps pipelines by name and lists their
 * versions by exact display name, and fails the next call of a kind
 * with a scripted {@link KfpException}. Every call is recorded by KFP's name for it ({@code CreateRun},
 * {@code GetRun}, ...), so a test can say which calls a decision made. Not thread-safe: one test, one thread.
 */
final class FakeKfp implements KfpClient {

  private final Clock clock;
  private final Map<String, KfpRun> runs = new LinkedHashMap<>();
  private final Map<String, KfpExperiment> experiments = new HashMap<>();
  private final Map<String, KfpPipeline> pipelinesByName = new HashMap<>();
  private final List<KfpPipelineVersion> versions = new ArrayList<>();
  private final Map<String, Deque<KfpException>> failures = new HashMap<>();
  private final List<String> calls = new ArrayList<>();
  private final List<String> pipelineNamespaces = new ArrayList<>();
  private KfpException afterStoringNextCreate;
  private int created;

  FakeKfp(Clock clock) {
    this.clock = clock;
  }

  /** Puts the run into KFP as given (under its own id), or replaces it: what the next read answers. */
  KfpRun store(KfpRun run) {
    runs.put(run.runId(), run);
    return run;
  }

  /** Makes a read of {@code runId} answer {@code answer}, whatever its content says. */
  void answerReadsOf(String runId, KfpRun answer) {
    runs.put(runId, answer);
  }

  /** Someone deleted the run in KFP, outside the operator: not recorded as a call. */
  void removeOutsideTheOperator(String runId) {
    runs.remove(runId);
  }

  KfpRun run(String runId) {
    return runs.get(runId);
  }

  List<KfpRun> runs() {
    return List.copyOf(runs.values());
  }

  void addExperiment(KfpExperiment experiment) {
    experiments.put(experiment.experimentId(), experiment);
  }

  /** A pipeline KFP finds by {@code name} (any namespace asked for), with versions of these display names. */
  KfpPipeline addPipeline(String name, String... versionDisplayNames) {
    KfpPipeline pipeline = new KfpPipeline("pipeline-" + (pipelinesByName.size() + 1), name, name, null,
        clock.instant());
    pipelinesByName.put(name, pipeline);
    for (String displayName : versionDisplayNames) {
      versions.add(new KfpPipelineVersion(pipeline.pipelineId(), pipeline.pipelineId() + "-v" + (versions.size() + 1),
          displayName, displayName, clock.instant()));
    }
    return pipeline;
  }

  /** The namespaces GetPipelineByName was asked about, in order. */
  List<String> pipelineNamespacesAsked() {
    return List.copyOf(pipelineNamespaces);
  }

  /** The next call named {@code operation} fails with {@code failure}; several queue up in order. */
  void failNext(String operation, KfpException failure) {
    failures.computeIfAbsent(operation, o -> new ArrayDeque<>()).add(failure);
  }

  /** The next create stores its run and then fails with {@code failure}: the answer was lost. */
  void storeThenFailNextCreate(KfpException failure) {
    afterStoringNextCreate = failure;
  }

  /** The calls made, in order, by KFP's names. */
  List<String> calls() {
    return List.copyOf(calls);
  }

  long count(String operation) {
    return calls.stream().filter(operation::equals).count();
  }

  @Override
  public KfpRun createRun(KfpRun request) {
    call("CreateRun");
    created++;
    KfpRun run = new KfpRun(request.experimentId(), "run-" + created, request.displayName(),
        KfpStorageState.AVAILABLE, request.description(), request.pipelineVersionReference(),
        request.pipelineSpec(), request.runtimeConfig(), request.serviceAccount(), clock.instant(), clock.instant(),
        null, KfpRuntimeState.PENDING, null, null, null, null, null);
    runs.put(run.runId(), run);
    if (afterStoringNextCreate != null) {
      KfpException lost = afterStoringNextCreate;
      afterStoringNextCreate = null;
      throw lost;
    }
    return run;
  }

  @Override
  public KfpRun getRun(String runId) {
    call("GetRun");
    return existing("GetRun", runId);
  }

  @Override
  public ListRunsResponse listRuns(ListRunsRequest request) {
    call("ListRuns");
    List<KfpRun> matching = runs.values().stream()
        .filter(run -> request.experimentId() == null || request.experimentId().equals(run.experimentId()))
        .filter(run -> request.filter() == null || request.filter().predicates().stream()
            .allMatch(predicate -> matches(predicate, run)))
        .toList();
    int size = request.pageSize() > 0 ? request.pageSize() : 20;
    int from = request.pageToken() == null || request.pageToken().isEmpty() ? 0
        : Integer.parseInt(request.pageToken());
    int to = Math.min(from + size, matching.size());
    return new ListRunsResponse(matching.subList(from, to), matching.size(),
        to < matching.size() ? String.valueOf(to) : null);
  }

  private static boolean matches(RunFilter.Predicate predicate, KfpRun run) {
    if (!"description".equals(predicate.key()) || predicate.operation() != RunFilter.Operation.IS_SUBSTRING) {
      throw new UnsupportedOperationException("the fake KFP filters only by a description substring: "
          + predicate);
    }
    return run.description() != null && run.description().contains(predicate.stringValue());
  }

  @Override
  public void archiveRun(String runId) {
    call("ArchiveRun");
    runs.put(runId, withStorage(existing("ArchiveRun", runId), KfpStorageState.ARCHIVED));
  }

  @Override
  public void unarchiveRun(String runId) {
    call("UnarchiveRun");
    runs.put(runId, withStorage(existing("UnarchiveRun", runId), KfpStorageState.AVAILABLE));
  }

  @Override
  public void terminateRun(String runId) {
    call("TerminateRun");
    KfpRun run = existing("TerminateRun", runId);
    if (!Objects.requireNonNullElse(run.state(), KfpRuntimeState.RUNTIME_STATE_UNSPECIFIED).isTerminable()) {
      throw KfpErrors.answered("TerminateRun", 400, "run " + runId + " is " + run.state());
    }
    runs.put(runId, withState(run, KfpRuntimeState.CANCELING));
  }

  @Override
  public void retryRun(String runId) {
    call("RetryRun");
    KfpRun run = existing("RetryRun", runId);
    if (run.state() != KfpRuntimeState.FAILED) {
      throw KfpErrors.answered("RetryRun", 400, "run " + runId + " is " + run.state());
    }
    runs.put(runId, withState(run, KfpRuntimeState.RUNNING));
  }

  @Override
  public void deleteRun(String runId) {
    call("DeleteRun");
    existing("DeleteRun", runId);
    runs.remove(runId);
  }

  @Override
  public KfpExperiment getExperiment(String experimentId) {
    call("GetExperiment");
    KfpExperiment experiment = experiments.get(experimentId);
    if (experiment == null) {
      throw KfpErrors.answered("GetExperiment", 404, "experiment " + experimentId + " not found");
    }
    return experiment;
  }

  @Override
  public KfpPipeline getPipelineByName(String name, String namespace) {
    call("GetPipelineByName");
    pipelineNamespaces.add(namespace);
    KfpPipeline pipeline = pipelinesByName.get(name);
    if (pipeline == null) {
      throw KfpErrors.answered("GetPipelineByName", 404, "Namespace/Pipeline " + namespace + "/" + name
          + " not found");
    }
    return pipeline;
  }

  /** Only the filter the resolution sends: display_name EQUALS. */
  @Override
  public ListPipelineVersionsResponse listPipelineVersions(ListPipelineVersionsRequest request) {
    call("ListPipelineVersions");
    List<RunFilter.Predicate> predicates = request.filter() == null ? List.of() : request.filter().predicates();
    for (RunFilter.Predicate predicate : predicates) {
      if (!"display_name".equals(predicate.key()) || predicate.operation() != RunFilter.Operation.EQUALS) {
        throw new UnsupportedOperationException("the fake KFP filters versions only by display name: " + predicate);
      }
    }
    List<KfpPipelineVersion> matching = versions.stream()
        .filter(v -> v.pipelineId().equals(request.pipelineId()))
        .filter(v -> predicates.stream().allMatch(p -> p.stringValue().equals(v.displayName())))
        .toList();
    int size = request.pageSize() > 0 ? request.pageSize() : 20;
    int to = Math.min(size, matching.size());
    return new ListPipelineVersionsResponse(matching.subList(0, to), matching.size(),
        to < matching.size() ? "more" : null);
  }

  /** The fake keeps no artifacts. */
  @Override
  public ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName) {
    call("ReadArtifact");
    throw KfpErrors.answered("ReadArtifact", 404, "no artifact " + artifactName);
  }

  private void call(String operation) {
    calls.add(operation);
    Deque<KfpException> scripted = failures.get(operation);
    if (scripted != null && !scripted.isEmpty()) {
      throw scripted.remove();
    }
  }

  private KfpRun existing(String operation, String runId) {
    KfpRun run = runs.get(runId);
    if (run == null) {
      throw KfpErrors.answered(operation, 404, "run " + runId + " not found");
    }
    return run;
  }

  static KfpRun withState(KfpRun r, KfpRuntimeState state) {
    return new KfpRun(r.experimentId(), r.runId(), r.displayName(), r.storageState(), r.description(),
        r.pipelineVersionReference(), r.pipelineSpec(), r.runtimeConfig(), r.serviceAccount(), r.createdAt(),
        r.scheduledAt(), r.finishedAt(), state, r.error(), r.runDetails(), r.recurringRunId(), r.stateHistory(),
        r.pluginsInput());
  }

  static KfpRun withFinishedAt(KfpRun r, java.time.Instant finishedAt) {
    return new KfpRun(r.experimentId(), r.runId(), r.displayName(), r.storageState(), r.description(),
        r.pipelineVersionReference(), r.pipelineSpec(), r.runtimeConfig(), r.serviceAccount(), r.createdAt(),
        r.scheduledAt(), finishedAt, r.state(), r.error(), r.runDetails(), r.recurringRunId(), r.stateHistory(),
        r.pluginsInput());
  }

  static KfpRun withStorage(KfpRun r, KfpStorageState storage) {
    return new KfpRun(r.experimentId(), r.runId(), r.displayName(), storage, r.description(),
        r.pipelineVersionReference(), r.pipelineSpec(), r.runtimeConfig(), r.serviceAccount(), r.createdAt(),
        r.scheduledAt(), r.finishedAt(), r.state(), r.error(), r.runDetails(), r.recurringRunId(), r.stateHistory(),
        r.pluginsInput());
  }

  static KfpRun withRunId(KfpRun r, String runId) {
    return new KfpRun(r.experimentId(), runId, r.displayName(), r.storageState(), r.description(),
        r.pipelineVersionReference(), r.pipelineSpec(), r.runtimeConfig(), r.serviceAccount(), r.createdAt(),
        r.scheduledAt(), r.finishedAt(), r.state(), r.error(), r.runDetails(), r.recurringRunId(), r.stateHistory(),
        r.pluginsInput());
  }
}
