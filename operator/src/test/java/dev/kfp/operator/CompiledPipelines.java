package dev.kfp.operator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The test pipelines of {@code src/test/python/pipelines/}, as the KFP SDK compiled them in the test build
 * ({@code generate-test-resources}, on the test classpath under {@code /kfp/pipelines/}).
 */
public final class CompiledPipelines {

  private CompiledPipelines() {}

  /** The compiled IR YAML of {@code src/test/python/pipelines/<name>.py}. */
  public static String yaml(String name) {
    String resource = "/kfp/pipelines/" + name + ".yaml";
    try (InputStream in = CompiledPipelines.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the test classpath: the pipelines are compiled by "
            + "the test build (mvn generate-test-resources, or any later phase without -DskipTests)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
