package dev.kfp.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.SourceTree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package map in docs/developing/architecture.md matches the code: one row per package under src/main/java, and no class
 * reaches a project package its row does not list. Also: every Markdown file the sources, the README and docs/ name
 * exists. The dependency check is a source scan (imports and fully qualified names outside comments), not a
 * compiler's view: a class used only through a same-package name of another package would escape it.
 */
class DocsPackageMapTest {

  private static final String ROOT = "dev.kfp.operator";
  private static final String MAIN = "every module's src/main/java";
  private static final Path ARCHITECTURE = Path.of("docs/developing/architecture.md");
  private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");
  private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.kfp\\.operator((?:\\.[a-z_][a-z0-9_]*)*)\\.(?:[A-Z]|\\*)");
  private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
  private static final Pattern MARKDOWN_FILE = Pattern.compile("(?<![\\w/.:-])([\\w/.-]*[\\w-]\\.md)\\b");

  /** A row of the map: the package's full name and the project packages (full names) it may use. */
  record Row(String pkg, Set<String> mayUse) {}

  @Test
  void everyPackageHasExactlyOneRowAndEveryRowIsAPackage() throws IOException {
    List<String> named = rows().stream().map(Row::pkg).toList();
    assertThat(named).as("packages named twice in " + ARCHITECTURE).doesNotHaveDuplicates();
    Set<String> withoutRow = new TreeSet<>(packages().keySet());
    withoutRow.removeAll(named);
    Set<String> noPackage = new TreeSet<>(named);
    noPackage.removeAll(packages().keySet());
    assertThat(withoutRow).as("packages under " + MAIN + " without a row in " + ARCHITECTURE).isEmpty();
    assertThat(noPackage).as("rows of " + ARCHITECTURE + " naming no package under " + MAIN).isEmpty();
  }

  @Test
  void noProductionPackageUsesTheDevelopmentPackages() throws IOException {
    Set<String> development = Set.of(ROOT + ".sandbox", ROOT + ".simulator", ROOT + ".benchmark", ROOT + ".peers",
        ROOT + ".devtools");
    List<String> problems = new ArrayList<>();
    packages().forEach((pkg, uses) -> {
      if (!development.contains(pkg)) {
        uses.keySet().stream().filter(development::contains)
            .forEach(used -> problems.add(pkg + " uses " + used + " in " + uses.get(used)));
      }
    });
    assertThat(problems).as("production code that would need the development jar").isEmpty();
  }

  /** The packages use each other without a cycle, so each can be read, and moved into a module, on its own. */
  @Test
  void noPackageCycle() throws IOException {
    Map<String, Map<String, Set<String>>> packages = packages();
    List<List<String>> cycles = new ArrayList<>();
    for (String start : packages.keySet()) {
      findCycle(packages, start, new ArrayList<>(List.of(start))).ifPresent(cycles::add);
    }
    assertThat(cycles).as("package cycles (each from its first package)").isEmpty();
  }

  /** A path of uses from the last package of {@code path} back to its first, if there is one. */
  private static java.util.Optional<List<String>> findCycle(Map<String, Map<String, Set<String>>> packages,
      String start, List<String> path) {
    for (String used : packages.getOrDefault(path.get(path.size() - 1), Map.of()).keySet()) {
      if (used.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        return java.util.Optional.of(cycle);
      }
      if (!path.contains(used) && used.compareTo(start) > 0) {
        path.add(used);
        java.util.Optional<List<String>> found = findCycle(packages, start, path);
        path.remove(path.size() - 1);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return java.util.Optional.empty();
  }

  @Test
  void findsACycle() {
    Map<String, Map<String, Set<String>>> packages = Map.of("a", Map.of("b", Set.of("A.java")),
        "b", Map.of("c", Set.of("B.java")), "c", Map.of("a", Set.of("C.java")));
    assertThat(findCycle(packages, "a", new ArrayList<>(List.of("a")))).contains(List.of("a", "b", "c", "a"));
    assertThat(findCycle(Map.of("a", Map.of("b", Set.of("A.java"))), "a", new ArrayList<>(List.of("a")))).isEmpty();
  }

  @Test
  void everyPackageUsesOnlyWhatItsRowAllows() throws IOException {
    Map<String, Row> rows = new LinkedHashMap<>();
    rows().forEach(row -> rows.put(row.pkg(), row));
    List<String> problems = new ArrayList<>();
    Set<String> known = packages().keySet();
    for (Row row : rows.values()) {
      row.mayUse().stream().filter(p -> !known.contains(p))
          .forEach(p -> problems.add(row.pkg() + ": may use " + p + ", which is no package"));
    }
    for (Map.Entry<String, Map<String, Set<String>>> entry : packages().entrySet()) {
      Row row = rows.get(entry.getKey());
      if (row == null) {
        continue;
      }
      entry.getValue().forEach((used, classes) -> {
        if (!row.mayUse().contains(used)) {
          problems.add(row.pkg() + " uses " + used + " (in " + classes + ") but its row does not allow it");
        }
      });
      row.mayUse().stream().filter(known::contains).filter(p -> !entry.getValue().containsKey(p))
          .forEach(p -> problems.add(row.pkg() + ": its row allows " + p + ", which none of its classes uses"));
    }
    assertThat(problems).as("the package map in " + ARCHITECTURE + " against the code").isEmpty();
  }

  @Test
  void everyMarkdownFileTheSourcesAndDocsNameExists() throws IOException {
    List<Path> files = new ArrayList<>();
    SourceTree.allRoots().forEach(root -> files.addAll(SourceTree.javaFiles(root)));
    try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).forEach(files::add);
    }
    files.add(Path.of("README.md"));
    Set<String> repositoryFiles = repositoryMarkdownFiles();
    List<String> missing = new ArrayList<>();
    for (Path file : files) {
      Matcher m = MARKDOWN_FILE.matcher(Files.readString(file));
      while (m.find()) {
        String name = m.group(1);
        boolean exists = Files.exists(Path.of(name)) || Files.exists(file.resolveSibling(name))
            || repositoryFiles.stream().anyMatch(f -> f.equals(name) || f.endsWith("/" + name));
        if (!exists) {
          missing.add(file + " names " + name);
        }
      }
    }
    assertThat(missing).as("Markdown files named but not in the repository").isEmpty();
  }

