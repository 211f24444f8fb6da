package dev.kfp.operator.kfp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The nine calls of KFP's v2beta1 runs service, and the experiment and pipeline reads the submission needs. Every
 * method throws {@link KfpException} when KFP answers with an error or cannot be reached.
 */
public interface KfpClient {

  /** POST /apis/v2beta1/runs: creates a run. Not idempotent: a lost response may still have created it. */
  KfpRun createRun(KfpRun run);

  KfpRun getRun(String runId);

  /** One page of runs. */
  ListRunsResponse listRuns(ListRunsRequest request);

  /**
   * Every run matching the request, following page tokens lazily: pages are fetched through
   * {@link #listRuns} as the stream is consumed, so every page is a call of its own (metered, guarded). Every call
   * repeats the request's page size (the token does not carry it; KFP would fall back to 20), sort and filter
   * (KFP checks them against the token).
   */
  default Stream<KfpRun> listAllRuns(ListRunsRequest request) {
    Objects.requireNonNull(request, "request");
    Iterator<ListRunsResponse> pages = new Iterator<>() {
      private ListRunsResponse last;

      @Override
      public boolean hasNext() {
        return last == null || last.hasNextPage();
      }

      @Override
      public ListRunsResponse next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        String token = last == null ? request.pageToken() : last.nextPageToken();
        ListRunsResponse page = listRuns(request.withPageToken(token));
        if (page.hasNextPage() && page.nextPageToken().equals(token)) {
          throw new KfpException(KfpOperation.LIST_RUNS.grpcName(), 200, null,
              "KFP returned the same page token twice: " + token, false, null);
        }
        last = page;
        return page;
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pages, Spliterator.ORDERED), false)
        .flatMap(page -> page.runs().stream());
  }

  void archiveRun(String runId);

  void unarchiveRun(String runId);

  void terminateRun(String runId);

  void retryRun(String runId);

  void deleteRun(String runId);

  /**
   * GET /apis/v2beta1/experiments/{id} (the experiment service): used to check which namespace an experiment
   * belongs to before creating a run in it.
   */
  KfpExperiment getExperiment(String experimentId);

  /**
   * GET /apis/v2beta1/pipelines/names/{name} (the pipeline service): the pipeline of that name. KFP ignores
   * {@code namespace} in single-user mode and requires it in multi-user mode; an unknown name is a 404.
   */
  KfpPipeline getPipelineByName(String name, String namespace);

  /** GET /apis/v2beta1/pipelines/{pipeline_id}/versions: one page of a pipeline's versions. */
  ListPipelineVersionsResponse listPipelineVersions(ListPipelineVersionsRequest request);

  /** An output artifact of one node of the run, e.g. {@code main-logs}; held in memory, for small artifacts. */
  ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName);

  /**
   * The end of the log in a log artifact of one node (a gzipped tar as Argo stores {@code main-logs}): the last
   * lines within {@code limits}. An artifact that arrives but cannot be unpacked is a {@link KfpException} with
   * HTTP status 200 and the reason as its message. This default reads the whole artifact through
   * {@link #readArtifact}; the HTTP client streams it instead.
   */
  default LogTail readArtifactTail(String runId, String nodeId, String artifactName, LogTailLimits limits) {
    ReadArtifactResponse artifact = readArtifact(runId, nodeId, artifactName);
    try {
      return LogArchive.tail(new ByteArrayInputStream(artifact.data()), limits);
    } catch (IOException e) {
      throw KfpOperation.READ_ARTIFACT.unreadableArtifact(e);
    }
  }
}
