package dev.kfp.operator.realkfp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table of differences between the simulator and KFP's own server that stay on purpose, read from
 * {@code docs/developing/kfp-simulator-differences.md}: rows {@code | D<n> | `exchange glob` | `field glob` | ... |}.
 * A glob's {@code *} matches any run of characters.
 */
record KnownDifferences(List<Row> rows) {

  static final Path DOCUMENT = Path.of("docs/developing/kfp-simulator-differences.md");
  private static final Pattern ROW =
      Pattern.compile("^\\|\\s*(D\\d+)\\s*\\|\\s*`([^`]+)`\\s*\\|\\s*`([^`]+)`\\s*\\|.*");

  /** One row: which exchanges and which fields (JSON paths, or {@code status}) it covers. */
  record Row(String id, String exchange, String field) {

    boolean covers(Difference difference) {
      return glob(exchange).matcher(difference.exchange()).matches()
          && glob(field).matcher(difference.field()).matches();
    }

    private static Pattern glob(String glob) {
      StringBuilder regex = new StringBuilder();
      for (String part : glob.split("\\*", -1)) {
        if (!regex.isEmpty()) {
          regex.append(".*");
        }
        regex.append(Pattern.quote(part));
      }
      return Pattern.compile(regex.toString());
    }
  }

  /** One field on which the two servers answered one exchange differently. */
  record Difference(String exchange, String field, String simulator, String kfp) {

    @Override
    public String toString() {
      return exchange + " " + field + ": simulator " + simulator + ", KFP " + kfp;
    }
  }

  static KnownDifferences load() {
    List<Row> rows = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(DOCUMENT)) {
        Matcher matcher = ROW.matcher(line);
        if (matcher.matches()) {
          rows.add(new Row(matcher.group(1), matcher.group(2), matcher.group(3)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DOCUMENT, e);
    }
    return new KnownDifferences(List.copyOf(rows));
  }

  Optional<Row> rowFor(Difference difference) {
    return rows.stream().filter(row -> row.covers(difference)).findFirst();
  }
}
