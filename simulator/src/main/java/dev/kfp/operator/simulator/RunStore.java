package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The simulated KFP API server's business rules and storage: the nine run operations with KFP's checks in
 * KFP's order, and experiments; pipelines and their versions are kept by {@link PipelineStore}. One lock guards
 * everything here; every operation is short.
 */
final class RunStore {

  private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");
  private static final int DEFAULT_PAGE_SIZE = 20;
  private static final int MAX_PAGE_SIZE = 200;

  private final SimulatorClock clock;
  private final AccessPolicy access;
  private volatile Timing timing;
  private volatile OutcomeRule rule;
  private final Map<String, StoredRun> runs = new HashMap<>();
  private final Map<String, Experiment> experiments = new LinkedHashMap<>();
  private final PipelineStore pipelines;
  private final String defaultExperimentId;
  private long contextIds;

  private final Duration spread;

  RunStore(SimulatorClock clock, AccessPolicy access, Timing timing, OutcomeRule rule, Duration spread) {
    this.spread = spread;
    this.clock = clock;
    this.access = access;
    this.pipelines = new PipelineStore(clock, access);
    this.timing = timing;
    this.rule = rule;
    this.defaultExperimentId = access.multiUser() ? null : registerExperiment("Default", "").experimentId();
  }

  void setTiming(Timing timing) {
    this.timing = timing;
  }

  void setRule(OutcomeRule rule) {
    this.rule = rule;
  }

  boolean multiUser() {
    return access.multiUser();
  }

  Optional<String> defaultExperimentId() {
    return Optional.ofNullable(defaultExperimentId);
  }

  // ---- the API ----

  synchronized ObjectNode create(CreateRequest request, String authorization) {
    String context = "Failed to create a run";
    if (request.hasPluginsOutput()) {
      throw ApiError.badRequest(context,
          "plugins_output is server-owned and populated exclusively via plugin lifecycle hooks");
    }
    if (request.displayName().isEmpty()) {
      throw ApiError.internal(context, "Failed to convert a run: Invalid input error: Run name cannot be empty");
    }
    if (request.runId().length() > 191) {
      throw ApiError.internal(context, "Failed to convert a run: Run id is too long");
    }
    if (request.experimentId().length() > 64) {
      throw ApiError.internal(context, "Failed to convert a run: Experiment id is too long");
    }
    Experiment experiment = experimentForCreate(request.experimentId(), context);
    if (access.multiUser() && experiment.namespace().isEmpty()) {
      throw ApiError.invalidInput(context, "Run's experiment " + experiment.experimentId()
          + " has an empty namespace in multi-user mode");
    }
    access.check(authorization, experiment.namespace(), "create");
    CreateRequest resolved = resolvePipelineSource(request, context);
    JsonNode spec = resolved.pipelineSpec() != null ? resolved.pipelineSpec()
        : pipelines.version(resolved.pipelineVersionId()).orElseThrow().spec();
    PipelineInputs.of(spec, context).validate(resolved.parameters(), context);
    String runId = request.runId().isEmpty() ? UUID.randomUUID().toString() : request.runId();
    if (!LABEL_VALUE.matcher(runId).matches()) {
      throw ApiError.internal(context, "Failed to create a workflow for (" + runId + "): metadata.labels: "
          + "Invalid value: \"" + runId + "\": must be a valid label value");
    }
    if (runs.containsKey(runId)) {
      throw ApiError.internal(context, "Failed to store run " + runId + " to table: Error 1062 (23000): "
          + "Duplicate entry '" + runId + "' for key 'run_details.PRIMARY'");
    }
    String serviceAccount = !request.serviceAccount().isEmpty() ? request.serviceAccount()
        : access.multiUser() ? "default-editor" : "pipeline-runner";
    CreateRequest stored = new CreateRequest(runId, experiment.experimentId(), resolved.displayName(),
        resolved.description(), resolved.pipelineSpec(), resolved.pipelineId(), resolved.pipelineVersionId(),
        resolved.hasVersionReference(), resolved.parameters(), resolved.hasParameters(), resolved.pipelineRoot(),
        serviceAccount, resolved.storageState(), resolved.recurringRunId(), resolved.pluginsInput(), false);
    StoredRun run = new StoredRun(stored, runId, experiment, clock.now(), ++contextIds, spreadFor(runId));
    runs.put(runId, run);
    experiments.put(experiment.experimentId(), experiment.withRunCreatedAt(run.createdAt));
    return RunJson.render(run);
  }

