package dev.kfp.operator.kfp;

import java.time.Duration;

/**
 * Hears every call {@link HttpKfpClient} makes to KFP, before it is sent and after it ended; the circuit breaker
 * and the call metrics are listeners. Registered in {@link KfpClientConfig.Builder#listener}.
 *
 * <p>Why listeners and not decorators of {@link KfpClient}: every call already goes out through the client's one
 * execute path, which knows the KFP operation, so a listener there sees each call exactly once, and a new
 * client method is metered and guarded without anything else changing. A decorator has to forward every method
 * by hand, and the one it forgets goes unmetered or unguarded.
 */
public interface KfpCallListener {

  /**
   * Before anything is sent. Throwing a {@link KfpException} holds the call back: nothing is sent, the call
   * fails with that exception, and only the listeners registered before this one hear {@link #afterCall}.
   *
   * @param operation KFP's name of the call, e.g. {@code CreateRun}
   */
  default void beforeCall(String operation) {}

  /**
   * After the call ended, however it ended.
   *
   * @param duration from just before the first listener's {@link #beforeCall} until the answer was read
   * @param failure what the call threw, or null when it succeeded; {@link KfpCallOutcome#of} names it
   */
  void afterCall(String operation, Duration duration, RuntimeException failure);
}
