package dev.kfp.operator.reconciler;

import dev.kfp.operator.api.Run;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The catalogue of invalid Run manifests in {@code src/test/resources/manifests/invalid/}: each file's first
 * line says {@code # expect: <text the condition message must contain>}. A manifest that a real API server never
 * lets reach the operator says so on its second line: {@code # refused by the CRD: <text of the server's answer>}
 * or {@code # pruned by the API server: <JSON pointer of what the server drops>}. The mock, which has no schema,
 * lets them all through.
 */
public final class InvalidManifests {

  /**
   * One invalid manifest, the message fragment it must produce, and what a real API server does with it instead,
   * if it does not store it as written.
   */
  public record Case(String file, Run run, String expectedMessage, Optional<String> refusedByCrd,
      Optional<String> prunedByServer) {
    @Override
    public String toString() {
      return file;
    }
  }

  private static final String REFUSED = "# refused by the CRD: ";
  private static final String PRUNED = "# pruned by the API server: ";

  private static Optional<String> after(String line, String prefix) {
    return line.startsWith(prefix) ? Optional.of(line.substring(prefix.length())) : Optional.empty();
  }

  private InvalidManifests() {}

  public static Stream<Case> cases() {
    try (Stream<Path> files = Files.list(directory())) {
      return files.filter(f -> f.getFileName().toString().endsWith(".yaml"))
          .filter(f -> !f.getFileName().toString().equals("configmaps.yaml"))
          .sorted()
          .map(InvalidManifests::read)
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ConfigMaps some of the manifests refer to. */
  public static List<ConfigMap> configMaps() {
    try (InputStream in = Files.newInputStream(directory().resolve("configmaps.yaml"))) {
      List<HasMetadata> items = Serialization.unmarshal(in);
      return items.stream().map(ConfigMap.class::cast).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Case read(Path file) {
    try {
      String text = Files.readString(file);
      String first = text.lines().findFirst().orElse("");
      if (!first.startsWith("# expect: ")) {
        throw new IllegalStateException(file + " must start with '# expect: <message fragment>'");
      }
      String second = text.lines().skip(1).findFirst().orElse("");
      Run run = Serialization.unmarshal(text, Run.class);
      return new Case(file.getFileName().toString(), run, first.substring("# expect: ".length()),
          after(second, REFUSED), after(second, PRUNED));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path directory() {
    try {
      return Path.of(InvalidManifests.class.getResource("/manifests/invalid").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
