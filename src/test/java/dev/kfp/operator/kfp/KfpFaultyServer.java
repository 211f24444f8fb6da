package dev.kfp.operator.kfp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP server that reads a request's headers and then misbehaves: it resets the connection, or it never
 * answers. For the failures an HTTP server library cannot produce.
 */
final class KfpFaultyServer implements AutoCloseable {

  private final ServerSocket listener;
  private final boolean reset;
  private final List<Socket> held = new CopyOnWriteArrayList<>();

  private KfpFaultyServer(boolean reset) {
    this.reset = reset;
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
    return new KfpFaultyServer(true);
  }

  /** Accepts and reads, but never writes a byte back. */
  static KfpFaultyServer neverAnswering() {
    return new KfpFaultyServer(false);
  }

  /** A local port with nothing listening on it. */
  static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
      try {
        readHeaders(socket.getInputStream());
        if (reset) {
          socket.setSoLinger(true, 0);
          socket.close();
        }
      } catch (IOException clientWentAway) {
        // the client gave up first; nothing left to misbehave on
      }
    }
  }

  private static void readHeaders(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    int b;
    while (matched < end.length && (b = in.read()) >= 0) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
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
