package dev.kfp.operator.kfp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A google.rpc.Status as KFP writes it: in error bodies and in {@code run.error}. */
public record RpcStatus(Integer code, String message, List<JsonNode> details) {}
