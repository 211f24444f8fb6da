package dev.kfp.operator.kfp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * A KFP v2beta1 run. The same record is the create request (output fields left null) and every response;
 * null fields are never sent.
 */
public record KfpRun(
    String experimentId,
    String runId,
    String displayName,
    KfpStorageState storageState,
    String description,
    PipelineVersionReference pipelineVersionReference,
    ObjectNode pipelineSpec,
    RuntimeConfig runtimeConfig,
    String serviceAccount,
    Instant createdAt,
    Instant scheduledAt,
    Instant finishedAt,
    KfpRuntimeState state,
    RpcStatus error,
    RunDetails runDetails,
    String recurringRunId,
    List<RuntimeStatus> stateHistory,
    JsonNode pluginsInput) {

  /** Starts a create request: only the input fields exist on the builder. */
  public static CreateBuilder create(String displayName) {
    return new CreateBuilder(displayName);
  }

  /**
   * True once the run has a real finish time; KFP reports {@code 1970-01-01T00:00:00Z} while a run is
   * unfinished.
   */
  public boolean hasFinished() {
    return finishedAt != null && finishedAt.isAfter(Instant.EPOCH);
  }

  /** This create request naming {@code reference} as its pipeline, once a reference by name is resolved. */
  public KfpRun withPipelineVersionReference(PipelineVersionReference reference) {
    return new KfpRun(experimentId, runId, displayName, storageState, description, reference, pipelineSpec,
        runtimeConfig, serviceAccount, createdAt, scheduledAt, finishedAt, state, error, runDetails, recurringRunId,
        stateHistory, pluginsInput);
  }

  /** Builds the body of a create call from the fields KFP accepts as input. */
  public static final class CreateBuilder {
    private final String displayName;
    private String description;
    private String experimentId;
    private PipelineVersionReference pipelineVersionReference;
    private ObjectNode pipelineSpec;
    private RuntimeConfig runtimeConfig;
    private String serviceAccount;

    private CreateBuilder(String displayName) {
      this.displayName = displayName;
    }

    public CreateBuilder description(String value) {
      this.description = value;
      return this;
    }

    public CreateBuilder experimentId(String value) {
      this.experimentId = value;
      return this;
    }

    public CreateBuilder pipelineVersionReference(PipelineVersionReference value) {
      this.pipelineVersionReference = value;
      return this;
    }

    public CreateBuilder pipelineSpec(ObjectNode value) {
      this.pipelineSpec = value;
      return this;
    }

    public CreateBuilder runtimeConfig(RuntimeConfig value) {
      this.runtimeConfig = value;
      return this;
    }

    public CreateBuilder serviceAccount(String value) {
      this.serviceAccount = value;
      return this;
    }

    public KfpRun build() {
      return new KfpRun(experimentId, null, displayName, null, description, pipelineVersionReference,
          pipelineSpec, runtimeConfig, serviceAccount, null, null, null, null, null, null, null, null, null);
    }
  }
}
