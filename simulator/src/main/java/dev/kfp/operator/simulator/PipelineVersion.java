package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** A registered pipeline version: runs may reference it instead of carrying a spec. */
public record PipelineVersion(String pipelineId, String pipelineVersionId, String displayName, JsonNode spec,
    Instant createdAt) {}
