package dev.kfp.operator.kfp;

import java.util.List;

/** One page of ListPipelineVersions; KFP omits empty fields, so absence becomes empty values. */
public record ListPipelineVersionsResponse(List<KfpPipelineVersion> pipelineVersions, int totalSize,
    String nextPageToken) {

  public ListPipelineVersionsResponse {
    pipelineVersions = pipelineVersions == null ? List.of() : List.copyOf(pipelineVersions);
  }

  public boolean hasNextPage() {
    return nextPageToken != null && !nextPageToken.isEmpty();
  }
}
