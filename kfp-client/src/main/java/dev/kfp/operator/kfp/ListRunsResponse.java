package dev.kfp.operator.kfp;

import java.util.List;

/** One page of a list call; KFP omits empty fields, so the client turns absence into empty values. */
public record ListRunsResponse(List<KfpRun> runs, int totalSize, String nextPageToken) {

  public ListRunsResponse {
    runs = runs == null ? List.of() : List.copyOf(runs);
  }

  public boolean hasNextPage() {
    return nextPageToken != null && !nextPageToken.isEmpty();
  }
}
