package dev.kfp.operator.reconciler.phase;

import dev.kfp.operator.kfp.KfpClientConfig;
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
 * @param createWindow how long a create the operator sent may still be running in KFP; see
 *     {@link #createWindowFor(KfpClientConfig)} and docs/developing/exactly-once.md
 * @param ttlSecondsAfterFinished the {@code spec.ttlSecondsAfterFinished} of Runs that leave it out, or null
 *     for none (such Runs are kept)
 */
public record ReconcilerSettings(Duration pollInterval, Duration resyncInterval, URI uiBaseUrl,
    boolean pollsEachRun, boolean checkExperimentNamespace, Duration createWindow, Long ttlSecondsAfterFinished) {

  public ReconcilerSettings {
    if (createWindow == null || createWindow.isNegative() || createWindow.isZero()) {
      throw new IllegalArgumentException("the create window must be positive: " + createWindow);
    }
    if (ttlSecondsAfterFinished != null && ttlSecondsAfterFinished < 0) {
      throw new IllegalArgumentException("the default TTL after finish must be at least 0: " + ttlSecondsAfterFinished);
    }
  }

  /** Settings without a default TTL after finish. */
  public ReconcilerSettings(Duration pollInterval, Duration resyncInterval, URI uiBaseUrl, boolean pollsEachRun,
      boolean checkExperimentNamespace, Duration createWindow) {
    this(pollInterval, resyncInterval, uiBaseUrl, pollsEachRun, checkExperimentNamespace, createWindow, null);
  }

  /** Settings for single-user KFP, where experiments have no namespace to check. */
  public ReconcilerSettings(Duration pollInterval, Duration resyncInterval, URI uiBaseUrl, boolean pollsEachRun) {
    this(pollInterval, resyncInterval, uiBaseUrl, pollsEachRun, false, createWindowFor(KfpClientConfig.DEFAULT_CONNECT_TIMEOUT,
        KfpClientConfig.DEFAULT_READ_TIMEOUT));
  }

  /** These settings with another create window. */
  public ReconcilerSettings withCreateWindow(Duration window) {
    return new ReconcilerSettings(pollInterval, resyncInterval, uiBaseUrl, pollsEachRun, checkExperimentNamespace,
        window, ttlSecondsAfterFinished);
  }

  /** These settings with another default {@code spec.ttlSecondsAfterFinished} (null: none). */
  public ReconcilerSettings withTtlSecondsAfterFinished(Long seconds) {
    return new ReconcilerSettings(pollInterval, resyncInterval, uiBaseUrl, pollsEachRun, checkExperimentNamespace,
        createWindow, seconds);
  }

  /**
   * The create window for a KFP client: twice what the client waits for an answer (connect plus read timeout).
   * A create the client gave up on is still being handled by KFP for a while; KFP itself puts no deadline on
   * it, so this is a bound chosen, not one KFP guarantees: a create that KFP takes longer than the window to
   * store can still be repeated (docs/developing/exactly-once.md, limits).
   */
  public static Duration createWindowFor(KfpClientConfig kfp) {
    return createWindowFor(kfp.connectTimeout(), kfp.readTimeout());
  }

  public static Duration createWindowFor(Duration connectTimeout, Duration readTimeout) {
    return connectTimeout.plus(readTimeout).multipliedBy(2);
  }
}
