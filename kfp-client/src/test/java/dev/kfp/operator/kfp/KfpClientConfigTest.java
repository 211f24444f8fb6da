package dev.kfp.operator.kfp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Settings are checked when the config is built, with a message naming the problem. */
class KfpClientConfigTest {

  @Test
  void defaultsTrustTheSystemAndUseModerateTimeouts() {
    KfpClientConfig config = KfpClientConfig.builder("http://ml-pipeline.kubeflow:8888").build();

    assertThat(config.trustSystemCas()).isTrue();
    assertThat(config.connectTimeout()).isEqualTo(KfpClientConfig.DEFAULT_CONNECT_TIMEOUT);
    assertThat(config.readTimeout()).isEqualTo(KfpClientConfig.DEFAULT_READ_TIMEOUT);
    assertThat(config.bearerToken()).isNull();
  }

  @Test
  void aCaBundleAloneIsTheOnlyTrust() {
    KfpClientConfig config = KfpClientConfig.builder("https://kfp.example/pipeline")
        .caBundle(Path.of("/etc/kfp/ca.pem")).build();

    assertThat(config.trustSystemCas()).isFalse();
  }

  @Test
  void badSettingsAreRejected() {
    assertThatThrownBy(() -> KfpClientConfig.builder("ftp://kfp").build())
        .hasMessageContaining("http or https");
    assertThatThrownBy(() -> KfpClientConfig.builder("not a url").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KfpClientConfig.builder("http://kfp/?x=1").build())
        .hasMessageContaining("no query");
    assertThatThrownBy(() -> KfpClientConfig.builder("http://kfp").readTimeout(Duration.ZERO).build())
        .hasMessageContaining("read timeout");
    assertThatThrownBy(() -> KfpClientConfig.builder("https://kfp").trustSystemCas(false).build())
        .hasMessageContaining("trust no CA");
    assertThatThrownBy(() -> KfpClientConfig.builder("http://kfp").userIdHeader("kubeflow-userid", null).build())
        .hasMessageContaining("name and a value");
  }

  @Test
  void anotherTokenKeepsEveryOtherSetting() {
    KfpCallListener listener = (operation, duration, failure) -> { };
    KfpClientConfig shared = KfpClientConfig.builder("https://kfp.example/pipeline")
        .connectTimeout(Duration.ofSeconds(3)).readTimeout(Duration.ofSeconds(4))
        .caBundle(Path.of("/etc/kfp/ca.pem")).userIdHeader("kubeflow-userid", "operator").listener(listener).build();

    KfpClientConfig teamA = shared.withBearerToken(() -> "token-of-team-a");

    assertThat(teamA.bearerToken().get()).isEqualTo("token-of-team-a");
    assertThat(shared.bearerToken()).isNull();
    assertThat(teamA).usingRecursiveComparison().ignoringFields("bearerToken").isEqualTo(shared);
  }
}
