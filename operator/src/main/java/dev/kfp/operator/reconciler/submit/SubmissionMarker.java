package dev.kfp.operator.reconciler.submit;

import dev.kfp.operator.api.Run;
import dev.kfp.operator.kfp.KfpRun;

/**
 * The line the operator appends to a KFP run's description so it can find the run again: KFP's create is not
 * idempotent and runs have no labels. It names the object's namespace, name and UID; only a run carrying
 * exactly this object's marker is ever adopted.
 */
public record SubmissionMarker(String namespace, String name, String uid) {

  private static final String PREFIX = "[kfp-run-operator ";

  public static SubmissionMarker of(Run run) {
    return new SubmissionMarker(run.getMetadata().getNamespace(), run.getMetadata().getName(),
        run.getMetadata().getUid());
  }

  /** The marker text, e.g. {@code [kfp-run-operator team-a/train uid=2c0f...]}. */
  public String text() {
    return PREFIX + namespace + "/" + name + " uid=" + uid + "]";
  }

  /** The part a list filter searches for (IS_SUBSTRING); unique because UIDs are. */
  public String searchKey() {
    return "uid=" + uid + "]";
  }

  /** The description sent to KFP: the user's description, then the marker on a line of its own. */
  public String describe(String userDescription) {
    return userDescription == null || userDescription.isEmpty() ? text() : userDescription + "\n" + text();
  }

  /** True only when the run's description ends with exactly this marker. */
  public boolean isCarriedBy(KfpRun run) {
    String description = run.description();
    return description != null && (description.equals(text()) || description.endsWith("\n" + text()));
  }
}
