package dev.kfp.operator.kfp;

import java.time.Instant;

/** The fields of a KFP pipeline version the operator needs to pick one by display name (its spec is not read). */
public record KfpPipelineVersion(String pipelineId, String pipelineVersionId, String name, String displayName,
    Instant createdAt) {}
