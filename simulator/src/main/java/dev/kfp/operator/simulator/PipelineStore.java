package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The simulated KFP's pipelines and their versions, and the two reads of KFP's pipeline service the operator
 * makes: GetPipelineByName and ListPipelineVersions (filter, sort by a version column, keyset paging with KFP's
 * page tokens). Thread-safe: one lock, short operations.
 */
final class PipelineStore {

  /** A stored pipeline: {@code name} is what GetPipelineByName matches; namespace empty for a shared one. */
  record Pipeline(String pipelineId, String name, String namespace, Instant createdAt) {}

  /** The pipeline version columns KFP lets a list filter and sort by (model/pipeline_version.go). */
  static final ListFilter.Columns<PipelineVersion> VERSION_COLUMNS = new ListFilter.Columns<>() {
    @Override
    public String column(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "id", "pipeline_version_id" -> "pipeline_version_id";
        case "name", "display_name", "created_at", "description", "status" -> name.toLowerCase(Locale.ROOT);
        default -> null;
      };
    }

    @Override
    public Object valueOf(PipelineVersion version, String column) {
      return switch (column) {
        case "pipeline_version_id" -> version.pipelineVersionId();
        case "name", "display_name" -> version.displayName();
        case "created_at" -> version.createdAt().getEpochSecond();
        case "status" -> "READY";
        default -> "";
      };
    }
  };

  private static final String LIST_CONTEXT = "Failed to create list options";

  private final SimulatorClock clock;
  private final AccessPolicy access;
  private final Map<String, Pipeline> pipelines = new LinkedHashMap<>();
  private final Map<String, List<PipelineVersion>> versionsByPipeline = new LinkedHashMap<>();
  private final Map<String, PipelineVersion> versions = new HashMap<>();

  PipelineStore(SimulatorClock clock, AccessPolicy access) {
    this.clock = clock;
    this.access = access;
  }

  synchronized Optional<PipelineVersion> version(String versionId) {
    return Optional.ofNullable(versions.get(versionId));
  }

  /** The version KFP runs for a pipeline id without a version id: the newest. */
  synchronized Optional<PipelineVersion> latestVersion(String pipelineId) {
    List<PipelineVersion> all = versionsByPipeline.get(pipelineId);
    return all == null || all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** Adds a version to a pipeline (a new shared pipeline when {@code pipelineId} is null); it becomes the latest. */
  synchronized PipelineVersion register(String pipelineId, String displayName, JsonNode spec) {
    if (pipelineId != null && !pipelines.containsKey(pipelineId)) {
      throw new IllegalArgumentException("no pipeline " + pipelineId);
    }
    return register(pipelineId == null ? UUID.randomUUID().toString() : pipelineId, UUID.randomUUID().toString(),
        displayName, spec);
  }

  /** A version with ids of the caller's; a new shared pipeline named {@code displayName} if the id is new. */
  synchronized PipelineVersion register(String pipelineId, String versionId, String displayName, JsonNode spec) {
    return register("", pipelineId, versionId, displayName, displayName, spec);
  }

  /** A new pipeline of a namespace (multi-user KFP) with its first version, both named {@code name}. */
  synchronized PipelineVersion registerInNamespace(String namespace, String name, JsonNode spec) {
    return register(namespace, UUID.randomUUID().toString(), UUID.randomUUID().toString(), name, name, spec);
  }

  private PipelineVersion register(String namespace, String pipelineId, String versionId, String pipelineName,
      String displayName, JsonNode spec) {
    if (versions.containsKey(versionId)) {
      throw new IllegalArgumentException("pipeline version " + versionId + " exists already");
    }
    PipelineInputs.of(spec, "Invalid pipeline spec for " + displayName);
    Instant now = clock.now();
    pipelines.computeIfAbsent(pipelineId, id -> new Pipeline(id, pipelineName, namespace, now));
    PipelineVersion version = new PipelineVersion(pipelineId, versionId, displayName, RunJson.normalizeValue(spec),
        now);
    versionsByPipeline.computeIfAbsent(pipelineId, p -> new ArrayList<>()).add(version);
    versions.put(versionId, version);
    return version;
  }

  /**
   * GetPipelineByName. Single-user KFP ignores the namespace and answers the newest pipeline of that name; in
   * multi-user mode the caller must be allowed in the namespace, and only that namespace's pipelines match.
   */
  synchronized ObjectNode byName(String name, String namespace, String authorization) {
    String effective = access.multiUser() ? namespace : "";
    String context = "Failed to get a pipeline with name " + name + " and namespace " + effective
        + ". Check error stack.: Failed to get a pipeline named " + name + " in namespace " + effective;
    if (!effective.isEmpty()) {
      access.check(authorization, effective, "get");
    }
    Pipeline pipeline = pipelines.values().stream()
        .filter(p -> p.name().equals(name) && (effective.isEmpty() || p.namespace().equals(effective)))
        .max(Comparator.comparing(Pipeline::createdAt))
        .orElseThrow(() -> ApiError.notFound(context, "Namespace/Pipeline", effective + "/" + name));
    ObjectNode json = RunJson.NODES.objectNode();
    json.put("pipeline_id", pipeline.pipelineId());
    json.put("name", pipeline.name());
    json.put("display_name", pipeline.name());
    json.put("created_at", RunJson.timestamp(pipeline.createdAt()));
    if (!pipeline.namespace().isEmpty()) {
      json.put("namespace", pipeline.namespace());
    }
    return json;
  }

  /** ListPipelineVersions: KFP's list options (page size 20 by default, at most 200), then the pipeline. */
  synchronized ObjectNode listVersions(String pipelineId, ListRequest request, String authorization) {
    PageToken token = request.pageToken().isEmpty() ? null : PageToken.decode(request.pageToken());
    int pageSize = RunStore.pageSize(request.pageSize());
    VersionOrder order = request.sortBy().isEmpty() ? null : VersionOrder.parse(request.sortBy());
    ListFilter filter = request.filter().isEmpty() ? null
        : ListFilter.fromQueryParameter(request.filter(), VERSION_COLUMNS);
    if (token != null) {
      VersionOrder tokenOrder = VersionOrder.of(token);
      if ((order != null && !order.equals(tokenOrder))
          || (filter != null && !filter.canonical().equals(token.filter()))) {
        throw ApiError.invalidInput(LIST_CONTEXT, "page token does not match the supplied sort by and/or "
            + "filtering criteria. Either specify the same criteria or leave the latter empty if page token is "
            + "specified");
      }
      order = tokenOrder;
      filter = ListFilter.fromCanonical(token.filter(), VERSION_COLUMNS);
    }
    VersionOrder sort = order == null ? VersionOrder.DEFAULT : order;
    ListFilter matching = filter == null ? ListFilter.NONE : filter;
    Pipeline pipeline = pipelines.get(pipelineId);
    if (pipeline == null) {
      throw ApiError.notFound("Failed to list pipeline versions for pipeline " + pipelineId + ": Failed to list "
          + "pipeline versions due to error fetching the namespace for pipeline " + pipelineId, "Pipeline",
          pipelineId);
    }
    if (access.multiUser() && !pipeline.namespace().isEmpty()) {
      access.check(authorization, pipeline.namespace(), "list");
    }
    List<PipelineVersion> rows = versionsByPipeline.get(pipelineId).stream()
        .filter(v -> matching.matches(VERSION_COLUMNS, v))
        .sorted(sort.comparator())
        .toList();
    int start = 0;
    if (token != null) {
      while (start < rows.size() && sort.compareToPosition(rows.get(start), token.sortValue(), token.runId()) < 0) {
        start++;
      }
    }
    int end = Math.min(rows.size(), start + pageSize);
    ObjectNode response = RunJson.NODES.objectNode();
    if (end > start) {
      ArrayNode page = response.putArray("pipeline_versions");
      rows.subList(start, end).forEach(version -> page.add(render(version)));
    }
    if (!rows.isEmpty()) {
      response.put("total_size", rows.size());
    }
    if (end < rows.size()) {
      PipelineVersion next = rows.get(end);
      response.put("next_page_token", new PageToken(sort.column(), sort.descending(),
          VERSION_COLUMNS.valueOf(next, sort.column()), next.pipelineVersionId(), matching.canonical()).encode());
    }
    return response;
  }

  private static ObjectNode render(PipelineVersion version) {
    ObjectNode json = RunJson.NODES.objectNode();
    json.put("pipeline_id", version.pipelineId());
    json.put("pipeline_version_id", version.pipelineVersionId());
    json.put("name", version.displayName());
    json.put("display_name", version.displayName());
    json.put("created_at", RunJson.timestamp(version.createdAt()));
    json.set("pipeline_spec", version.spec().deepCopy());
    return json;
  }

  /** A version list's order: one column, a direction, and the version id as tie-breaker. */
  record VersionOrder(String column, boolean descending) {

    static final VersionOrder DEFAULT = new VersionOrder("created_at", false);

    static VersionOrder parse(String sortBy) {
      String[] parts = sortBy.trim().split("\\s+");
      String direction = parts.length == 2 ? parts[1].toLowerCase(Locale.ROOT) : "asc";
      String column = parts.length > 2 ? null : VERSION_COLUMNS.column(parts[0]);
      if (column == null || !(direction.equals("asc") || direction.equals("desc"))) {
        throw ApiError.invalidInput(LIST_CONTEXT, "Invalid sorting field: \"" + sortBy
            + "\" on listable type PipelineVersion");
      }
      return new VersionOrder(column, direction.equals("desc"));
    }

    static VersionOrder of(PageToken token) {
      String column = VERSION_COLUMNS.column(token.sortField());
      if (column == null) {
        throw ApiError.invalidInput(LIST_CONTEXT, "Invalid page token");
      }
      return new VersionOrder(column, token.descending());
    }

    Comparator<PipelineVersion> comparator() {
      Comparator<PipelineVersion> ascending = (a, b) -> {
        int byValue = RunField.compare(VERSION_COLUMNS.valueOf(a, column), VERSION_COLUMNS.valueOf(b, column));
        return byValue != 0 ? byValue : a.pipelineVersionId().compareTo(b.pipelineVersionId());
      };
      return descending ? ascending.reversed() : ascending;
    }

    int compareToPosition(PipelineVersion version, Object sortValue, String versionId) {
      int byValue = RunField.compare(VERSION_COLUMNS.valueOf(version, column), sortValue);
      int result = byValue != 0 ? byValue : version.pipelineVersionId().compareTo(versionId);
      return descending ? -result : result;
    }
  }
}
