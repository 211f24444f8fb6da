package dev.kfp.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfp.operator.RealCluster;
import dev.kfp.operator.api.RunSchedule;
import dev.kfp.operator.peers.LocalKubernetes;
import dev.kfp.operator.tiers.RealApiTier;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** What the real kube-apiserver refuses in a RunSchedule, and what the real kubectl shows of one. */
@RealApiTier
class RunScheduleCrdTest {

  private LocalKubernetes kubernetes;

  @BeforeEach
  void lease() {
    kubernetes = RealCluster.lease();
  }

  @AfterEach
  void release() {
    kubernetes.close();
  }

  private RunSchedule schedule(String name, String specLines) {
    return Serialization.unmarshal(manifest(name, specLines), RunSchedule.class);
  }

  private static String manifest(String name, String specLines) {
    return """
        apiVersion: pipelines.kfp.dev/v1alpha1
        kind: RunSchedule
        metadata: {name: %s, namespace: team-a}
        spec:
        %s
          runTemplate:
            spec:
              pipeline: {versionRef: {pipelineId: p}}
        """.formatted(name, specLines.indent(2).stripTrailing());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = ';', value = {
      "schedule: 'every day at 9'; spec.schedule must be a standard five-field cron",
      "schedule: '0 0 * *'; spec.schedule must be a standard five-field cron",
      "schedule: '61 * * * *'; spec.schedule must be a standard five-field cron",
      "schedule: '0 0 * * 1 || 0 12 * * 2'; spec.schedule cannot use |",
      "schedule: '0 0 * * 1|2'; spec.schedule cannot use |",
      "schedule: 'TZ=Europe/Berlin 0 0 * * *'; spec.schedule cannot use TZ= or CRON_TZ=",
      "{schedule: '@daily', timeZone: 'Mars/Olympus'}; spec.timeZone is not a time zone the API server knows",
      "{schedule: '@daily', timeZone: 'Local'}; spec.timeZone must be an IANA time zone name",
      "{schedule: '@daily', successfulRunsHistoryLimit: -1}; spec.successfulRunsHistoryLimit must be at least 0",
      "{schedule: '@daily', failedRunsHistoryLimit: -2}; spec.failedRunsHistoryLimit must be at least 0",
      "{schedule: '@daily', startingDeadlineSeconds: -5}; spec.startingDeadlineSeconds must be at least 0",
      "{schedule: '@daily', concurrencyPolicy: Sometimes}; Unsupported value: \"Sometimes\""})
  void theApiServerRefusesWithAClearMessage(String spec, String message) {
    String lines = spec.startsWith("{") ? spec.substring(1, spec.length() - 1).replace(", ", "\n") : spec;
    // as kubectl sends it: no Java type between the YAML and the server
    GenericKubernetesResource refused = Serialization.unmarshal(manifest("refused", lines),
        GenericKubernetesResource.class);
    assertThatThrownBy(() -> kubernetes.client().resource(refused).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining(message);
  }

  @Test
  void macrosNamesAndZonesAreAcceptedAndTheLimitsDefaultToThreeAndOne() {
    for (String schedule : new String[] {"@hourly", " @daily ", "*/15 9-17 * JAN-MAR MON-FRI", "0 0 1,15 * *"}) {
      RunSchedule created = kubernetes.client().resource(schedule("ok-" + Integer.toHexString(schedule.hashCode()),
          "schedule: '" + schedule + "'\ntimeZone: America/Argentina/Buenos_Aires")).create();
      assertThat(created.getSpec().getSuccessfulRunsHistoryLimit()).isEqualTo(3);
      assertThat(created.getSpec().getFailedRunsHistoryLimit()).isEqualTo(1);
      assertThat(created.getSpec().getConcurrencyPolicy()).hasToString("Allow");
    }
  }

  @Test
  void kubectlGetShowsTheSchedulesColumns() throws Exception {
    kubernetes.client().resource(schedule("nightly", "schedule: '0 3 * * *'\ntimeZone: Europe/Berlin")).create();
    Process kubectl = new ProcessBuilder(RealCluster.shared().kubectl().toString(), "--kubeconfig",
        kubernetes.kubeconfig().toString(), "get", "kfpschedule", "-n", "team-a").redirectErrorStream(true).start();
    String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(kubectl.exitValue()).as(output).isZero();
    assertThat(output.lines().findFirst().orElseThrow().split("\\s{2,}")).containsExactly("NAME", "SCHEDULE",
        "TIME ZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "NEXT", "AGE");
    assertThat(output).contains("nightly", "0 3 * * *", "Europe/Berlin");
  }
}
