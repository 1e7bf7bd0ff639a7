package dev.hookline.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * An endpoint that never answers: a listening socket that is never accepted from. The kernel
 * completes connections into its backlog, the request is written, and no byte ever comes back.
 */
final class Blackhole implements AutoCloseable {
  private final ServerSocket socket;

  Blackhole() {
    try {
      socket = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  String url(String path) {
    return "http://127.0.0.1:" + socket.getLocalPort() + path;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
