package dev.hookline.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A minimal HTTP/1.1 keep-alive endpoint on 127.0.0.1 that answers every request with 204 at once
 * and reports each notification's {@code webhook-id}: a sink fast enough that the harness measures
 * Hookline, not the endpoint. One thread per connection. Thread-safe; {@link #close()} stops it.
 */
final class BenchSink implements AutoCloseable {
  private static final byte[] NO_CONTENT =
      "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket server;
  private final Consumer<String> onArrival;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  BenchSink(Consumer<String> onArrival) throws IOException {
    this.onArrival = onArrival;
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "bench-sink-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String uri(String path) {
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "bench-sink-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
        OutputStream out = s.getOutputStream()) {
      while (!closed) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        int length = 0;
        String webhookId = null;
        for (String line : head.split("\r\n", -1)) {
          int colon = line.indexOf(':');
          if (colon <= 0) {
            continue;
          }
          String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
          if (name.equals("content-length")) {
            length = Integer.parseInt(line.substring(colon + 1).trim());
          } else if (name.equals("webhook-id")) {
            webhookId = line.substring(colon + 1).trim();
          }
        }
        in.skipNBytes(length);
        out.write(NO_CONTENT);
        out.flush();
        if (webhookId != null) {
          onArrival.accept(webhookId);
        }
      }
    } catch (IOException e) {
      // the client closed the connection, or the sink is closing
    }
  }

  private static @Nullable String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    int last4 = 0;
    while (last4 != 0x0D0A0D0A) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      last4 = (last4 << 8) | b;
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