  /** This run's share of the spread ({@link Timing#shareOf}). */
  private Duration spreadFor(String runId) {
    return Timing.shareOf(spread, runId);
  }

  private Experiment experimentForCreate(String experimentId, String context) {
    if (experimentId.isEmpty()) {
      if (access.multiUser()) {
        throw ApiError.invalidInput(context, "Experiment id can not be empty in multi-user mode");
      }
      return experiments.get(defaultExperimentId);
    }
    Experiment experiment = experiments.get(experimentId);
    if (experiment == null) {
      throw ApiError.notFound(context, "Experiment", experimentId);
    }
    return experiment;
  }

  /** The request with the version reference resolved (pipeline id filled in, latest version chosen). */
  private CreateRequest resolvePipelineSource(CreateRequest request, String context) {
    if (request.pipelineSpec() != null) {
      PipelineInputs.of(request.pipelineSpec(), context);
      return request;
    }
    if (!request.hasVersionReference()) {
      throw ApiError.internal(context, "Failed to create a run due to missing pipeline spec: "
          + "neither pipeline_spec nor pipeline_version_reference is set");
    }
    PipelineVersion version;
    if (!request.pipelineVersionId().isEmpty()) {
      version = pipelines.version(request.pipelineVersionId()).orElse(null);
      if (version == null) {
        throw ApiError.internal(context, "Failed to fetch a pipeline version: ResourceNotFoundError: "
            + "PipelineVersion " + request.pipelineVersionId() + " not found");
      }
      if (!request.pipelineId().isEmpty() && !request.pipelineId().equals(version.pipelineId())) {
        throw ApiError.internal(context, "Pipeline version " + version.pipelineVersionId()
            + " does not belong to pipeline " + request.pipelineId());
      }
    } else if (!request.pipelineId().isEmpty()) {
      version = pipelines.latestVersion(request.pipelineId()).orElseThrow(() -> ApiError.internal(context,
          "Failed to fetch the latest pipeline version: ResourceNotFoundError: Pipeline " + request.pipelineId()
              + " not found"));
    } else {
      throw ApiError.internal(context, "Failed to create a run due to missing pipeline spec: "
          + "pipeline_version_reference names neither a pipeline nor a version");
    }
    return new CreateRequest(request.runId(), request.experimentId(), request.displayName(),
        request.description(), null, version.pipelineId(), version.pipelineVersionId(), true,
        request.parameters(), request.hasParameters(), request.pipelineRoot(), request.serviceAccount(),
        request.storageState(), request.recurringRunId(), request.pluginsInput(), false);
  }

  synchronized ObjectNode get(String runId, String authorization) {
    StoredRun run = authorizedRun(runId, authorization, "get", "Failed to get a run");
    return RunJson.render(run);
  }

  synchronized void archive(String runId, String authorization) {
    authorizedRun(runId, authorization, "archive", "Failed to archive a run").storageState = StorageState.ARCHIVED;
  }

  synchronized void unarchive(String runId, String authorization) {
    String context = "Failed to unarchive a run";
    StoredRun run = authorizedRun(runId, authorization, "unarchive", context);
    Experiment experiment = experiments.get(run.experimentId);
    if (experiment.storageState() == StorageState.ARCHIVED) {
      throw ApiError.failedPrecondition(context, "Failed to unarchive run " + runId + " as experiment "
          + experiment.experimentId() + " must be un-archived first");
    }
    run.storageState = StorageState.AVAILABLE;
  }

  synchronized void terminate(String runId, String authorization) {
    StoredRun run = authorizedRun(runId, authorization, "terminate", "Failed to terminate a run");
    if (!run.state.isTerminable()) {
      throw ApiError.invalidInput("Failed to terminate a run " + runId,
          "Failed to terminate a run " + runId + ". Row not found");
    }
    run.terminate(clock.now());
  }

  synchronized void retry(String runId, String authorization) {
    String context = "Failed to retry a run";
    StoredRun run = authorizedRun(runId, authorization, "retry", context);
    if (!run.workflowManifestStored) {
      throw ApiError.badRequest(context, "Failed to retry run " + runId
          + " due to error fetching workflow manifest");
    }
    if (run.state != RunState.FAILED) {
      throw ApiError.badRequest(context, "Workflow must be Failed/Error to retry");
    }
    run.retry(clock.now());
  }

  synchronized void delete(String runId, String authorization) {
    authorizedRun(runId, authorization, "delete", "Failed to delete a run");
    runs.remove(runId);
  }

