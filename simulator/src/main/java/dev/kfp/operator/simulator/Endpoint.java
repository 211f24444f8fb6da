package dev.kfp.operator.simulator;

/** What a call to the simulator was for; the unit of call counters and fault targeting. */
public enum Endpoint {
  CREATE_RUN,
  GET_RUN,
  LIST_RUNS,
  ARCHIVE_RUN,
  UNARCHIVE_RUN,
  TERMINATE_RUN,
  RETRY_RUN,
  DELETE_RUN,
  READ_ARTIFACT,
  GET_EXPERIMENT,
  GET_PIPELINE_BY_NAME,
  LIST_PIPELINE_VERSIONS,
  HEALTHZ,
  /** A path or method the API does not have. */
  UNKNOWN
}
