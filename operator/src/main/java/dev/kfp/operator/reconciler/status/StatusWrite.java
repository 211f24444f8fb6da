package dev.kfp.operator.reconciler.status;

/**
 * Writes the Run's status as it is now, in the middle of a reconcile (the submission claim, before the
 * create). {@link StatusWriter} is the one implementation that reaches Kubernetes.
 */
@FunctionalInterface
public interface StatusWrite {

  StatusWriter.Outcome write();
}