  /** The artifact's bytes, base64 encoded (or, for {@link Outcome.MainLogs#NOT_BASE64}, not). */
  synchronized String readArtifact(String runId, String nodeId, String artifactName, String authorization) {
    String context = "Failed to read artifact";
    StoredRun run = authorizedRun(runId, authorization, "readArtifact", context);
    if (!run.workflowManifestStored) {
      // KFP's words for a run whose workflow manifest is not stored yet.
      throw ApiError.invalidInput(context, "read artifact from run with v2 IR spec is not supported");
    }
    StoredRun.FailedNode node = run.failure == null ? null : run.failure.node(nodeId).orElse(null);
    if (node == null) {
      throw ApiError.notFound(context, "Node", nodeId);
    }
    if (!artifactName.equals("main-logs") || node.mainLogs() == Outcome.MainLogs.MISSING) {
      throw ApiError.notFound(context, "Artifact", artifactName);
    }
    byte[] data = switch (node.mainLogs()) {
      case NOT_BASE64 -> null;
      case NOT_A_TAR -> FailureLog.gzipped(node.logText());
      case CORRUPT_GZIP -> FailureLog.corrupted(FailureLog.gzippedTar(node.podName() + "/main.log", node.logText(),
          run.failure.finishedAt().getEpochSecond()));
      default -> FailureLog.gzippedTar(node.podName() + "/main.log", node.logText(),
          run.failure.finishedAt().getEpochSecond());
    };
    return data == null ? "H4sIAAAA this is not base64!" : Base64.getEncoder().encodeToString(data);
  }

  synchronized ObjectNode list(ListRequest request, String authorization) {
    String context = "Failed to list runs";
    PageToken token = request.pageToken().isEmpty() ? null : PageToken.decode(request.pageToken());
    int pageSize = pageSize(request.pageSize());
    RunOrder order = request.sortBy().isEmpty() ? null : RunOrder.parse(request.sortBy());
    ListFilter filter = request.filter().isEmpty() ? null : ListFilter.fromQueryParameter(request.filter());
    if (token != null) {
      boolean sortDiffers = order != null && !order.equals(token.order());
      boolean filterDiffers = filter != null && !filter.canonical().equals(token.filter());
      if (sortDiffers || filterDiffers) {
        throw ApiError.invalidInput("Failed to create list options", "page token does not match the supplied "
            + "sort by and/or filtering criteria. Either specify the same criteria or leave the latter empty "
            + "if page token is specified");
      }
      order = token.order();
      filter = ListFilter.fromCanonical(token.filter());
    }
    order = order == null ? RunOrder.DEFAULT : order;
    filter = filter == null ? ListFilter.NONE : filter;

    String experimentId = request.experimentId();
    String namespace = request.namespace();
    if (!experimentId.isEmpty()) {
      Experiment experiment = experiments.get(experimentId);
      if (experiment == null) {
        throw ApiError.notFound(context, "Experiment", experimentId);
      }
      namespace = experiment.namespace();
    }
    if (access.multiUser()) {
      if (namespace.isEmpty()) {
        throw ApiError.invalidInput(context, "A run cannot have an empty namespace in multi-user mode");
      }
      access.check(authorization, namespace, "list");
    }

    Instant now = clock.now();
    List<StoredRun> matching = new ArrayList<>();
    Collection<StoredRun> candidates = filter.runIds()
        .<Collection<StoredRun>>map(ids -> ids.stream().map(runs::get).filter(Objects::nonNull).toList())
        .orElse(runs.values());
    for (StoredRun run : candidates) {
      run.catchUp(now, timing, rule);
      boolean inScope = experimentId.isEmpty() ? !access.multiUser() || run.namespace.equals(namespace)
          : run.experimentId.equals(experimentId);
      if (inScope && filter.matches(run)) {
        matching.add(run);
      }
    }
    matching.sort(order.comparator());
    int start = 0;
    if (token != null) {
      while (start < matching.size()
          && order.compareToPosition(matching.get(start), token.sortValue(), token.runId()) < 0) {
        start++;
      }
    }
    int end = Math.min(matching.size(), start + pageSize);
    ObjectNode response = RunJson.NODES.objectNode();
    if (end > start) {
      ArrayNode page = response.putArray("runs");
      matching.subList(start, end).forEach(run -> page.add(RunJson.render(run)));
    }
    if (!matching.isEmpty()) {
      response.put("total_size", matching.size());
    }
    if (end < matching.size()) {
      if (order.field().breaksPaging()) {
        throw ApiError.invalidInput(context, "cannot sort by field \"" + order.field().unpageableColumn()
            + "\" on type \"Run\"");
      }
      StoredRun next = matching.get(end);
      response.put("next_page_token",
          new PageToken(order, order.field().valueOf(next), next.runId, filter.canonical()).encode());
    }
    return response;
  }

