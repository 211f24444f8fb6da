package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RunFilter as the JSON of KFP's Filter message. */
class KfpRunFilterTest {

  @Test
  void stringPredicatesUseStringValue() {
    String filter = RunFilter.builder()
        .equalTo("display_name", "nightly training")
        .notEqualTo("storage_state", "ARCHIVED")
        .substring("description", "uid=2c0f")
        .build().toJson();

    assertThat(filter).isEqualTo("{\"predicates\":["
        + "{\"key\":\"display_name\",\"operation\":\"EQUALS\",\"string_value\":\"nightly training\"},"
        + "{\"key\":\"storage_state\",\"operation\":\"NOT_EQUALS\",\"string_value\":\"ARCHIVED\"},"
        + "{\"key\":\"description\",\"operation\":\"IS_SUBSTRING\",\"string_value\":\"uid=2c0f\"}]}");
  }

  @Test
  void inWrapsItsListInValues() {
    String filter = RunFilter.builder().in("state", List.of("PENDING", "RUNNING")).build().toJson();

    assertThat(filter).isEqualTo("{\"predicates\":[{\"key\":\"state\",\"operation\":\"IN\","
        + "\"string_values\":{\"values\":[\"PENDING\",\"RUNNING\"]}}]}");
  }

  @Test
  void timestampsAreRfc3339AndLongsAreStrings() {
    String filter = RunFilter.builder()
        .compare("created_at", RunFilter.Operation.GREATER_THAN_EQUALS, Instant.parse("2026-11-01T00:00:00Z"))
        .compare("finished_at", RunFilter.Operation.LESS_THAN, 1_800_000_000L)
        .build().toJson();

    assertThat(filter).isEqualTo("{\"predicates\":["
        + "{\"key\":\"created_at\",\"operation\":\"GREATER_THAN_EQUALS\",\"timestamp_value\":\"2026-11-01T00:00:00Z\"},"
        + "{\"key\":\"finished_at\",\"operation\":\"LESS_THAN\",\"long_value\":\"1800000000\"}]}");
  }

  @Test
  void specialCharactersAreJsonEscapedNotMangled() {
    String filter = RunFilter.builder().equalTo("display_name", "a\"b\\c+d%e ü").build().toJson();

    assertThat(filter).contains("\"string_value\":\"a\\\"b\\\\c+d%e ü\"");
  }

  @Test
  void aPredicateNeedsAKey() {
    assertThatThrownBy(() -> RunFilter.builder().equalTo(" ", "x")).isInstanceOf(IllegalArgumentException.class);
  }
}
