package dev.kfp.operator.simulator;

/** Shared test data: small request bodies. */
final class SimulatorFixture {

  private SimulatorFixture() {}

  /** A create body referencing a pipeline (latest version), with extra JSON members appended. */
  static String runOf(String displayName, String pipelineId, String extra) {
    return "{\"display_name\":\"" + displayName + "\",\"pipeline_version_reference\":{\"pipeline_id\":\""
        + pipelineId + "\"}" + (extra.isEmpty() ? "" : "," + extra) + "}";
  }
}
