package dev.kfp.operator.kfp;

import java.util.function.Supplier;

/** A KFP client whose calls pass through a {@link KfpCircuitBreaker}. */
final class CircuitBreakingKfpClient implements KfpClient {

  private final KfpClient delegate;
  private final KfpCircuitBreaker breaker;

  CircuitBreakingKfpClient(KfpClient delegate, KfpCircuitBreaker breaker) {
    this.delegate = delegate;
    this.breaker = breaker;
  }

  private <T> T call(String operation, Supplier<T> call) {
    breaker.admit(operation);
    try {
      T result = call.get();
      breaker.record(false, null);
      return result;
    } catch (KfpException e) {
      breaker.record(KfpCircuitBreaker.meansUnavailable(e), e.getMessage());
      throw e;
    } catch (RuntimeException e) {
      breaker.record(false, null);
      throw e;
    }
  }

  private void run(String operation, Runnable call) {
    call(operation, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public KfpRun createRun(KfpRun run) {
    return call("CreateRun", () -> delegate.createRun(run));
  }

  @Override
  public KfpRun getRun(String runId) {
    return call("GetRun", () -> delegate.getRun(runId));
  }

  @Override
  public ListRunsResponse listRuns(ListRunsRequest request) {
    return call("ListRuns", () -> delegate.listRuns(request));
  }

  @Override
  public void archiveRun(String runId) {
    run("ArchiveRun", () -> delegate.archiveRun(runId));
  }

  @Override
  public void unarchiveRun(String runId) {
    run("UnarchiveRun", () -> delegate.unarchiveRun(runId));
  }

  @Override
  public void terminateRun(String runId) {
    run("TerminateRun", () -> delegate.terminateRun(runId));
  }

  @Override
  public void retryRun(String runId) {
    run("RetryRun", () -> delegate.retryRun(runId));
  }

  @Override
  public void deleteRun(String runId) {
    run("DeleteRun", () -> delegate.deleteRun(runId));
  }

  @Override
  public ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName) {
    return call("ReadArtifact", () -> delegate.readArtifact(runId, nodeId, artifactName));
  }

  @Override
  public LogTail readArtifactTail(String runId, String nodeId, String artifactName, LogTailLimits limits) {
    return call("ReadArtifact", () -> delegate.readArtifactTail(runId, nodeId, artifactName, limits));
  }

  @Override
  public KfpExperiment getExperiment(String experimentId) {
    return call("GetExperiment", () -> delegate.getExperiment(experimentId));
  }
}
