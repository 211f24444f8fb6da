package dev.kfp.operator.kfp;

import java.util.Objects;

/**
 * Query of ListPipelineVersions: the pipeline's versions, one page at a time. {@code pageSize} 0 lets KFP pick
 * (20); KFP sorts by {@code created_at}, oldest first, unless {@code sortBy} says otherwise.
 */
public record ListPipelineVersionsRequest(String pipelineId, String pageToken, int pageSize, String sortBy,
    RunFilter filter) {

  public ListPipelineVersionsRequest {
    Objects.requireNonNull(pipelineId, "pipelineId");
  }

  /** Every version of the pipeline. */
  public static ListPipelineVersionsRequest of(String pipelineId) {
    return new ListPipelineVersionsRequest(pipelineId, null, 0, null, null);
  }

  /** The versions whose display name is exactly {@code displayName}. */
  public static ListPipelineVersionsRequest named(String pipelineId, String displayName) {
    return of(pipelineId).withFilter(RunFilter.builder().equalTo("display_name", displayName).build());
  }

  public ListPipelineVersionsRequest withPageToken(String value) {
    return new ListPipelineVersionsRequest(pipelineId, value, pageSize, sortBy, filter);
  }

  public ListPipelineVersionsRequest withPageSize(int value) {
    return new ListPipelineVersionsRequest(pipelineId, pageToken, value, sortBy, filter);
  }

  public ListPipelineVersionsRequest withSortBy(String value) {
    return new ListPipelineVersionsRequest(pipelineId, pageToken, pageSize, value, filter);
  }

  public ListPipelineVersionsRequest withFilter(RunFilter value) {
    return new ListPipelineVersionsRequest(pipelineId, pageToken, pageSize, sortBy, value);
  }
}
