package dev.kfp.operator.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The demo pipeline the simulator command registers, and the simulator's tests use: a compiled KFP IR YAML. */
public final class DemoPipeline {

  private DemoPipeline() {}

  /** The pipeline spec as YAML text. */
  public static String yaml() {
    try (InputStream in = DemoPipeline.class.getResourceAsStream("demo-pipeline.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
