package dev.kfp.operator.architecture;

import dev.kfp.operator.SourceTree;
import java.util.ArrayList;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Cross-cutting behaviour around KFP calls (metrics, circuit breaking, hand-offs between components) is a
 * listener of the one execute path or a JOSDK secondary resource, never a class that implements
 * {@link KfpClient} to forward its methods: in main code, {@link HttpKfpClient} is the only implementation.
 */
class KfpClientImplementationsTest {

  /** A class declaring that it implements KfpClient, or an anonymous KfpClient. */
  private static final Pattern IMPLEMENTS = Pattern.compile(
      "implements\\s+(?:[\\w.]+\\s*,\\s*)*(?:dev\\.kfp\\.operator\\.kfp\\.)?KfpClient\\b(?!Provider)"
          + "|new\\s+(?:dev\\.kfp\\.operator\\.kfp\\.)?KfpClient\\s*\\(");

  @Test
  void theHttpClientIsTheOnlyKfpClientInMainCode() throws IOException {
    List<String> implementations = new ArrayList<>();
    for (Path root : SourceTree.mainRoots()) {
      SourceTree.javaFiles(root).stream().filter(f -> IMPLEMENTS.matcher(read(f)).find())
          .forEach(f -> implementations.add(root.relativize(f).toString()));
    }
    assertThat(implementations).containsExactly("dev/kfp/operator/kfp/HttpKfpClient.java");
  }

  @Test
  void thePatternFindsAForwardingClassAndIgnoresAProvider() {
    assertThat(IMPLEMENTS.matcher("final class Metered implements KfpClient {").find()).isTrue();
    assertThat(IMPLEMENTS.matcher("class X implements AutoCloseable, KfpClient {").find()).isTrue();
    assertThat(IMPLEMENTS.matcher("return new KfpClient() {").find()).isTrue();
    assertThat(IMPLEMENTS.matcher("class Y implements KfpClientProvider, AutoCloseable {").find()).isFalse();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
