package dev.kfp.operator.kfp;

/**
 * Query of a list call. Every field is optional; {@code pageSize} 0 lets the server pick (20), and KFP caps it
 * at 200.
 */
public record ListRunsRequest(
    String namespace, String experimentId, String pageToken, int pageSize, String sortBy, RunFilter filter) {

  public static ListRunsRequest all() {
    return new ListRunsRequest(null, null, null, 0, null, null);
  }

  public ListRunsRequest withNamespace(String value) {
    return new ListRunsRequest(value, experimentId, pageToken, pageSize, sortBy, filter);
  }

  public ListRunsRequest withExperimentId(String value) {
    return new ListRunsRequest(namespace, value, pageToken, pageSize, sortBy, filter);
  }

  public ListRunsRequest withPageToken(String value) {
    return new ListRunsRequest(namespace, experimentId, value, pageSize, sortBy, filter);
  }

  public ListRunsRequest withPageSize(int value) {
    return new ListRunsRequest(namespace, experimentId, pageToken, value, sortBy, filter);
  }

  public ListRunsRequest withSortBy(String value) {
    return new ListRunsRequest(namespace, experimentId, pageToken, pageSize, value, filter);
  }

  public ListRunsRequest withFilter(RunFilter value) {
    return new ListRunsRequest(namespace, experimentId, pageToken, pageSize, sortBy, value);
  }
}
