package dev.kfp.operator.kfp;

import java.time.Instant;

/**
 * The fields of a KFP pipeline the operator needs to find it by name: {@code name} is what GetPipelineByName
 * matches (unique per namespace), {@code displayName} what the UI shows.
 */
public record KfpPipeline(String pipelineId, String name, String displayName, String namespace, Instant createdAt) {}
