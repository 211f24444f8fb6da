package dev.kfp.operator.reconciler;

import java.net.URI;
import java.time.Duration;

/**
 * What the reconciler needs from the operator's configuration.
 *
 * @param pollInterval how often an active run is read from KFP
 * @param resyncInterval how often a finished run is re-read; also bounds the wait after a KFP error
 * @param uiBaseUrl KFP UI base URL for {@code status.runUrl}, or null
 * @param pollsEachRun true: every reconcile reschedules itself to read its run again (per-run sync); false: a
 *     status-sync event source triggers a reconcile when KFP changes, so a reconcile reschedules only to
 *     retry after an error
 * @param checkExperimentNamespace true when KFP is multi-user (authenticated modes): before creating, the
 *     operator checks that the Run's experiment belongs to the Run's namespace
 */
public record ReconcilerSettings(Duration pollInterval, Duration resyncInterval, URI uiBaseUrl,
    boolean pollsEachRun, boolean checkExperimentNamespace) {

  /** Settings for single-user KFP, where experiments have no namespace to check. */
  public ReconcilerSettings(Duration pollInterval, Duration resyncInterval, URI uiBaseUrl, boolean pollsEachRun) {
    this(pollInterval, resyncInterval, uiBaseUrl, pollsEachRun, false);
  }
}
