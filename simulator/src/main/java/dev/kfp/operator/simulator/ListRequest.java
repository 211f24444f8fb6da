package dev.kfp.operator.simulator;

/** The query of a list call, still as text; {@code pageSize} null when absent. */
record ListRequest(String namespace, String experimentId, String pageToken, Integer pageSize, String sortBy,
    String filter) {}
