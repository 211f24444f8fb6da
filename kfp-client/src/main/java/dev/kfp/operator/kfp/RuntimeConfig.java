package dev.kfp.operator.kfp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** Run parameters (any JSON value each) and the pipeline root. */
public record RuntimeConfig(Map<String, JsonNode> parameters, String pipelineRoot) {}
