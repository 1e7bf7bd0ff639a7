package dev.hookline.store.jdbc;

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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal HTTP/1.1 keep-alive endpoint on 127.0.0.1 that answers every request with 204 and
 * records each notification's {@code webhook-id} header and body id. It can be paused: requests are
 * then recorded but held unanswered until {@link #resume()}, to leave a sender's attempts in
 * flight. Thread-safe; {@link #close()} stops it.
 */
final class LoopbackSink implements AutoCloseable {
  private static final Pattern BODY_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private final ServerSocket server;
  private final Thread acceptor;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> arrivals = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();
  private final AtomicInteger mismatched = new AtomicInteger();
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile boolean closed;

  LoopbackSink() throws IOException {
    server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "loopback-sink-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Returns the URI for a path on this sink. */
  String uri(String path) {
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  /** Holds every request unanswered until {@link #resume()}. */
  void pause() {
    gate = new CountDownLatch(1);
  }

  /** Answers held and later requests. */
  void resume() {
    gate.countDown();
  }

  /** Returns how many requests arrived in all. */
  int total() {
    return total.get();
  }

  /** Returns how many distinct {@code webhook-id}s arrived. */
  int distinct() {
    return arrivals.size();
  }

  /** Returns how many times each {@code webhook-id} arrived. */
  Map<String, Integer> counts() {
    Map<String, Integer> out = new ConcurrentHashMap<>();
    arrivals.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Returns how many requests had a body id different from their {@code webhook-id} header. */
  int mismatched() {
    return mismatched.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "loopback-sink-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        InputStream in = new BufferedInputStream(s.getInputStream());
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
          String value = line.substring(colon + 1).trim();
          if (name.equals("content-length")) {
            length = Integer.parseInt(value);
          } else if (name.equals("webhook-id")) {
            webhookId = value;
          }
        }
        byte[] body = in.readNBytes(length);
        if (webhookId != null) {
          total.incrementAndGet();
          arrivals.computeIfAbsent(webhookId, k -> new AtomicInteger()).incrementAndGet();
          Matcher m = BODY_ID.matcher(new String(body, StandardCharsets.UTF_8));
          if (!m.find() || !m.group(1).equals(webhookId)) {
            mismatched.incrementAndGet();
          }
        }
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException e) {
      // the client closed the connection, or the sink is closing
    }
  }

  /** Reads a request head up to the blank line; null at end of stream. */
  private static String readHead(InputStream in) throws IOException {
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
    gate.countDown();
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
