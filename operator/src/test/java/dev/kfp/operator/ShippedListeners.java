package dev.kfp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an operator's {@code /metrics} shows about the listeners {@link OperatorWiring} puts on its KFP client:
 * the call timer, and the circuit breaker, whose held-back calls the timer counts as {@code no_response}.
 */
public final class ShippedListeners {

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$",
      Pattern.MULTILINE);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private ShippedListeners() {}

  /** The body of {@code GET /metrics} on the monitoring port, or fails when it does not answer 200. */
  public static String metrics(int monitoringPort) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + monitoringPort + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET /metrics").isEqualTo(200);
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sample name with labels, as written, to value. */
  public static Map<String, Double> samples(String scrape) {
    Map<String, Double> samples = new HashMap<>();
    Matcher m = SAMPLE.matcher(scrape);
    while (m.find()) {
      samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.valueOf(m.group(3)));
    }
    return samples;
  }

  /** The sample names without their labels. */
  public static Set<String> names(String scrape) {
    Set<String> names = new TreeSet<>();
    samples(scrape).keySet().forEach(sample -> names.add(sample.replaceAll("\\{.*", "")));
    return names;
  }

  /**
   * While KFP answers every call with 503 and the operator keeps asking it {@code endpoint}, waits until the
   * metrics show the breaker at work: the calls KFP refused, at least the breaker's threshold of them, and calls
   * that got no response, which with KFP answering every call can only be the ones the breaker held back.
   */
  public static void awaitCallsHeldBack(int monitoringPort, String endpoint) {
    String refused = "kfp_client_requests_seconds_count{endpoint=\"" + endpoint + "\",outcome=\"server_error\"}";
    String heldBack = "kfp_client_requests_seconds_count{endpoint=\"" + endpoint + "\",outcome=\"no_response\"}";
    await("calls held back by the circuit breaker").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> samples(metrics(monitoringPort)).getOrDefault(heldBack, 0.0), count -> count > 0);
    assertThat(samples(metrics(monitoringPort)).get(refused)).as(refused)
        .isGreaterThanOrEqualTo(OperatorCommand.BREAKER_THRESHOLD);
  }
}
