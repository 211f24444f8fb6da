package dev.kfp.operator.reconciler.status;

import dev.kfp.operator.api.Run;

/** Where the reconciler's events about a Run go; {@link EventRecorder} sends them to Kubernetes. */
public interface RunEvents {

  /** Something the operator did. */
  void normal(Run run, String reason, String message);

  /** Something the user should look at. */
  void warning(Run run, String reason, String message);
}
