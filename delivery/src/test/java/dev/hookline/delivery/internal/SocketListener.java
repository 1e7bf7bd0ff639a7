package dev.hookline.delivery.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * A listener on loopback written by hand, for tests about what happens on one TCP connection: it
 * accepts connections on a thread of {@code executor} and hands each to {@code serve} on another.
 * {@link #close} stops accepting; the executor is the caller's to shut down, which ends the
 * connections still served.
 */
final class SocketListener implements AutoCloseable {
  private final ServerSocket server;

  SocketListener(ExecutorService executor, Consumer<Socket> serve) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    executor.execute(
        () -> {
          while (!server.isClosed()) {
            try {
              Socket s = server.accept();
              executor.execute(() -> serve.accept(s));
            } catch (IOException e) {
              return; // closed
            }
          }
        });
  }

  /** Returns {@code http://127.0.0.1:<port><path>}. */
  String url(String path) {
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
