package dev.kfp.operator.kfp;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;

/**
 * A scripted HTTP server for client tests: records every request and answers with the queued responses in
 * order, then with {@code 200 {}}. Not a KFP simulator: it knows nothing about runs.
 */
final class KfpStubServer implements AutoCloseable {

  static {
    // The JDK server reads this once per JVM, when the first one starts; without it every later server in the
    // same test JVM (the KFP simulator too) stalls ~40 ms per response on delayed ACKs.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** A request as the server received it; the path and query are raw (still percent-encoded). */
  record Recorded(String method, String rawPath, String rawQuery, Headers headers, String body) {

    String pathAndQuery() {
      return rawQuery == null ? rawPath : rawPath + "?" + rawQuery;
    }

    String header(String name) {
      return headers.getFirst(name);
    }
  }

  record Scripted(int status, String body, Map<String, String> headers) {}

  private final HttpServer server;
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Scripted> script = new ConcurrentLinkedQueue<>();

  private KfpStubServer(HttpServer server) {
    this.server = server;
    server.createContext("/", this::handle);
    server.start();
  }

  static KfpStubServer http() {
    try {
      return new KfpStubServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static KfpStubServer https(SSLContext tls) {
    try {
      HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(tls));
      return new KfpStubServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The URL a client is configured with, e.g. {@code http://127.0.0.1:40123}. */
  String baseUrl() {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return scheme + "://127.0.0.1:" + server.getAddress().getPort();
  }

  KfpStubServer respond(int status, String body) {
    return respond(status, body, Map.of());
  }

  KfpStubServer respond(int status, String body, Map<String, String> headers) {
    script.add(new Scripted(status, body, headers));
    return this;
  }

  List<Recorded> requests() {
    return List.copyOf(requests);
  }

  Recorded lastRequest() {
    if (requests.isEmpty()) {
      throw new AssertionError("the stub received no request");
    }
    return requests.get(requests.size() - 1);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
          exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body));
      Scripted reply = script.poll();
      if (reply == null) {
        reply = new Scripted(200, "{}", Map.of());
      }
      byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      reply.headers().forEach(exchange.getResponseHeaders()::set);
      exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
