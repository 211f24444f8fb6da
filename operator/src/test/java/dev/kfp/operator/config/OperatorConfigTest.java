package dev.kfp.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorConfigTest {

  private static final String[] NO_FLAGS = {};

  @Test
  void defaultsApplyWhenOnlyTheEndpointIsGiven() {
    OperatorConfig config = OperatorConfig.load(Map.of("KFP_ENDPOINT", "http://ml-pipeline.kubeflow:8888"), NO_FLAGS);

    assertThat(config.kfpEndpoint()).isEqualTo(URI.create("http://ml-pipeline.kubeflow:8888"));
    assertThat(config.kfpAuth()).isEqualTo(AuthMode.NONE);
    assertThat(config.watchesAllNamespaces()).isTrue();
    assertThat(config.pollInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.resyncInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.kfpTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.kfpUiUrl()).isNull();
    assertThat(config.ttlSecondsAfterFinished()).as("finished Runs are kept").isNull();
  }

  @Test
  void theDefaultTtlAfterFinishIsWholeSecondsOfAtLeastZeroByEnvironmentOrFlag() {
    Map<String, String> env = Map.of("KFP_ENDPOINT", "http://kfp:8888", "TTL_SECONDS_AFTER_FINISHED", "86400");
    assertThat(OperatorConfig.load(env, NO_FLAGS).ttlSecondsAfterFinished()).isEqualTo(86400L);
    assertThat(OperatorConfig.load(env, new String[] {"--ttl-seconds-after-finished=0"}).ttlSecondsAfterFinished())
        .isZero();
    for (String wrong : new String[] {"-1", "1h", "1.5"}) {
      assertThatThrownBy(() -> OperatorConfig.load(env, new String[] {"--ttl-seconds-after-finished", wrong}))
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
              "TTL_SECONDS_AFTER_FINISHED (--ttl-seconds-after-finished): '" + wrong + "' is not a whole number of"
                  + " seconds of at least 0 (e.g. 86400 for a day); leave it empty to keep finished Runs"));
    }
  }

  @Test
  void flagsUseTheSameNamesAsEnvironmentVariablesAndWin() {
    OperatorConfig config = OperatorConfig.load(Map.of("KFP_ENDPOINT", "http://from-env:8888",
        "WATCH_NAMESPACES", "ignored"), new String[] {"--kfp-endpoint", "https://kfp.example/pipeline",
        "--watch-namespaces=team-a, team-b", "--poll-interval", "500ms", "--resync-interval=PT2M",
        "--kfp-ui-url", "https://kfp.example"});

    assertThat(config.kfpEndpoint()).isEqualTo(URI.create("https://kfp.example/pipeline"));
    assertThat(config.watchNamespaces()).isEqualTo(Set.of("team-a", "team-b"));
    assertThat(config.pollInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.resyncInterval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.kfpUiUrl()).isEqualTo(URI.create("https://kfp.example"));
  }

  @Test
  void tokenAuthReadsAnExistingTokenFile(@TempDir Path dir) throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "secret");

    OperatorConfig config = OperatorConfig.load(Map.of("KFP_ENDPOINT", "http://kfp:8888", "KFP_AUTH", "token",
        "KFP_TOKEN_FILE", token.toString()), NO_FLAGS);

    assertThat(config.kfpAuth()).isEqualTo(AuthMode.TOKEN);
    assertThat(config.kfpTokenFile()).isEqualTo(token);
  }

  @Test
  void everyProblemIsReportedAtOnceNamingTheSettingAndTheFix() {
    assertThatThrownBy(() -> OperatorConfig.load(Map.of("KFP_AUTH", "kerberos", "POLL_INTERVAL", "soon",
        "RESYNC_INTERVAL", "-5m", "WATCH_NAMESPACES", "Team_A", "KFP_UI_URL", "kfp.example"), NO_FLAGS))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
            "KFP_ENDPOINT (--kfp-endpoint) is required: " + Setting.KFP_ENDPOINT.description(),
            "KFP_AUTH (--kfp-auth): 'kerberos' is not one of none, token, namespace-identity",
            "KFP_UI_URL (--kfp-ui-url): 'kfp.example' is not an http(s) URL with a host",
            "WATCH_NAMESPACES (--watch-namespaces): 'Team_A' is not a valid namespace name",
            "POLL_INTERVAL (--poll-interval): 'soon' is not a duration (examples: 500ms, 30s, 5m, 1h)",
            "RESYNC_INTERVAL (--resync-interval): '-5m' is not a duration (examples: 500ms, 30s, 5m, 1h)"));
  }

  @Test
  void tokenAuthWithoutAReadableTokenFileIsRefused() {
    assertThatThrownBy(() -> OperatorConfig.load(Map.of("KFP_ENDPOINT", "http://kfp:8888", "KFP_AUTH", "token",
        "KFP_TOKEN_FILE", "/nonexistent/token"), NO_FLAGS))
        .hasMessageContaining("KFP_TOKEN_FILE (--kfp-token-file): file /nonexistent/token is not readable");
  }

  @Test
  void unknownFlagsAndFlagsWithoutValuesAreRefused() {
    assertThatThrownBy(() -> OperatorConfig.load(Map.of("KFP_ENDPOINT", "http://kfp:8888"),
        new String[] {"--kfp-endpiont", "x", "--poll-interval"}))
        .hasMessageContaining("unknown flag --kfp-endpiont; did you mean --kfp-endpoint?")
        .hasMessageContaining("flag --poll-interval needs a value");
  }

  @Test
  void aZeroIntervalIsRefused() {
    assertThatThrownBy(() -> OperatorConfig.load(Map.of("KFP_ENDPOINT", "http://kfp:8888", "POLL_INTERVAL", "0s"),
        NO_FLAGS)).hasMessageContaining("POLL_INTERVAL (--poll-interval): '0s' must be positive");
  }

  @Test
  void aShardSelectorIsCheckedAtStartAndNamesTheSetting() {
    Map<String, String> env = Map.of("KFP_ENDPOINT", "http://kfp:8888", "SHARD_SELECTOR", "shard in (b, c)");
    assertThat(OperatorConfig.load(env, NO_FLAGS).shardSelector()).hasToString("shard in (b,c)");
    assertThat(OperatorConfig.load(env, new String[] {"--shard-selector", "!shard"}).shardSelector())
        .hasToString("!shard");
    assertThat(OperatorConfig.load(Map.of("KFP_ENDPOINT", "http://kfp:8888"), NO_FLAGS).shardSelector().isEmpty())
        .isTrue();
    assertThatThrownBy(() -> OperatorConfig.load(env, new String[] {"--shard-selector=shard in (a"}))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString()
            .startsWith("SHARD_SELECTOR (--shard-selector): 'shard in (a' is not a label selector: "));
  }

  @Test
  void everyShardElectsItsOwnLeaderUnlessTheLeaseIsNamed() {
    String[] none = NO_FLAGS;
    Map<String, String> env = Map.of("KFP_ENDPOINT", "http://kfp:8888");
    String unsharded = OperatorConfig.load(env, none).leaderElectionLease();
    String shardA = OperatorConfig.load(env, new String[] {"--shard-selector", "shard=a"}).leaderElectionLease();
    String shardASpelledOtherwise = OperatorConfig.load(env, new String[] {"--shard-selector", " shard == a"})
        .leaderElectionLease();
    String rest = OperatorConfig.load(env, new String[] {"--shard-selector", "shard!=a"}).leaderElectionLease();
    String teams = OperatorConfig.load(env, new String[] {"--watch-namespaces", "team-a,team-b"})
        .leaderElectionLease();

    assertThat(unsharded).isEqualTo("kfp-run-operator");
    assertThat(shardA).matches("kfp-run-operator-[0-9a-f]{8}").isEqualTo(shardASpelledOtherwise);
    assertThat(java.util.List.of(unsharded, shardA, rest, teams)).doesNotHaveDuplicates();
    assertThat(OperatorConfig.load(env, new String[] {"--shard-selector", "shard=a", "--leader-election-lease",
        "my-lease"}).leaderElectionLease()).isEqualTo("my-lease");
    assertThatThrownBy(() -> OperatorConfig.load(env, new String[] {"--leader-election-lease", "My_Lease"}))
        .hasMessageContaining("LEADER_ELECTION_LEASE (--leader-election-lease): 'My_Lease' is not a valid Lease name");
  }
}