  @Test
  void theScanSeesImportsStaticImportsAndQualifiedNamesButNotComments() {
    String source = """
        package dev.kfp.operator.sync;
        import dev.kfp.operator.api.Run;
        import static dev.kfp.operator.lifecycle.RunLifecycle.isSettled;
        import dev.kfp.operator.kfp.*;
        /** Unlike {@link dev.kfp.operator.simulator.KfpSimulator}, ... */
        class X { dev.kfp.operator.config.SyncMode mode; String s = "// not a comment"; } // dev.kfp.operator.benchmark.B
        """;
    assertThat(usedPackages(source)).containsExactlyInAnyOrder(ROOT + ".api", ROOT + ".lifecycle", ROOT + ".kfp",
        ROOT + ".config");
  }

  /** The rows of the first table in docs/developing/architecture.md whose header is "package | owns | may use". */
  static List<Row> rows() throws IOException {
    List<String> lines = Files.readAllLines(ARCHITECTURE);
    int header = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (cells(lines.get(i)).equals(List.of("package", "owns", "may use"))) {
        header = i;
        break;
      }
    }
    assertThat(header).as("a table with header | package | owns | may use | in " + ARCHITECTURE).isNotNegative();
    List<Row> rows = new ArrayList<>();
    for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      List<String> cells = cells(lines.get(i));
      assertThat(cells).as(lines.get(i)).hasSize(3);
      Set<String> mayUse = new TreeSet<>();
      Matcher m = BACKTICKED.matcher(cells.get(2));
      while (m.find()) {
        mayUse.add(fullName(m.group(1)));
      }
      rows.add(new Row(fullName(cells.get(0).replace("`", "").strip()), mayUse));
    }
    return rows;
  }

  private static List<String> cells(String line) {
    if (!line.startsWith("|")) {
      return List.of();
    }
    String inner = line.strip().replaceAll("^\\|", "").replaceAll("\\|$", "");
    return Stream.of(inner.split("\\|", -1)).map(String::strip).toList();
  }

  /** The map writes the root package in full and the others relative to it: {@code api}. */
  private static String fullName(String name) {
    return name.equals(ROOT) || name.startsWith(ROOT + ".") ? name : ROOT + "." + name;
  }

  /** Every package under src/main/java, with the other project packages it uses and the classes that do. */
  static Map<String, Map<String, Set<String>>> packages() throws IOException {
    Map<String, Map<String, Set<String>>> packages = new TreeMap<>();
    for (Path root : SourceTree.mainRoots()) {
      SourceTree.javaFiles(root).forEach(file -> {
        String source = read(file);
        Matcher pkg = PACKAGE.matcher(source);
        assertThat(pkg.find()).as(file + " declares a package").isTrue();
        Map<String, Set<String>> uses = packages.computeIfAbsent(pkg.group(1), p -> new TreeMap<>());
        for (String used : usedPackages(source)) {
          uses.computeIfAbsent(used, u -> new TreeSet<>()).add(file.getFileName().toString());
        }
      });
    }
    return packages;
  }

  /** The project packages other than its own that a source file references outside comments. */
  static Set<String> usedPackages(String source) {
    String code = withoutComments(source);
    Matcher own = PACKAGE.matcher(code);
    String self = own.find() ? own.group(1) : "";
    Set<String> used = new TreeSet<>();
    Matcher m = REFERENCE.matcher(code);
    while (m.find()) {
      String pkg = ROOT + m.group(1);
      if (!pkg.equals(self)) {
        used.add(pkg);
      }
    }
    return used;
  }

  /** The source with comments blanked out; string and character literals (text blocks included) are kept. */
  static String withoutComments(String source) {
    StringBuilder out = new StringBuilder(source.length());
    int i = 0;
    while (i < source.length()) {
      if (source.startsWith("//", i)) {
        int end = source.indexOf('\n', i);
        i = end < 0 ? source.length() : end;
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        i = end < 0 ? source.length() : end + 2;
        out.append(' ');
      } else if (source.startsWith("\"\"\"", i)) {
        int end = source.indexOf("\"\"\"", i + 3);
        end = end < 0 ? source.length() : end + 3;
        out.append(source, i, end);
        i = end;
      } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
        char quote = source.charAt(i);
        int j = i + 1;
        while (j < source.length() && source.charAt(j) != quote && source.charAt(j) != '\n') {
          j += source.charAt(j) == '\\' ? 2 : 1;
        }
        j = Math.min(j + 1, source.length());
        out.append(source, i, j);
        i = j;
      } else {
        out.append(source.charAt(i++));
      }
    }
    return out.toString();
  }

  /** Markdown files of the repository, relative to its root, outside build output and Git's own directory. */
  private static Set<String> repositoryMarkdownFiles() throws IOException {
    try (Stream<Path> files = Files.walk(Path.of("."))) {
      return new TreeSet<>(files.map(p -> Path.of(".").relativize(p).toString().replace('\\', '/'))
          .filter(p -> p.endsWith(".md") && !p.startsWith("target/") && !p.contains("/target/")
              && !p.startsWith(".git/")).toList());
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
