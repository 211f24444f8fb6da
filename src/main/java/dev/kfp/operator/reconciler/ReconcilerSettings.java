package dev.kfp.operator.reconciler;

import java.net.URI;
import java.time.Duration;

/**
 * What the reconciler needs from the operator's configuration.
 *
 * @param pollInterval how often an active run is read from KFP
 * @param resyncInterval how often a finished run is re-read
 * @param uiBaseUrl KFP UI base URL for {@code status.runUrl}, or null
 * @param pollsEachRun true: every reconcile reschedules itself to read its run again (per-run sync); false: a
 *     status-sync event source triggers a reconcile when KFP changes, so a reconcile reschedules only to
 *     retry after an error
 */
public record ReconcilerSettings(Duration pollInterval, Duration resyncInterval, URI uiBaseUrl,
    boolean pollsEachRun) {}
