package dev.kfp.operator.kfp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server that reads requests and then misbehaves: it resets the connection, never answers, or answers the
 * first request of a connection and resets the next one (a keep-alive connection that died while pooled). For
 * the failures an HTTP server library cannot produce.
 */
final class KfpFaultyServer implements AutoCloseable {

  private enum Behaviour { RESET, SILENT, ANSWER_ONCE_THEN_RESET }

  private final ServerSocket listener;
  private final Behaviour behaviour;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();

  private KfpFaultyServer(Behaviour behaviour) {
    this.behaviour = behaviour;
    try {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(this::serve, "kfp-faulty-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Closes every connection with a TCP reset once the request headers arrived. */
  static KfpFaultyServer resettingConnections() {
    return new KfpFaultyServer(Behaviour.RESET);
  }

  /** Accepts and reads, but never writes a byte back. */
  static KfpFaultyServer neverAnswering() {
    return new KfpFaultyServer(Behaviour.SILENT);
  }

  /** Answers the first request of each connection with {@code 200 {}} and resets at the second. */
  static KfpFaultyServer resettingKeptAliveConnections() {
    return new KfpFaultyServer(Behaviour.ANSWER_ONCE_THEN_RESET);
  }

  /** A local port with nothing listening on it. */
  static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How many connections were accepted. */
  int connections() {
    return connections.get();
  }

  /** How many requests arrived (their headers, at least): a client that silently re-sends makes more. */
  int requests() {
    return requests.get();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + listener.getLocalPort();
  }

  private void serve() {
    while (!listener.isClosed()) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException closed) {
        return;
      }
      held.add(socket);
      connections.incrementAndGet();
      try {
        misbehave(socket);
      } catch (IOException clientWentAway) {
        // the client gave up first; nothing left to misbehave on
      }
    }
  }

  private void misbehave(Socket socket) throws IOException {
    readHeaders(socket.getInputStream());
    if (behaviour == Behaviour.SILENT) {
      return;
    }
    if (behaviour == Behaviour.ANSWER_ONCE_THEN_RESET) {
      socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          + "Content-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      readHeaders(socket.getInputStream());
    }
    socket.setSoLinger(true, 0);
    socket.close();
  }

  private void readHeaders(InputStream in) throws IOException {
    byte[] end = {'\r', '\n', '\r', '\n'};
    int matched = 0;
    int b;
    while (matched < end.length && (b = in.read()) >= 0) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    if (matched == end.length) {
      requests.incrementAndGet();
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket socket : held) {
      socket.close();
    }
  }
}
