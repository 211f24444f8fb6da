package dev.kfp.operator.api;

/** What a {@link RunSchedule} does when a slot comes while one of its Runs is still active. */
public enum ConcurrencyPolicy {
  /** Creates the new Run; Runs may overlap. */
  Allow,
  /** Skips the slot (an event says so); the active Run goes on. */
  Forbid,
  /** Terminates the active Runs through their terminate annotation, then creates the new Run. */
  Replace
}
