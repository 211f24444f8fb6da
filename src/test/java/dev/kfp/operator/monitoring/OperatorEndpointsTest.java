package dev.kfp.operator.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorProcess;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.simulator.Endpoint;
import dev.kfp.operator.tiers.MockApiTier;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The operator, started as the {@code operator} command starts it, serves its probes and metrics. */
@MockApiTier
class OperatorEndpointsTest {

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$",
      Pattern.MULTILINE);

  @Test
  void probesAnswerAndMetricsCountKfpCallsAndRunsByState() {
    try (OperatorProcess operator = OperatorProcess.start(Map.of())) {
      await().atMost(Duration.ofSeconds(30)).until(() -> operator.endpoint("/readyz").statusCode() == 200);
      assertThat(operator.endpoint("/healthz").statusCode()).isEqualTo(200);

      operator.apply(operator.runManifest("train", ""));
      operator.runToSuccess("train");

      HttpResponse<String> scrape = operator.endpoint("/metrics");
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
      Map<String, Double> metrics = samples(scrape.body());

      // Every call the simulator served was counted once, under KFP's name for it, as a success.
      assertThat(metrics.get("kfp_client_requests_seconds_count{endpoint=\"CreateRun\",outcome=\"success\"}"))
          .isEqualTo(1.0);
      assertThat(metrics.get("kfp_client_requests_seconds_count{endpoint=\"ListRuns\",outcome=\"success\"}"))
          .isEqualTo((double) operator.kfp.calls().count(Endpoint.LIST_RUNS)).isPositive();
      // The bulk status sync (the default) may need no GET at all: the create answer and the lists say it all.
      double getRuns = metrics.getOrDefault(
          "kfp_client_requests_seconds_count{endpoint=\"GetRun\",outcome=\"success\"}", 0.0);
      assertThat(getRuns).isLessThanOrEqualTo(operator.kfp.calls().count(Endpoint.GET_RUN));
      assertThat(metrics.keySet()).anyMatch(name -> name.startsWith("kfp_client_requests_seconds_bucket{")
          && name.contains("endpoint=\"CreateRun\""));

      assertThat(metrics.get("kfp_operator_runs{state=\"SUCCEEDED\"}")).isEqualTo(1.0);
      assertThat(metrics.get("kfp_operator_runs{state=\"RUNNING\"}")).isEqualTo(0.0);
      assertThat(metrics.get("kfp_operator_runs{state=\"NOT_SUBMITTED\"}")).isEqualTo(0.0);
      assertThat(metrics.keySet()).as("JOSDK's reconcile metrics").anyMatch(name -> name.startsWith("operator_sdk_"));
      assertThat(operator.endpoint("/readyz").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void metricsCanBeTurnedOff() {
    Map<String, String> settings = new HashMap<>();
    settings.put(Setting.METRICS_ENABLED.envName(), "false");
    settings.put(Setting.LEADER_ELECTION.envName(), "false");
    try (OperatorProcess operator = OperatorProcess.start(settings)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> operator.endpoint("/readyz").statusCode() == 200);
      assertThat(operator.endpoint("/metrics").statusCode()).isEqualTo(404);
      assertThat(operator.endpoint("/healthz").statusCode()).isEqualTo(200);
    }
  }

  /** Sample name with labels, as written, to value. */
  private static Map<String, Double> samples(String text) {
    Map<String, Double> samples = new HashMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.valueOf(m.group(3)));
    }
    return samples;
  }
}
