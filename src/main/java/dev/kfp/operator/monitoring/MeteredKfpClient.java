package dev.kfp.operator.monitoring;

import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpExperiment;
import dev.kfp.operator.kfp.KfpException;
import dev.kfp.operator.kfp.KfpRun;
import dev.kfp.operator.kfp.ListRunsRequest;
import dev.kfp.operator.kfp.ListRunsResponse;
import dev.kfp.operator.kfp.LogTail;
import dev.kfp.operator.kfp.LogTailLimits;
import dev.kfp.operator.kfp.ReadArtifactResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link KfpClient} that times every call it passes on, by KFP endpoint ({@code CreateRun}, ...) and outcome,
 * as the Prometheus histogram {@code kfp_client_requests_seconds}. Paged listing goes through
 * {@link #listRuns}, so every page counts as the call it is.
 */
public final class MeteredKfpClient implements KfpClient {

  static final String METER = "kfp.client.requests";

  private final KfpClient delegate;
  private final MeterRegistry registry;

  public MeteredKfpClient(KfpClient delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  /** How a call ended, as the {@code outcome} tag says it. */
  static String outcome(KfpException e) {
    int status = e.httpStatus();
    if (status == 0) {
      return "no_response";
    }
    if (status >= 500) {
      return "server_error";
    }
    if (status >= 400) {
      return "client_error";
    }
    return "invalid_response";
  }

  private <T> T timed(String endpoint, Supplier<T> call) {
    long start = System.nanoTime();
    String outcome = "success";
    try {
      return call.get();
    } catch (KfpException e) {
      outcome = outcome(e);
      throw e;
    } catch (RuntimeException e) {
      outcome = "error";
      throw e;
    } finally {
      Timer.builder(METER)
          .description("Calls to the KFP runs API, by endpoint and outcome")
          .tag("endpoint", endpoint)
          .tag("outcome", outcome)
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(60))
          .register(registry)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  private void timed(String endpoint, Runnable call) {
    timed(endpoint, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public KfpRun createRun(KfpRun run) {
    return timed("CreateRun", () -> delegate.createRun(run));
  }

  @Override
  public KfpRun getRun(String runId) {
    return timed("GetRun", () -> delegate.getRun(runId));
  }

  @Override
  public ListRunsResponse listRuns(ListRunsRequest request) {
    return timed("ListRuns", () -> delegate.listRuns(request));
  }

  @Override
  public void archiveRun(String runId) {
    timed("ArchiveRun", () -> delegate.archiveRun(runId));
  }

  @Override
  public void unarchiveRun(String runId) {
    timed("UnarchiveRun", () -> delegate.unarchiveRun(runId));
  }

  @Override
  public void terminateRun(String runId) {
    timed("TerminateRun", () -> delegate.terminateRun(runId));
  }

  @Override
  public void retryRun(String runId) {
    timed("RetryRun", () -> delegate.retryRun(runId));
  }

  @Override
  public void deleteRun(String runId) {
    timed("DeleteRun", () -> delegate.deleteRun(runId));
  }

  @Override
  public KfpExperiment getExperiment(String experimentId) {
    return timed("GetExperiment", () -> delegate.getExperiment(experimentId));
  }

  @Override
  public ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName) {
    return timed("ReadArtifact", () -> delegate.readArtifact(runId, nodeId, artifactName));
  }

  @Override
  public LogTail readArtifactTail(String runId, String nodeId, String artifactName, LogTailLimits limits) {
    return timed("ReadArtifact", () -> delegate.readArtifactTail(runId, nodeId, artifactName, limits));
  }
}
