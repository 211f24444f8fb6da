package dev.kfp.operator.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.kfp.KfpCallListener;
import dev.kfp.operator.kfp.KfpException;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the KFP call metrics show for the calls they hear, in the Prometheus text the operator serves (no HTTP). */
class KfpCallTimerTest {

  private final OperatorMetrics metrics = new OperatorMetrics();
  private final KfpCallListener kfpCalls = metrics.kfpCalls();

  @Test
  void eachCallIsCountedAndTimedByEndpointAndOutcome() {
    kfpCalls.afterCall("CreateRun", Duration.ofMillis(30), null);
    kfpCalls.afterCall("CreateRun", Duration.ofMillis(10), null);
    kfpCalls.afterCall("GetRun", Duration.ofMillis(5), new KfpException("GetRun", 404, 5, "gone", false, null));

    String scrape = metrics.scrape();

    assertThat(scrape)
        .contains("kfp_client_requests_seconds_count{endpoint=\"CreateRun\",outcome=\"success\"} 2")
        .contains("kfp_client_requests_seconds_sum{endpoint=\"CreateRun\",outcome=\"success\"} 0.04")
        .contains("kfp_client_requests_seconds_count{endpoint=\"GetRun\",outcome=\"client_error\"} 1")
        .contains("kfp_client_requests_seconds_bucket{endpoint=\"CreateRun\",outcome=\"success\",le=\"");
  }

  @Test
  void theOutcomeSaysHowTheCallEnded() {
    kfpCalls.afterCall("ListRuns", Duration.ofMillis(1),
        new KfpException("ListRuns", 0, null, "no response", true, new IOException("reset")));
    kfpCalls.afterCall("ListRuns", Duration.ofMillis(1), new KfpException("ListRuns", 503, 14, "down", true, null));
    kfpCalls.afterCall("ListRuns", Duration.ofMillis(1), new KfpException("ListRuns", 200, null, "not JSON", false,
        null));
    kfpCalls.afterCall("ListRuns", Duration.ofMillis(1), new IllegalStateException("a bug"));

    String scrape = metrics.scrape();

    for (String outcome : new String[] {"no_response", "server_error", "invalid_response", "error"}) {
      assertThat(scrape).contains("kfp_client_requests_seconds_count{endpoint=\"ListRuns\",outcome=\"" + outcome
          + "\"} 1");
    }
  }
}
