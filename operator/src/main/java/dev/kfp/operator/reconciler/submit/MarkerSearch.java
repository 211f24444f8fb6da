package dev.kfp.operator.reconciler.submit;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpClientProvider;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.RunFilter;
import dev.kfp.operator.reconciler.status.StatusRecorder;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the KFP run created for a Run by the marker its description carries: how a create whose answer was
 * lost is found again (by the submitter, before any create, and by the cleanup). When several carry it, the
 * oldest is the Run's.
 */
public final class MarkerSearch {

  private static final Logger LOG = LoggerFactory.getLogger(MarkerSearch.class);

  private final KfpClientProvider kfp;

  public MarkerSearch(KfpClientProvider kfp) {
    this.kfp = kfp;
  }

  public Optional<KfpRun> find(Run run, String experimentId) {
    SubmissionMarker marker = SubmissionMarker.of(run);
    String namespace = run.getMetadata().getNamespace();
    ListRunsRequest query = ListRunsRequest.all()
        .withNamespace(namespace)
        .withExperimentId(experimentId)
        .withPageSize(100)
        .withFilter(RunFilter.builder().substring("description", marker.searchKey()).build());
    List<KfpRun> carriers = kfp.forNamespace(namespace).listAllRuns(query).filter(marker::isCarriedBy).toList();
    if (carriers.size() > 1) {
      LOG.warn("{}: {} KFP runs carry this object's marker; adopting the oldest", StatusRecorder.ref(run),
          carriers.size());
    }
    return carriers.stream()
        .min(Comparator.comparing(KfpRun::createdAt, Comparator.nullsLast(Comparator.naturalOrder())));
  }
}
