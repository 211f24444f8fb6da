package dev.kfp.operator.reconciler;

import java.net.URI;
import java.time.Duration;

/**
 * What the reconciler needs from the operator's configuration.
 *
 * @param pollInterval how often an active run is read from KFP
 * @param resyncInterval how often a finished run is re-read; also the longest wait after a KFP error
 * @param uiBaseUrl KFP UI base URL for {@code status.runUrl}, or null
 * @param checkExperimentNamespace true when KFP is multi-user (authenticated modes): before creating, the
 *     operator checks that the Run's experiment belongs to the Run's namespace
 */
public record ReconcilerSettings(Duration pollInterval, Duration resyncInterval, URI uiBaseUrl,
    boolean checkExperimentNamespace) {

  public ReconcilerSettings(Duration pollInterval, Duration resyncInterval, URI uiBaseUrl) {
    this(pollInterval, resyncInterval, uiBaseUrl, false);
  }
}
