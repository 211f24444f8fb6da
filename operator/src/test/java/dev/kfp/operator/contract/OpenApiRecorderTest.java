package dev.kfp.operator.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.InterceptedKfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.kfp.KfpException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The recorder must catch a server that strays from KFP's document, or the contract tests prove nothing. */
class OpenApiRecorderTest {

  static {
    // The JDK server reads this once per JVM, when the first one starts; without it every later server in the
    // same test JVM (the KFP simulator too) stalls ~40 ms per response on delayed ACKs.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private HttpServer server;
  private final OpenApiRecorder recorder = new OpenApiRecorder();
  private HttpKfpClient client;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/apis/v2beta1/runs/good", exchange -> answer(exchange, 200, "{\"run_id\":\"good\"}"));
    server.createContext("/apis/v2beta1/runs/extra", exchange -> answer(exchange, 200,
        "{\"run_id\":\"extra\",\"namespace\":\"team-a\"}"));
    server.createContext("/apis/v2beta1/runs/missing", exchange -> answer(exchange, 404,
        "{\"code\":\"NOT_FOUND\"}"));
    server.start();
    client = InterceptedKfpClient.create(
        KfpClientConfig.builder("http://127.0.0.1:" + server.getAddress().getPort()).build(), recorder);
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
  }

  private static void answer(HttpExchange exchange, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Test
  void recordsAnExchangeThatKeepsToTheDocument() {
    client.getRun("good");

    assertThat(recorder.exchanges()).containsExactly(
        new OpenApiRecorder.Exchange("GET", "/apis/v2beta1/runs/good", 200));
    assertThat(recorder.violations()).isEmpty();
  }

  @Test
  void failsTheCallWhenTheResponseHasAFieldKfpDoesNotDefine() {
    assertThatThrownBy(() -> client.getRun("extra")).isInstanceOf(AssertionError.class)
        .hasMessageContaining("namespace");

    assertThat(recorder.violations()).hasSize(1);
  }

  @Test
  void checksErrorBodiesToo() {
    assertThatThrownBy(() -> client.getRun("missing")).isInstanceOf(AssertionError.class)
        .isNotInstanceOf(KfpException.class);

    assertThat(recorder.violations()).singleElement().asString().contains("response 404");
  }
}
