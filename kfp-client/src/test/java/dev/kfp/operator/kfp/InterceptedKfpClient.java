package dev.kfp.operator.kfp;

import java.util.List;
import okhttp3.Interceptor;

/** Opens {@link HttpKfpClient}'s interceptor hook to tests in other packages (the contract tests). */
public final class InterceptedKfpClient {

  private InterceptedKfpClient() {}

  /** A client whose every call passes through {@code interceptor} before it reaches the network. */
  public static HttpKfpClient create(KfpClientConfig config, Interceptor interceptor) {
    return new HttpKfpClient(config, List.of(interceptor));
  }
}