  static int pageSize(Integer requested) {
    if (requested == null || requested == 0) {
      return DEFAULT_PAGE_SIZE;
    }
    if (requested < 0) {
      throw ApiError.invalidInput("Failed to create list options",
          "The page size should be greater than 0. Got " + requested);
    }
    return Math.min(requested, MAX_PAGE_SIZE);
  }

  synchronized ObjectNode experiment(String experimentId, String authorization) {
    Experiment experiment = experiments.get(experimentId);
    if (experiment == null) {
      throw ApiError.notFound("Failed to get an experiment", "Experiment", experimentId);
    }
    if (access.multiUser()) {
      access.check(authorization, experiment.namespace(), "get");
    }
    ObjectNode json = RunJson.NODES.objectNode();
    json.put("experiment_id", experiment.experimentId());
    json.put("display_name", experiment.displayName());
    if (experimentId.equals(defaultExperimentId)) {
      json.put("description", "All runs created without specifying an experiment will be grouped here.");
    }
    if (!experiment.namespace().isEmpty()) {
      json.put("namespace", experiment.namespace());
    }
    json.put("created_at", RunJson.timestamp(experiment.createdAt()));
    json.put("storage_state", experiment.storageState().name());
    json.put("last_run_created_at", RunJson.timestamp(experiment.lastRunCreatedAt()));
    return json;
  }

  /** Per-run calls look the run up before authenticating: an unknown run is 404 even without credentials. */
  private StoredRun authorizedRun(String runId, String authorization, String verb, String context) {
    StoredRun run = runs.get(runId);
    if (run == null) {
      throw ApiError.notFound(context + ": Failed to fetch run " + runId, "Run", runId);
    }
    access.check(authorization, run.namespace, verb);
    run.catchUp(clock.now(), timing, rule);
    return run;
  }

  // ---- the Java API for tests and the command ----

  synchronized Experiment registerExperiment(String displayName, String namespace) {
    Experiment experiment = new Experiment(UUID.randomUUID().toString(), displayName, namespace,
        StorageState.AVAILABLE, clock.now(), null);
    experiments.put(experiment.experimentId(), experiment);
    return experiment;
  }

  /** Archives the experiment and, as KFP does, all its runs. */
  synchronized void archiveExperiment(String experimentId) {
    Experiment experiment = requireExperiment(experimentId);
    experiments.put(experimentId, experiment.withStorageState(StorageState.ARCHIVED));
    runs.values().stream().filter(r -> r.experimentId.equals(experimentId))
        .forEach(r -> r.storageState = StorageState.ARCHIVED);
  }

  /** Unarchives the experiment only; its runs stay archived, as in KFP. */
  synchronized void unarchiveExperiment(String experimentId) {
    experiments.put(experimentId, requireExperiment(experimentId).withStorageState(StorageState.AVAILABLE));
  }

  private Experiment requireExperiment(String experimentId) {
    Experiment experiment = experiments.get(experimentId);
    if (experiment == null) {
      throw new IllegalArgumentException("no experiment " + experimentId);
    }
    return experiment;
  }

  synchronized Optional<Experiment> findExperiment(String experimentId) {
    return Optional.ofNullable(experiments.get(experimentId));
  }

  PipelineStore pipelines() {
    return pipelines;
  }

  synchronized List<RunSnapshot> snapshots() {
    Instant now = clock.now();
    List<RunSnapshot> all = new ArrayList<>();
    for (StoredRun run : runs.values()) {
      run.catchUp(now, timing, rule);
      all.add(RunSnapshot.of(run));
    }
    all.sort((a, b) -> a.createdAt().equals(b.createdAt()) ? a.runId().compareTo(b.runId())
        : a.createdAt().compareTo(b.createdAt()));
    return all;
  }

  synchronized Optional<RunSnapshot> snapshot(String runId) {
    StoredRun run = runs.get(runId);
    if (run == null) {
      return Optional.empty();
    }
    run.catchUp(clock.now(), timing, rule);
    return Optional.of(RunSnapshot.of(run));
  }

  synchronized int count() {
    return runs.size();
  }

  synchronized void clearRuns() {
    runs.clear();
  }
}
