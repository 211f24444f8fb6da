package dev.kfp.operator.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The Run controller's reconciles as an operator's own {@code /metrics} counts them (JOSDK's reconcile metrics,
 * docs/operating/metrics.md): how many succeeded, how many Runs wait for one and how many run now. What tells,
 * from outside the operator's process, that its start-up reconciles are over.
 *
 * @param succeeded {@code operator_sdk_reconciliations_success_total} of the Run controller
 * @param queued {@code operator_sdk_reconciliations_queue_size_run}
 * @param executing {@code operator_sdk_reconciliations_executions_run}
 */
record RunReconcileMetrics(double succeeded, double queued, double executing) {

  /** Reads the operator's {@code /metrics} on {@code port} of this machine. */
  static RunReconcileMetrics scrape(int port) throws IOException, InterruptedException {
    return parse(metrics(port));
  }

  /** The operator's {@code /metrics} on {@code port}, in Prometheus text format. */
  static String metrics(int port) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  static RunReconcileMetrics parse(String metrics) {
    return new RunReconcileMetrics(sum(metrics, "operator_sdk_reconciliations_success_total", true),
        sum(metrics, "operator_sdk_reconciliations_queue_size_run", false),
        sum(metrics, "operator_sdk_reconciliations_executions_run", false));
  }

  /**
   * True when at least {@code runs} reconciles succeeded and none waits or runs: every Run had its start-up
   * reconcile (the informer queued one per Run before the operator was ready), unless one failed.
   */
  boolean everyRunReconciledOnce(int runs) {
    return succeeded >= runs && queued == 0 && executing == 0;
  }

  /**
   * {@link #everyRunReconciledOnce(int)} for the operator on {@code port} of this machine; false while it does not
   * answer.
   */
  static boolean everyRunReconciledOnce(int port, int runs) {
    try {
      return scrape(port).everyRunReconciledOnce(runs);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * The sum of a family's samples; of the Run controller's only ({@code controller_name="run"} or
   * {@code kind="Run"}) when {@code runControllerOnly}.
   */
  private static double sum(String metrics, String family, boolean runControllerOnly) {
    return sum(metrics, line -> (line.startsWith(family + "{") || line.startsWith(family + " "))
        && (!runControllerOnly || line.contains("=\"run\"") || line.contains("kind=\"Run\"")));
  }

  /** The sum of the values of the samples ({@code name{labels} value} lines) that {@code sample} accepts. */
  static double sum(String metrics, Predicate<String> sample) {
    return metrics.lines().filter(sample)
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}
