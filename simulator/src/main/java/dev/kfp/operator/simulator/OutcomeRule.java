package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Decides how a run's execution ends; asked once per attempt, when the attempt finishes running. */
@FunctionalInterface
public interface OutcomeRule {

  Outcome decide(RunFacts run);

  static OutcomeRule alwaysSucceed() {
    return run -> Outcome.succeed();
  }

  static OutcomeRule alwaysFail() {
    return run -> Outcome.fail();
  }

  /** Fails runs whose display name contains the text (case-sensitive); others succeed. */
  static OutcomeRule failWhenNameContains(String text) {
    return run -> run.displayName().contains(text) ? Outcome.fail() : Outcome.succeed();
  }

  /** Fails runs whose parameter {@code name} equals {@code value} (compared as JSON); others succeed. */
  static OutcomeRule failWhenParameter(String name, Object value) {
    JsonNode expected = new ObjectMapper().valueToTree(value);
    return run -> {
      JsonNode actual = run.parameters().get(name);
      boolean matches = actual != null && (actual.equals(expected)
          || actual.isNumber() && expected.isNumber() && actual.asDouble() == expected.asDouble());
      return matches ? Outcome.fail() : Outcome.succeed();
    };
  }

  /** This rule for the first attempt only; every retry succeeds ("the second attempt works"). */
  default OutcomeRule thenSucceedOnRetry() {
    return run -> run.attempt() == 1 ? decide(run) : Outcome.succeed();
  }
}
