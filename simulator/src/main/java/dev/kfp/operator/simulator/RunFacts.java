package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What an {@link OutcomeRule} may look at when it decides how a run ends.
 *
 * @param attempt 1 for the first execution, 2 after the first retry, and so on
 * @param parameters the runtime parameters as sent (JSON values), never null
 */
public record RunFacts(String runId, String experimentId, String displayName, String description,
    Map<String, JsonNode> parameters, int attempt) {

  public RunFacts {
    parameters = Map.copyOf(parameters);
  }
}
