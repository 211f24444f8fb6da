package dev.kfp.operator.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Shared test data: compiled pipelines from KFP's repository and small request bodies. */
final class SimulatorFixture {

  private SimulatorFixture() {}

  /** The compiled pipeline {@code /kfp/pipelines/<name>} (test resources). */
  static String pipeline(String name) {
    try (InputStream in = SimulatorFixture.class.getResourceAsStream("/kfp/pipelines/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A create body referencing a pipeline (latest version), with extra JSON members appended. */
  static String runOf(String displayName, String pipelineId, String extra) {
    return "{\"display_name\":\"" + displayName + "\",\"pipeline_version_reference\":{\"pipeline_id\":\""
        + pipelineId + "\"}" + (extra.isEmpty() ? "" : "," + extra) + "}";
  }
}
