package dev.hookline.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A loopback HTTP/1.1 sink that answers every request after a delay ({@code delay ± jitter},
 * uniform), without a thread per request: one selector thread reads requests, keeps each connection
 * in a timer queue until its answer is due, then writes a 200 with an empty body. Thousands of
 * requests can wait at once for the cost of a queue entry each, so the sink is not what limits a
 * slow-endpoint run; the harness measures its capacity with wrk before using it.
 *
 * <p>Runs as its own process ({@code java -cp benchmarks.jar dev.hookline.bench.DelayedSink
 * delayMillis jitterFraction}), bound to 127.0.0.1 on a free port that it prints as {@code
 * listening PORT}; it exits when its standard input closes, so it dies with the harness that
 * started it, however that one ends. Not thread-safe: one instance, one thread.
 */
final class DelayedSink {
  private static final byte[] RESPONSE =
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Selector selector;
  private final ServerSocketChannel server;
  private final long delayNanos;
  private final double jitter;
  private final SplittableRandom random = new SplittableRandom();
  private final PriorityQueue<Due> due = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));

  /** The sink running as a child process of the harness. */
  static final class Handle implements AutoCloseable {
    private final Process process;
    private final int port;

    private Handle(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }

    @Override
    public void close() {
      Children.closed(this);
      try {
        process.getOutputStream().close(); // the sink exits when its standard input closes
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (IOException e) {
        process.destroyForcibly();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public String toString() {
      return "DelayedSink on port " + port;
    }
  }

  /**
   * Starts the sink in a child JVM (this JVM's java, this class path).
   *
   * @param delayMillis the mean delay before each answer
   * @param jitter the spread as a fraction of the delay (0.2: ± 20%, uniform)
   * @return the running sink
   * @throws IOException if it does not start
   */
  static Handle start(long delayMillis, double jitter) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                DelayedSink.class.getName(),
                Long.toString(delayMillis),
                Double.toString(jitter))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    Handle h;
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
      String line = out.readLine();
      if (line == null || !line.startsWith("listening ")) {
        throw new IOException("the delayed sink did not start: " + line);
      }
      h = new Handle(p, Integer.parseInt(line.substring("listening ".length()).trim()));
    } catch (IOException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
    return Children.register(h);
  }

  private DelayedSink(long delayNanos, double jitter) throws IOException {
    this.delayNanos = delayNanos;
    this.jitter = jitter;
    this.selector = Selector.open();
    this.server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
  }

  /**
   * Starts the sink and serves until standard input closes.
   *
   * @param args delay in milliseconds (default 500) and jitter as a fraction (default 0.2)
   * @throws IOException if the socket cannot be opened
   */
  public static void main(String[] args) throws IOException {
    long delayMillis = args.length > 0 ? Long.parseLong(args[0]) : 500;
    double jitter = args.length > 1 ? Double.parseDouble(args[1]) : 0.2;
    DelayedSink sink = new DelayedSink(delayMillis * 1_000_000L, jitter);
    Thread watchdog =
        new Thread(
            () -> {
              try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                  // the parent never writes; EOF means it is gone
                }
              } catch (IOException e) {
                // treat as gone
              }
              System.exit(0);
            },
            "parent-watch");
    watchdog.setDaemon(true);
    watchdog.start();
    int port = ((InetSocketAddress) sink.server.getLocalAddress()).getPort();
    System.out.printf(Locale.ROOT, "listening %d%n", port);
    System.out.flush();
    sink.serve();
  }

  private void serve() throws IOException {
    while (true) {
      long now = System.nanoTime();
      Due next;
      while ((next = due.peek()) != null && next.at <= now) {
        due.poll();
        next.conn.respond();
      }
      long waitMillis = next == null ? 1000 : Math.max(1, (next.at - now) / 1_000_000L);
      selector.select(waitMillis);
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        if (!key.isValid()) {
          continue;
        }
        if (key.isAcceptable()) {
          SocketChannel c;
          while ((c = server.accept()) != null) {
            c.configureBlocking(false);
            c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            new Conn(c);
          }
        } else {
          Conn conn = (Conn) key.attachment();
          if (key.isWritable()) {
            conn.flush();
          }
          if (key.isValid() && key.isReadable()) {
            conn.read();
          }
        }
      }
    }
  }

  private long delay() {
    if (delayNanos == 0) {
      return 0;
    }
    double factor = 1 + jitter * (2 * random.nextDouble() - 1);
    return (long) (delayNanos * factor);
  }

  private static final class Due {
    final long at;
    final Conn conn;

    Due(long at, Conn conn) {
      this.at = at;
      this.conn = conn;
    }
  }

  /** One connection: reads whole requests (headers and a Content-Length body), answers later. */
  private final class Conn {
    private final SocketChannel channel;
    private ByteBuffer in = ByteBuffer.allocate(8192);
    private ByteBuffer out = ByteBuffer.allocate(0);
    private int owed; // requests read and not yet answered
    private final SelectionKey key;

    Conn(SocketChannel channel) throws IOException {
      this.channel = channel;
      this.key = channel.register(selector, SelectionKey.OP_READ, this);
    }

    void read() {
      try {
        if (!in.hasRemaining()) {
          ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
          in.flip();
          bigger.put(in);
          in = bigger;
        }
        int n = channel.read(in);
        if (n < 0) {
          close();
          return;
        }
        parse();
      } catch (IOException e) {
        close();
      }
    }

    private void parse() {
      while (true) {
        int end = headerEnd();
        if (end < 0) {
          return;
        }
        int length = contentLength(end);
        int total = end + 4 + length;
        if (in.position() < total) {
          return;
        }
        // consume the request
        in.flip();
        in.position(total);
        in.compact();
        owed++;
        long d = delay();
        if (d == 0) {
          respond();
        } else {
          due.add(new Due(System.nanoTime() + d, this));
        }
      }
    }

    private int headerEnd() {
      byte[] a = in.array();
      int limit = in.position();
      for (int i = 3; i < limit; i++) {
        if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
          return i - 3;
        }
      }
      return -1;
    }

    private int contentLength(int headerEnd) {
      String headers = new String(in.array(), 0, headerEnd, StandardCharsets.US_ASCII);
      for (String line : headers.split("\r\n", -1)) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
          return Integer.parseInt(line.substring(colon + 1).trim());
        }
      }
      return 0;
    }

    void respond() {
      if (owed == 0 || !channel.isOpen()) {
        return;
      }
      owed--;
      ByteBuffer more = ByteBuffer.allocate(out.remaining() + RESPONSE.length);
      more.put(out).put(RESPONSE).flip();
      out = more;
      flush();
    }

    void flush() {
      try {
        channel.write(out);
        if (out.hasRemaining()) {
          key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } else if (key.isValid()) {
          key.interestOps(SelectionKey.OP_READ);
        }
      } catch (IOException e) {
        close();
      }
    }

    private void close() {
      try {
        key.cancel();
        channel.close();
      } catch (IOException e) {
        // already gone
      }
    }
  }
}
