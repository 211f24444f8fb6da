package dev.kfp.operator.kfp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/** One task of a run as reported in {@code run_details.task_details}; inputs and outputs stay free JSON. */
public record PipelineTaskDetail(
    String runId,
    String taskId,
    String displayName,
    Instant createTime,
    Instant startTime,
    Instant endTime,
    JsonNode executorDetail,
    KfpRuntimeState state,
    String executionId,
    RpcStatus error,
    JsonNode inputs,
    JsonNode outputs,
    String parentTaskId,
    List<RuntimeStatus> stateHistory,
    String podName,
    List<ChildTask> childTasks) {

  /** A child of a task: another task or the pod that ran it. */
  public record ChildTask(String taskId, String podName) {}
}
