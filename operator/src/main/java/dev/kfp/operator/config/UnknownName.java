package dev.kfp.operator.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** What to say about a flag or command that is not known: its name and, when one is close, the nearest known name. */
public final class UnknownName {

  private UnknownName() {}

  /** {@code unknown flag --intervl; did you mean --interval?}, or without the question when nothing is close. */
  public static String message(String kind, String typed, Collection<String> known) {
    return "unknown " + kind + " " + typed + nearest(typed, known).map(n -> "; did you mean " + n + "?").orElse("");
  }

  /**
   * The known name fewest single-character edits away, if that is at most a third of the typed name's length (at
   * least one edit): a typo, not a different word.
   */
  public static Optional<String> nearest(String typed, Collection<String> known) {
    int allowed = Math.max(1, typed.length() / 3);
    return known.stream()
        .filter(name -> distance(typed, name) <= allowed)
        .min(Comparator.comparingInt((String name) -> distance(typed, name)).thenComparing(Comparator.naturalOrder()));
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one character. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
