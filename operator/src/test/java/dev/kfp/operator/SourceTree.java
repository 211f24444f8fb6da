package dev.kfp.operator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The repository's Java sources across its Maven modules, as the root pom lists them. Tests run in the repository's
 * root (Surefire's working directory), so the paths are relative to it: {@code operator/src/main/java}.
 */
public final class SourceTree {

  private static final Pattern MODULE = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>");

  private SourceTree() {}

  /** The modules, in the root pom's order. */
  public static List<String> modules() {
    List<String> modules = new ArrayList<>();
    Matcher m = MODULE.matcher(read(Path.of("pom.xml")));
    while (m.find()) {
      modules.add(m.group(1));
    }
    return modules;
  }

  /** Every module's {@code src/main/java}, the code that is compiled into the module's jar. */
  public static List<Path> mainRoots() {
    return roots("main");
  }

  /** Every module's {@code src/main/java} and {@code src/test/java}. */
  public static List<Path> allRoots() {
    List<Path> roots = new ArrayList<>(roots("main"));
    roots.addAll(roots("test"));
    return roots;
  }

  /** The {@code .java} files under {@code root}. */
  public static List<Path> javaFiles(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> roots(String kind) {
    return modules().stream().map(m -> Path.of(m, "src", kind, "java")).filter(Files::isDirectory).toList();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
