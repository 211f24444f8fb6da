package dev.kfp.operator.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kfp.operator.kfp.KfpException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on how the client reports a failed call. */
final class KfpFailures {

  private KfpFailures() {}

  /** The KfpException the call throws; fails the test when it throws none. */
  static KfpException failureOf(ThrowingCallable call) {
    KfpException failure = catchThrowableOfType(KfpException.class, call);
    assertThat(failure).as("the call should have failed with a KfpException").isNotNull();
    return failure;
  }

  /** The same call would fail the same way, and it certainly changed nothing. */
  static void assertPermanent(KfpException failure) {
    assertThat(failure.isRetryable()).as("retryable: " + failure.getMessage()).isFalse();
    assertThat(failure.isAmbiguous()).as("ambiguous: " + failure.getMessage()).isFalse();
  }

  /** Worth repeating later. */
  static void assertRetryable(KfpException failure) {
    assertThat(failure.isRetryable()).as("retryable: " + failure.getMessage()).isTrue();
  }
}
