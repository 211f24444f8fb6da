package dev.kfp.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardSelectorTest {

  private static final Map<String, String> SHARD_A = Map.of("shard", "a", "team", "ml");
  private static final Map<String, String> SHARD_B = Map.of("shard", "b");
  private static final Map<String, String> UNLABELLED = Map.of("team", "ml");

  @Test
  void blankSelectsEverything() {
    assertThat(ShardSelector.parse("  ").isEmpty()).isTrue();
    assertThat(ShardSelector.parse(null)).isEqualTo(ShardSelector.EVERYTHING);
    assertThat(ShardSelector.EVERYTHING.matches(null)).isTrue();
    assertThat(ShardSelector.EVERYTHING).hasToString("");
  }

  @Test
  void equalityRequirementsMatchAsKubectlDoes() {
    assertThat(ShardSelector.parse("shard=a").matches(SHARD_A)).isTrue();
    assertThat(ShardSelector.parse("shard==a").matches(SHARD_B)).isFalse();
    assertThat(ShardSelector.parse("shard!=a").matches(SHARD_B)).isTrue();
    assertThat(ShardSelector.parse("shard!=a").matches(UNLABELLED)).as("!= matches an object without the label").isTrue();
    assertThat(ShardSelector.parse("shard!=a").matches(SHARD_A)).isFalse();
  }

  @Test
  void setAndExistenceRequirementsMatchAsKubectlDoes() {
    assertThat(ShardSelector.parse("shard in (a, c)").matches(SHARD_A)).isTrue();
    assertThat(ShardSelector.parse("shard in (a,c)").matches(SHARD_B)).isFalse();
    assertThat(ShardSelector.parse("shard notin (a)").matches(SHARD_B)).isTrue();
    assertThat(ShardSelector.parse("shard notin (a)").matches(UNLABELLED)).isTrue();
    assertThat(ShardSelector.parse("!shard").matches(UNLABELLED)).isTrue();
    assertThat(ShardSelector.parse("!shard").matches(SHARD_A)).isFalse();
    assertThat(ShardSelector.parse("shard").matches(SHARD_B)).isTrue();
    assertThat(ShardSelector.parse("shard, team=ml").matches(SHARD_B)).as("every requirement must hold").isFalse();
    assertThat(ShardSelector.parse("shard,team=ml").matches(SHARD_A)).isTrue();
  }

  @Test
  void complementarySelectorsSplitEveryObjectExactlyOnce() {
    ShardSelector a = ShardSelector.parse("sharding.fluxcd.io/key=shard1");
    ShardSelector rest = ShardSelector.parse("sharding.fluxcd.io/key!=shard1");
    for (Map<String, String> labels : java.util.List.of(Map.<String, String>of(),
        Map.of("sharding.fluxcd.io/key", "shard1"), Map.of("sharding.fluxcd.io/key", "shard2"))) {
      assertThat(a.matches(labels) ^ rest.matches(labels)).as("%s", labels).isTrue();
    }
  }

  @Test
  void theCanonicalFormSortsAndIsWhatTheApiServerIsSent() {
    ShardSelector selector = ShardSelector.parse(" tier notin (z, b) ,  !legacy,shard == a ");
    assertThat(selector).hasToString("!legacy,shard=a,tier notin (b,z)");
    assertThat(ShardSelector.parse("shard=a,tier notin (b,z),!legacy")).isEqualTo(selector);
    assertThat(selector.keys()).containsExactly("legacy", "shard", "tier");
  }

  @Test
  void aWrongSelectorIsRefusedNamingThePart() {
    assertThatThrownBy(() -> ShardSelector.parse("shard=a,,team=b")).hasMessageContaining("empty requirement");
    assertThatThrownBy(() -> ShardSelector.parse("shard in ()")).hasMessageContaining("set of values is empty");
    assertThatThrownBy(() -> ShardSelector.parse("shard in (a")).hasMessageContaining("'shard in (a' is not a requirement");
    assertThatThrownBy(() -> ShardSelector.parse("shard > 3")).hasMessageContaining("'shard > 3' is not a requirement");
    assertThatThrownBy(() -> ShardSelector.parse("Bad_Prefix/key=a")).hasMessageContaining("'Bad_Prefix/key' is not a label key");
    assertThatThrownBy(() -> ShardSelector.parse("shard=a b")).hasMessageContaining("'a b' is not a label value");
    assertThatThrownBy(() -> ShardSelector.parse("shard=" + "x".repeat(64))).hasMessageContaining("is not a label value");
    assertThatThrownBy(() -> ShardSelector.parse("-shard")).hasMessageContaining("'-shard' is not a label key");
  }
}
