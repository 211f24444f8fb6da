package dev.kfp.operator.kfp;

import java.util.stream.Stream;

/**
 * The nine calls of KFP's v2beta1 runs service. Every method throws {@link KfpException} when KFP answers
 * with an error or cannot be reached.
 */
public interface KfpClient {

  /** POST /apis/v2beta1/runs: creates a run. Not idempotent: a lost response may still have created it. */
  KfpRun createRun(KfpRun run);

  KfpRun getRun(String runId);

  /** One page of runs. */
  ListRunsResponse listRuns(ListRunsRequest request);

  /** Every run matching the request, following page tokens lazily. */
  Stream<KfpRun> listAllRuns(ListRunsRequest request);

  void archiveRun(String runId);

  void unarchiveRun(String runId);

  void terminateRun(String runId);

  void retryRun(String runId);

  void deleteRun(String runId);

  /** An output artifact of one node of the run, e.g. {@code main-logs}. */
  ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName);
}
