package dev.kfp.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ hold together: every relative link finds its file (and its heading, when it names one),
 * every page under docs/ is reachable from docs/README.md, and no page tells history by issue number.
 */
class DocsLinksTest {

  static final Path README = Path.of("README.md");
  static final Path INDEX = Path.of("docs/README.md");
  /** A Markdown link or image outside a code span: {@code [text](target)}, target without a scheme. */
  private static final Pattern LINK = Pattern.compile("\\]\\((?!https?:|mailto:)([^)\\s]*)\\)");
  /** "issue 11", "issues 13 and 14", "#25": how the history of the work was told. */
  private static final Pattern ISSUE_REFERENCE =
      Pattern.compile("(?i)\\bissues? #?\\d+|(?<![\\w&/])#\\d+\\b");

  /** Every Markdown page of the README and docs/. */
  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(README));
    try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  @Test
  void everyRelativeLinkFindsItsFileAndHeading() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      for (String target : links(page)) {
        String file = target.replaceFirst("#.*", "");
        String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
        Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(page + ": " + target + " (no file " + resolved + ")");
        } else if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
          broken.add(page + ": " + target + " (no heading #" + anchor + " in " + resolved + ")");
        }
      }
    }
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void everyPageUnderDocsIsReachableFromTheIndex() throws IOException {
    Set<Path> reached = new LinkedHashSet<>();
    Deque<Path> next = new ArrayDeque<>(List.of(INDEX));
    while (!next.isEmpty()) {
      Path page = next.removeFirst();
      if (reached.add(page)) {
        for (String target : links(page)) {
          Path linked = page.resolveSibling(target.replaceFirst("#.*", "")).normalize();
          if (linked.toString().endsWith(".md") && linked.startsWith("docs") && Files.exists(linked)) {
            next.add(linked);
          }
        }
      }
    }
    List<Path> unreached = pages().stream().filter(p -> p.startsWith("docs") && !reached.contains(p)).toList();
    assertThat(unreached).as("pages not reachable from " + INDEX).isEmpty();
    assertThat(links(README)).as("the README links the index").contains(INDEX.toString());
  }

  @Test
  void noPageRefersToIssueNumbers() throws IOException {
    List<String> found = new ArrayList<>();
    for (Path page : pages()) {
      List<String> lines = Files.readAllLines(page);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = ISSUE_REFERENCE.matcher(lines.get(i));
        while (m.find()) {
          found.add(page + ":" + (i + 1) + ": " + m.group());
        }
      }
    }
    assertThat(found).as("issue numbers in the docs: say what changed, and when, by date and commit").isEmpty();
  }

  @Test
  void theChecksCatchWhatTheyLookFor() {
    assertThat(ISSUE_REFERENCE.matcher("after issue 11").find()).isTrue();
    assertThat(ISSUE_REFERENCE.matcher("Issues 13 and 14").find()).isTrue();
    assertThat(ISSUE_REFERENCE.matcher("fixed in #25.").find()).isTrue();
    assertThat(ISSUE_REFERENCE.matcher("[a](reference.md#queues), &#39;, issued 3 tokens").find()).isFalse();
    assertThat(linksIn("see [x](using/reference.md#c) and ![img](d.svg), not [y](https://e.f) or `[z](README.md)`"))
        .containsExactly("using/reference.md#c", "d.svg");
  }

  /** The relative link targets of a page, outside code blocks and code spans. */
  static List<String> links(Path page) throws IOException {
    return linksIn(prose(page));
  }

  private static List<String> linksIn(String text) {
    List<String> targets = new ArrayList<>();
    Matcher m = LINK.matcher(text.replaceAll("`[^`\n]*`", ""));
    while (m.find()) {
      targets.add(m.group(1));
    }
    return targets;
  }

  /** The page without its fenced code blocks. */
  static String prose(Path page) throws IOException {
    StringBuilder text = new StringBuilder();
    boolean code = false;
    for (String line : Files.readAllLines(page)) {
      if (line.startsWith("```")) {
        code = !code;
      } else if (!code) {
        text.append(line).append('\n');
      }
    }
    return text.toString();
  }

  /** GitHub's anchors of a page's headings. */
  private static Set<String> anchors(Path page) throws IOException {
    Set<String> anchors = new LinkedHashSet<>();
    for (String line : prose(page).split("\n")) {
      if (line.matches("#{1,6} .*")) {
        anchors.add(anchor(line.replaceFirst("#+ ", "").strip()));
      }
    }
    return anchors;
  }

  /** GitHub's anchor of a heading: lower case, punctuation but hyphens dropped, spaces as hyphens. */
  static String anchor(String heading) {
    return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }
}
