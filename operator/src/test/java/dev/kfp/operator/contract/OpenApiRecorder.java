package dev.kfp.operator.contract;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;

/**
 * Sits between the client and the server and checks both sides of every exchange against KFP's OpenAPI
 * document: the request as the client sent it, and the response (error bodies included) as the server wrote
 * it. A mismatch fails the call on the spot with an {@link AssertionError} and is also kept, so a test can
 * assert at the end that none happened even where an error was expected anyway.
 *
 * <p>Paths are validated as sent, so the client's base URL must have no path prefix.
 */
final class OpenApiRecorder implements Interceptor {

  /** One exchange that got a response; transport failures (resets, timeouts) leave none. */
  record Exchange(String method, String pathAndQuery, int status) {}

  private final List<Exchange> exchanges = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    HttpUrl url = request.url();
    String method = request.method();
    String pathAndQuery = url.encodedQuery() == null ? url.encodedPath()
        : url.encodedPath() + "?" + url.encodedQuery();
    String requestBody = bodyOf(request.body());
    check(() -> KfpOpenApi.assertValidRequest(method, pathAndQuery, requestBody));
    Response response = chain.proceed(request);
    String body = response.peekBody(Long.MAX_VALUE).string();
    synchronized (this) {
      exchanges.add(new Exchange(method, pathAndQuery, response.code()));
    }
    check(() -> KfpOpenApi.assertValidResponse(method, url.encodedPath(), response.code(),
        body.isEmpty() ? null : body));
    return response;
  }

  private void check(Runnable validation) {
    try {
      validation.run();
    } catch (AssertionError e) {
      synchronized (this) {
        violations.add(e.getMessage());
      }
      throw e;
    }
  }

  private static String bodyOf(RequestBody body) throws IOException {
    if (body == null || body.contentLength() == 0) {
      return null;
    }
    Buffer buffer = new Buffer();
    body.writeTo(buffer);
    return buffer.readUtf8();
  }

  /** Every exchange so far, in order. */
  synchronized List<Exchange> exchanges() {
    return List.copyOf(exchanges);
  }

  /** Every mismatch with the document so far; empty when both sides kept to it. */
  synchronized List<String> violations() {
    return List.copyOf(violations);
  }
}
