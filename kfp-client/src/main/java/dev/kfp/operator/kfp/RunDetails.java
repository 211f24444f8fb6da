package dev.kfp.operator.kfp;

import java.util.List;

/** Runtime details KFP fills in as the run's workflow reports progress. */
public record RunDetails(String pipelineContextId, String pipelineRunContextId, List<PipelineTaskDetail> taskDetails) {}
