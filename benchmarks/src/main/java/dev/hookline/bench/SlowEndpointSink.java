package dev.hookline.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A slow webhook endpoint for load runs: an HTTP/1.1 keep-alive server on 127.0.0.1 that answers
 * every request with {@code 200} after a delay drawn uniformly from {@code delay ± spread}, on one
 * non-blocking selector thread. A waiting request holds no thread (answers are kept in a queue
 * ordered by due time), so thousands of connections can wait at once and the sink's own capacity is
 * far above what a slow-endpoint run needs; {@link SlowEndpoints} measures it before each run.
 *
 * <p>Any path is accepted (one sink serves many webhooks as {@code /e/0}, {@code /e/1}, ...). Only
 * {@code Content-Length} bodies are understood. Thread-safe: the counters may be read from any
 * thread; {@link #close()} stops the selector thread.
 */
final class SlowEndpointSink implements SlowSink {
  private static final byte[] OK =
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

  private final Selector selector;
  private final ServerSocketChannel server;
  private final Thread loop;
  private final long delayNanos;
  private final long spreadNanos;
  private final SplittableRandom random = new SplittableRandom(42);
  private final PriorityQueue<Pending> due =
      new PriorityQueue<>((a, b) -> Long.compare(a.atNanos, b.atNanos));
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  private final AtomicLong maxLateNanos = new AtomicLong();
  private volatile boolean closed;

  private SlowEndpointSink(Duration delay, double spread) throws IOException {
    this.delayNanos = delay.toNanos();
    this.spreadNanos = (long) (delay.toNanos() * spread);
    this.selector = Selector.open();
    this.server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8192);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    this.loop = new Thread(this::run, "delayed-sink");
    loop.setDaemon(true);
    loop.start();
  }

  /**
   * Starts a sink.
   *
   * @param delay the mean delay before answering
   * @param spread the relative spread, e.g. 0.2 for ± 20%
   * @return the running sink
   * @throws IOException if the socket cannot be opened
   */
  static SlowEndpointSink start(Duration delay, double spread) throws IOException {
    return new SlowEndpointSink(delay, spread);
  }

  /**
   * The URL of a path on this sink.
   *
   * @param path the path, starting with {@code /}
   * @return the URL
   */
  @Override
  public String url(String path) {
    return "http://127.0.0.1:" + server.socket().getLocalPort() + path;
  }

  @Override
  public long[] counts() {
    return new long[] {received.get(), answered.get()};
  }

  /**
   * Runs a sink in this process for {@link SlowSink#separateProcess}: prints its base URL, then
   * answers {@code counts} and {@code late} on standard input, one line each, until that ends.
   *
   * @param args the delay in milliseconds and the relative spread
   * @throws IOException if the sink cannot start
   */
  public static void main(String[] args) throws IOException {
    try (SlowEndpointSink sink =
            start(Duration.ofMillis(Long.parseLong(args[0])), Double.parseDouble(args[1]));
        java.io.BufferedReader in =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
      java.io.PrintStream out = System.out;
      out.println(sink.url(""));
      out.flush();
      String line;
      while ((line = in.readLine()) != null) {
        switch (line.trim()) {
          case "counts" -> out.println(sink.received.get() + " " + sink.answered.get());
          case "late" -> out.println(sink.takeMaxLateNanos());
          default -> out.println("?");
        }
        out.flush();
      }
    }
  }

  long openConnections() {
    return open.get();
  }

  /**
   * The longest an answer went out after its due time since the last call, and resets it: the sink
   * keeps up while this stays at a few milliseconds.
   *
   * @return the lateness in nanoseconds
   */
  @Override
  public long takeMaxLateNanos() {
    return maxLateNanos.getAndSet(0);
  }

  /**
   * Measures how many requests per second the sink answers with no delay, with a client far cheaper
   * than an HTTP client: {@code connections} threads, each sending a minimal request on its own
   * keep-alive socket and reading the fixed answer.
   *
   * @param connections how many client connections
   * @param duration how long to run
   * @return answered requests per second
   * @throws Exception if a connection fails
   */
  static double capacity(int connections, Duration duration) throws Exception {
    byte[] request =
        "POST /e/0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}"
            .getBytes(StandardCharsets.US_ASCII);
    try (SlowEndpointSink sink = start(Duration.ZERO, 0)) {
      int port = sink.server.socket().getLocalPort();
      long end = System.nanoTime() + duration.toNanos();
      AtomicLong done = new AtomicLong();
      java.util.List<Thread> clients = new java.util.ArrayList<>();
      for (int i = 0; i < connections; i++) {
        Thread t =
            new Thread(
                () -> {
                  try (java.net.Socket s =
                      new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setTcpNoDelay(true);
                    java.io.InputStream in = s.getInputStream();
                    java.io.OutputStream out = s.getOutputStream();
                    byte[] answer = new byte[OK.length];
                    while (System.nanoTime() < end) {
                      out.write(request);
                      int read = 0;
                      while (read < answer.length) {
                        int n = in.read(answer, read, answer.length - read);
                        if (n < 0) {
                          return;
                        }
                        read += n;
                      }
                      done.incrementAndGet();
                    }
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
        t.start();
        clients.add(t);
      }
      for (Thread t : clients) {
        t.join();
      }
      return done.get() / (duration.toNanos() / 1e9);
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    selector.wakeup();
    try {
      loop.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SelectionKey k : selector.keys()) {
      k.channel().close();
    }
    selector.close();
    server.close();
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "SlowEndpointSink[%d ms ± %d ms, received=%d, answered=%d, open=%d]",
        delayNanos / 1_000_000,
        spreadNanos / 1_000_000,
        received.get(),
        answered.get(),
        open.get());
  }

  // ---------------------------------------------------------------- the selector thread

  private static final class Conn {
    final SocketChannel channel;
    ByteBuffer in = ByteBuffer.allocate(4096);
    final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();

    Conn(SocketChannel channel) {
      this.channel = channel;
    }
  }

  private record Pending(long atNanos, Conn conn) {}

  private void run() {
    try {
      while (!closed) {
        long waitMs = 0;
        Pending next = due.peek();
        if (next != null) {
          waitMs = Math.max(1, (next.atNanos - System.nanoTime()) / 1_000_000);
        }
        selector.select(waitMs);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          try {
            if (!key.isValid()) {
              continue;
            }
            if (key.isAcceptable()) {
              accept();
            } else {
              Conn c = (Conn) key.attachment();
              if (key.isReadable()) {
                read(key, c);
              }
              if (key.isValid() && key.isWritable()) {
                flush(key, c);
              }
            }
          } catch (IOException e) {
            drop(key);
          }
        }
        answerDue();
      }
    } catch (IOException e) {
      if (!closed) {
        throw new IllegalStateException("delayed sink failed", e);
      }
    }
  }

  private void accept() throws IOException {
    SocketChannel ch;
    while ((ch = server.accept()) != null) {
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ch.register(selector, SelectionKey.OP_READ, new Conn(ch));
      open.incrementAndGet();
    }
  }

  private void drop(SelectionKey key) {
    key.cancel();
    try {
      key.channel().close();
    } catch (IOException ignored) {
      // closing a broken connection
    }
    open.decrementAndGet();
  }

  private void read(SelectionKey key, Conn c) throws IOException {
    int n = c.channel.read(c.in);
    if (n < 0) {
      drop(key);
      return;
    }
    // Every complete request in the buffer gets an answer due after its delay.
    while (true) {
      int end = indexOf(c.in, HEADER_END);
      if (end < 0) {
        break;
      }
      int length = contentLength(c.in, end);
      int total = end + 4 + length;
      if (c.in.position() < total) {
        if (total > c.in.capacity()) {
          ByteBuffer bigger = ByteBuffer.allocate(total + 1024);
          c.in.flip();
          bigger.put(c.in);
          c.in = bigger;
        }
        break;
      }
      c.in.flip();
      c.in.position(total);
      c.in.compact();
      received.incrementAndGet();
      long jitter = spreadNanos == 0 ? 0 : random.nextLong(-spreadNanos, spreadNanos + 1);
      due.add(new Pending(System.nanoTime() + delayNanos + jitter, c));
    }
    if (!c.in.hasRemaining()) {
      ByteBuffer bigger = ByteBuffer.allocate(c.in.capacity() * 2);
      c.in.flip();
      bigger.put(c.in);
      c.in = bigger;
    }
  }

  private void answerDue() {
    long now = System.nanoTime();
    Pending p;
    while ((p = due.peek()) != null && p.atNanos - now <= 0) {
      due.poll();
      maxLateNanos.accumulateAndGet(now - p.atNanos, Math::max);
      Conn c = p.conn;
      SelectionKey key = c.channel.keyFor(selector);
      if (key == null || !key.isValid()) {
        continue;
      }
      c.out.add(ByteBuffer.wrap(OK));
      try {
        flush(key, c);
        answered.incrementAndGet();
      } catch (IOException e) {
        drop(key);
      }
    }
  }

  private static void flush(SelectionKey key, Conn c) throws IOException {
    while (!c.out.isEmpty()) {
      ByteBuffer b = c.out.peek();
      c.channel.write(b);
      if (b.hasRemaining()) {
        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        return;
      }
      c.out.poll();
    }
    key.interestOps(SelectionKey.OP_READ);
  }

  private static int indexOf(ByteBuffer buf, byte[] needle) {
    int limit = buf.position() - needle.length;
    outer:
    for (int i = 0; i <= limit; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf.get(i + j) != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int contentLength(ByteBuffer buf, int headerEnd) {
    byte[] bytes = new byte[headerEnd];
    ByteBuffer view = buf.duplicate();
    view.position(0);
    view.get(bytes);
    String head = new String(bytes, StandardCharsets.ISO_8859_1);
    for (String line : head.split("\r\n", -1)) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        return Integer.parseInt(line.substring(colon + 1).trim());
      }
    }
    return 0;
  }
}
