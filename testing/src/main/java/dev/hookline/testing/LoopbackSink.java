package dev.hookline.testing;

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
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A minimal HTTP/1.1 keep-alive endpoint on 127.0.0.1 that answers every request with {@code 204 No
 * Content}: a webhook receiver for tests and benchmarks that need many deliveries to arrive fast,
 * over real sockets, without a mock server's overhead. It reads each request's {@code webhook-id}
 * header and either
 *
 * <ul>
 *   <li>records it ({@link #recording()}): how many requests arrived, how often each {@code
 *       webhook-id} did, and whether each body's {@code "id"} matches its header; or
 *   <li>hands it to a callback ({@link #reporting(Consumer)}) and keeps nothing, for long runs such
 *       as load harnesses, where per-id counts would grow without bound.
 * </ul>
 *
 * <p>Each arrival is recorded or reported before the request is answered, so once a sender has seen
 * a delivery succeed, the sink has counted it. The sink can be {@linkplain #pause() paused}:
 * requests are then still recorded but held unanswered until {@link #resume()}, to leave a sender's
 * attempts in flight.
 *
 * <p>It is a fixture, not a server: it serves one thread per connection, checks no signature, and
 * understands only requests whose body is framed by {@code Content-Length}: a chunked request gets
 * {@code 501}, a malformed length {@code 400}, and the connection is closed. A request with {@code
 * Expect: 100-continue} gets {@code 100 Continue} before its body is read. Requests without a
 * {@code webhook-id} header are answered but neither recorded nor reported.
 *
 * <p>Thread-safe: the accessors may be called from any thread while requests arrive. {@link
 * #close()} stops it.
 */
public final class LoopbackSink implements AutoCloseable {
  private static final Pattern BODY_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final byte[] NO_CONTENT =
      "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONTINUE =
      "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** How much of a refused request is read and dropped at most before closing anyway. */
  private static final long MAX_LINGER_BYTES = 1 << 20;

  /** How long {@link #close()} waits for the sink's threads to end, in all. */
  private static final long CLOSE_WAIT_MILLIS = 10_000;

  /** {@link #CLOSE_WAIT_MILLIS}; shorter in this module's tests of the bound. */
  volatile long closeWaitMillis = CLOSE_WAIT_MILLIS;

  private final @Nullable Consumer<String> onArrival; // null: this sink records
  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<Thread> connectionThreads = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> arrivals = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();
  private final AtomicInteger mismatched = new AtomicInteger();
  private volatile CountDownLatch gate = new CountDownLatch(0); // guarded by this for writes
  private volatile boolean closed;

  private LoopbackSink(@Nullable Consumer<String> onArrival) throws IOException {
    this.onArrival = onArrival;
    // 127.0.0.1, as uri() says, also where the JVM prefers IPv6 (getLoopbackAddress() is ::1 then)
    this.server = new ServerSocket(0, 200, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
    this.acceptor = new Thread(this::acceptLoop, threadName("accept"));
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a sink that records every arrival, for tests: see {@link #total()}, {@link #distinct()},
   * {@link #counts()} and {@link #mismatched()}.
   *
   * @return the started sink, listening on an ephemeral port
   * @throws IOException if no port can be bound
   */
  public static LoopbackSink recording() throws IOException {
    return new LoopbackSink(null);
  }

  /**
   * Starts a sink that records nothing and calls {@code onArrival} with each request's {@code
   * webhook-id}, on the connection's thread, before answering it. The callback must be thread-safe
   * and quick; if it throws, the connection is dropped. The request body is skipped unread.
   *
   * @param onArrival called once per request that has a {@code webhook-id} header
   * @return the started sink, listening on an ephemeral port
   * @throws IOException if no port can be bound
   */
  public static LoopbackSink reporting(Consumer<String> onArrival) throws IOException {
    return new LoopbackSink(Objects.requireNonNull(onArrival, "onArrival"));
  }

  /**
   * Returns the {@code http://127.0.0.1:port} URI for a path on this sink.
   *
   * @param path the path, starting with {@code /}
   * @return the URI, as a string
   */
  public String uri(String path) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("the path must start with /: " + path);
    }
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  /** Holds every request unanswered (after recording it) until {@link #resume()}. */
  public synchronized void pause() {
    if (gate.getCount() == 0 && !closed) {
      gate = new CountDownLatch(1);
    }
  }

  /** Answers the held requests, and later ones at once. */
  public synchronized void resume() {
    gate.countDown();
  }

  /**
   * Returns how many requests with a {@code webhook-id} arrived in all, repeats included.
   *
   * @return the count
   * @throws IllegalStateException if this sink was started with {@link #reporting(Consumer)}
   */
  public int total() {
    requireRecording();
    return total.get();
  }

  /**
   * Returns how many distinct {@code webhook-id}s arrived.
   *
   * @return the count
   * @throws IllegalStateException if this sink was started with {@link #reporting(Consumer)}
   */
  public int distinct() {
    requireRecording();
    return arrivals.size();
  }

  /**
   * Returns how many times each {@code webhook-id} arrived.
   *
   * @return a snapshot, keyed by {@code webhook-id}
   * @throws IllegalStateException if this sink was started with {@link #reporting(Consumer)}
   */
  public Map<String, Integer> counts() {
    requireRecording();
    Map<String, Integer> out = new ConcurrentHashMap<>();
    arrivals.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /**
   * Returns how many requests had no {@code "id"} in their body, or one different from their {@code
   * webhook-id} header.
   *
   * @return the count
   * @throws IllegalStateException if this sink was started with {@link #reporting(Consumer)}
   */
  public int mismatched() {
    requireRecording();
    return mismatched.get();
  }

  private void requireRecording() {
    if (onArrival != null) {
      throw new IllegalStateException(
          "this sink reports arrivals and records nothing: start it with recording()");
    }
  }

  private String threadName(String role) {
    return "loopback-sink-" + server.getLocalPort() + "-" + role;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        sockets.add(s);
        if (closed) {
          closeQuietly(s); // close() may have missed it
          return;
        }
        Thread t = new Thread(() -> serve(s), threadName("conn"));
        t.setDaemon(true);
        // Kept until the accept loop sees it ended: close() must see every thread still alive.
        connectionThreads.removeIf(ended -> !ended.isAlive());
        connectionThreads.add(t);
        t.start();
      } catch (IOException e) {
        return; // closed
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
        String refusal = null;
        boolean expectsContinue = false;
        for (String line : head.split("\r\n", -1)) {
          int colon = line.indexOf(':');
          if (colon <= 0) {
            continue;
          }
          String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = line.substring(colon + 1).trim();
          if (name.equals("content-length")) {
            length = contentLength(value);
            if (length < 0) {
              refusal = "400 Bad Request";
            }
          } else if (name.equals("webhook-id")) {
            webhookId = value;
          } else if (name.equals("transfer-encoding")) {
            refusal = "501 Not Implemented";
          } else if (name.equals("expect") && value.equalsIgnoreCase("100-continue")) {
            expectsContinue = true;
          }
        }
        if (refusal != null) {
          refuse(out, refusal);
          Lingering.drain(s, in, MAX_LINGER_BYTES);
          return;
        }
        if (expectsContinue && length > 0) { // the client sends the body only after this
          out.write(CONTINUE);
          out.flush();
        }
        CountDownLatch arrivedUnder = arrived(in, length, webhookId);
        if (!awaitGate(arrivedUnder)) {
          return;
        }
        out.write(NO_CONTENT);
        out.flush();
      }
    } catch (IOException e) {
      // the client closed the connection, or the sink is closing
    } finally {
      sockets.remove(s);
    }
  }

  /**
   * Consumes the body, and records or reports the arrival. Returns the gate it arrived under, read
   * just before it is recorded or reported: a {@link #resume()} once it is lets it go, even if a
   * {@link #pause()} follows before this thread waits.
   */
  private CountDownLatch arrived(InputStream in, int length, @Nullable String webhookId)
      throws IOException {
    Consumer<String> callback = onArrival;
    if (callback != null) {
      in.skipNBytes(length);
      CountDownLatch arrivedUnder = gate;
      if (webhookId != null) {
        callback.accept(webhookId);
      }
      return arrivedUnder;
    }
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new IOException("the connection closed inside a request body");
    }
    CountDownLatch arrivedUnder = gate;
    if (webhookId != null) {
      // The total last: a test that waited for it reads every other count already updated.
      arrivals.computeIfAbsent(webhookId, k -> new AtomicInteger()).incrementAndGet();
      Matcher m = BODY_ID.matcher(new String(body, StandardCharsets.UTF_8));
      if (!m.find() || !m.group(1).equals(webhookId)) {
        mismatched.incrementAndGet();
      }
      total.incrementAndGet();
    }
    return arrivedUnder;
  }

  /** Waits while {@code arrivedUnder} holds; false if interrupted. */
  private static boolean awaitGate(CountDownLatch arrivedUnder) {
    try {
      arrivedUnder.await();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A Content-Length value, or -1 if it is not one. */
  private static int contentLength(String value) {
    try {
      int length = Integer.parseInt(value);
      return length < 0 ? -1 : length;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Answers with an error status; the caller then closes the connection. */
  private static void refuse(OutputStream out, String status) throws IOException {
    out.write(
        ("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads a request head up to the blank line; null at end of stream. */
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

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /**
   * Stops listening, releases held requests, closes every connection and waits for the sink's
   * threads to end, so no {@link #reporting(Consumer) callback} runs once it has returned.
   * Idempotent.
   *
   * @throws IllegalStateException if its threads have not all ended within ten seconds, however
   *     many there are (a callback that does not return)
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      gate.countDown();
    }
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(LoopbackSink::closeQuietly);
    // One bound for all the threads, not one each: with many stuck callbacks, close() would take
    // ten seconds per connection before failing.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(closeWaitMillis);
    try {
      joinUntil(acceptor, deadline);
      // The acceptor has ended, so no connection thread starts after this snapshot.
      for (Thread t : List.copyOf(connectionThreads)) {
        if (t
            != Thread.currentThread()) { // a callback that closes the sink does not wait for itself
          joinUntil(t, deadline);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (acceptor.isAlive()
        || connectionThreads.stream().anyMatch(t -> t.isAlive() && t != Thread.currentThread())) {
      throw new IllegalStateException(
          "threads of the sink at "
              + uri("/")
              + " did not end within "
              + CLOSE_WAIT_MILLIS
              + " ms");
    }
  }

  /** Waits for a thread to end, at most until the deadline ({@link System#nanoTime()}). */
  private static void joinUntil(Thread t, long deadline) throws InterruptedException {
    long left = deadline - System.nanoTime();
    if (left > 0) {
      // At least a millisecond: join(0) would wait without bound.
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
  }
}
