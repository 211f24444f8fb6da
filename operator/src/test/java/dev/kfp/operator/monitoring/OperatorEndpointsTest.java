package dev.kfp.operator.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kfp.operator.OperatorProcess;
import dev.kfp.operator.ShippedListeners;
import dev.kfp.operator.config.Setting;
import dev.kfp.operator.simulator.Endpoint;
import java.io.IOException;
import dev.kfp.operator.tiers.MockApiTier;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The operator, started as the {@code operator} command starts it, serves its probes and metrics. */
@MockApiTier
class OperatorEndpointsTest {

  private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) \\S+$", Pattern.MULTILINE);
  /** The operating docs' metrics page, which must name every family the operator serves. */
  private static final Path METRICS_PAGE = Path.of("docs/operating/metrics.md");

  @Test
  void probesAnswerAndMetricsCountKfpCallsAndRunsByState() throws IOException {
    try (OperatorProcess operator = OperatorProcess.start(Map.of())) {
      await().atMost(Duration.ofSeconds(30)).until(() -> operator.endpoint("/readyz").statusCode() == 200);
      assertThat(operator.endpoint("/healthz").statusCode()).isEqualTo(200);

      operator.apply(operator.runManifest("train", ""));
      operator.runToSuccess("train");

      HttpResponse<String> scrape = operator.endpoint("/metrics");
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
      Map<String, Double> metrics = ShippedListeners.samples(scrape.body());

      // Every call the simulator served was counted once, under KFP's name for it, as a success.
      assertThat(metrics.get("kfp_client_requests_seconds_count{endpoint=\"CreateRun\",outcome=\"success\"}"))
          .isEqualTo(1.0);
      // The status sync keeps listing (it ticks every twelfth of its interval), and a list can be in flight while
      // the page is scraped: counted by the simulator, not yet by the client. The counts agree between ticks.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ShippedListeners.samples(
              operator.endpoint("/metrics").body())
          .get("kfp_client_requests_seconds_count{endpoint=\"ListRuns\",outcome=\"success\"}"))
          .isEqualTo((double) operator.kfp.calls().count(Endpoint.LIST_RUNS)).isPositive());
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

      Set<String> families = families(scrape.body());
      String documented = Files.readString(METRICS_PAGE);
      assertThat(families).as("families served").contains("kfp_client_requests_seconds", "kfp_operator_runs")
          .allSatisfy(family -> assertThat(documented).as(METRICS_PAGE + " names it").contains("`" + family + "`"));
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

  /** The metric families a scrape declares ({@code # TYPE name kind}), as Prometheus names them. */
  private static Set<String> families(String text) {
    Set<String> families = new TreeSet<>();
    Matcher m = TYPE.matcher(text);
    while (m.find()) {
      families.add(m.group(1));
    }
    return families;
  }

}
