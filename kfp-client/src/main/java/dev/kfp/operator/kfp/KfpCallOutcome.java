package dev.kfp.operator.kfp;

import java.util.Locale;

/** How one call to KFP ended, in the words of the {@code outcome} label of the KFP call metrics. */
public enum KfpCallOutcome {
  SUCCESS,
  /** Nothing came back: not sent, or no response to it. */
  NO_RESPONSE,
  /** A 5xx. */
  SERVER_ERROR,
  /** A 4xx. */
  CLIENT_ERROR,
  /** A response that is not an error yet not usable: a redirect, a 2xx body that cannot be read. */
  INVALID_RESPONSE,
  /** Not a KFP failure: a surprise (a bug) on the way. */
  ERROR;

  /** The outcome of a call that threw {@code failure}, or succeeded when it is null. */
  public static KfpCallOutcome of(RuntimeException failure) {
    if (failure == null) {
      return SUCCESS;
    }
    return failure instanceof KfpException e ? e.outcome() : ERROR;
  }

  /** The label value, e.g. {@code no_response}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
