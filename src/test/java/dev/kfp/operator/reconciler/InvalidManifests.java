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
 * line says {@code # expect: <text the condition message must contain>}. A file the real API server refuses
 * already (CRD schema or CEL rule) says so on a second line, {@code # api-server: <text its refusal contains>};
 * the operator still refuses it where no such server stands in front (the mock, {@code crd.install=false}).
 */
public final class InvalidManifests {

  /** One invalid manifest and the message fragment it must produce. */
  public record Case(String file, Run run, String expectedMessage, Optional<String> apiServerRefusal) {
    @Override
    public String toString() {
      return file;
    }
  }

  private static final String API_SERVER = "# api-server: ";

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
      Run run = Serialization.unmarshal(text, Run.class);
      Optional<String> apiServer = text.lines().skip(1).findFirst().filter(line -> line.startsWith(API_SERVER))
          .map(line -> line.substring(API_SERVER.length()));
      return new Case(file.getFileName().toString(), run, first.substring("# expect: ".length()), apiServer);
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
