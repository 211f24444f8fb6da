package dev.kfp.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The suggestion for a mistyped name: the nearest known one, only when it is a typo away. */
class UnknownNameTest {

  private static final List<String> FLAGS = List.of("--interval", "--runs", "--heap-runs", "--out");

  @Test
  void aTypoGetsTheNearestName() {
    assertThat(UnknownName.message("flag", "--intervl", FLAGS)).isEqualTo(
        "unknown flag --intervl; did you mean --interval?");
    assertThat(UnknownName.nearest("--heap-run", FLAGS)).contains("--heap-runs");
    assertThat(UnknownName.nearest("-runs", FLAGS)).contains("--runs");
  }

  @Test
  void aDifferentWordGetsNoSuggestion() {
    assertThat(UnknownName.message("flag", "--colour", FLAGS)).isEqualTo("unknown flag --colour");
    assertThat(UnknownName.nearest("x", FLAGS)).isEmpty();
  }

  @Test
  void distanceCountsInsertionsDeletionsAndSubstitutions() {
    assertThat(UnknownName.distance("--intervl", "--interval")).isEqualTo(1);
    assertThat(UnknownName.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(UnknownName.distance("", "abc")).isEqualTo(3);
    assertThat(UnknownName.distance("same", "same")).isZero();
  }
}
