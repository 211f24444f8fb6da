package dev.kfp.operator.kfp;

/** Names a stored pipeline and, optionally, one of its versions (latest when absent). */
public record PipelineVersionReference(String pipelineId, String pipelineVersionId) {}
