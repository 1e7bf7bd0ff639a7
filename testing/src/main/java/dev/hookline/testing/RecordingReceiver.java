package dev.hookline.testing;

import dev.hookline.testing.tls.ServerCertificate;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A webhook listener on 127.0.0.1 for integration tests: it records every request in full (method,
 * target, headers as received, raw body, arrival time) so a test can assert on exactly what a
 * sender sent, and answers as the test tells it to.
 *
 * <pre>{@code
 * try (RecordingReceiver receiver = RecordingReceiver.start()) {
 *   // register receiver.url("/hooks") as the webhook's URI, publish an event, then:
 *   RecordedRequest request = receiver.awaitRequests(1, Duration.ofSeconds(10)).get(0);
 *   assertEquals("POST", request.method());
 * }
 * }</pre>
 *
 * <p>Answers: the Hookline verification handshake (a {@code GET} with {@code X-Verification-Key})
 * is answered {@code 200} with {@code {"key":"<same value>"}}; when the receiver was built with an
 * {@linkplain Builder#apiKey(String) API key}, only if the request carries {@code Authorization:
 * Bearer <that key>}, and {@code 401} otherwise. Every other request is answered by the {@linkplain
 * #respondWith(String, Reply, Reply...) replies set for its path}, else by the {@linkplain
 * #respondWith(Reply, Reply...) default replies}, else {@code 204 No Content}. While {@linkplain
 * #hold() held}, requests are recorded and then left unanswered until {@link #release()}: the way
 * to test attempt timeouts and slow endpoints without sleeping.
 *
 * <p>Memory is bounded: at most {@link Builder#maxRequests(int)} requests are kept (the oldest are
 * {@linkplain #dropped() dropped}), and a body longer than {@link Builder#maxBodyBytes(int)} is
 * read only up to that cap plus one byte, recorded {@linkplain RecordedRequest#truncated()
 * truncated}, answered {@code 413} and its connection closed.
 *
 * <p>It speaks HTTP/1.1 with keep-alive, over TLS when built with {@link
 * Builder#https(ServerCertificate)}; bodies framed by {@code Content-Length} or chunked. Malformed
 * requests (among them one framed both ways at once, or with a bare CR or LF in its head: a
 * sender's framing bug, shown rather than papered over) are answered {@code 400} (or {@code 501}
 * for an unknown transfer coding, {@code 431} for an oversized head), not recorded, and their
 * connection closed. It serves one thread per connection.
 *
 * <p>Thread-safe: requests may arrive on many connections at once, and every method may be called
 * from any thread while they do. {@link #close()} stops listening, releases held requests, closes
 * every connection and waits for its threads to end.
 */
public final class RecordingReceiver implements AutoCloseable {
  /** How many requests are kept by default before the oldest are dropped. */
  public static final int DEFAULT_MAX_REQUESTS = 10_000;

  /** The longest body recorded in full by default: 1 MiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

  /** The handshake's header, as Hookline's dispatcher sends it. */
  private static final String VERIFICATION_KEY = "X-Verification-Key";

  private static final int MAX_VERIFICATION_KEY_LENGTH = 1024;
  private static final String BEARER = "Bearer ";
  private static final int MAX_HEAD_BYTES = 64 * 1024;

  /** How much of a refused request is read and dropped at most before closing anyway. */
  private static final long MAX_LINGER_BYTES = 4L << 20;

  /** How long {@link #close()} waits for each of its threads to end. */
  private static final long CLOSE_WAIT_MILLIS = 10_000;

  private static final Reply NO_CONTENT = Reply.status(204);
  private static final Reply UNAUTHORIZED =
      Reply.status(401)
          .withHeader("Content-Type", "application/json")
          .withBody("{\"error\":\"unauthorized\"}");

  private final ServerSocket server;
  private final String scheme;
  private final Clock clock;
  private final int maxRequests;
  private final int maxBodyBytes;
  private final byte @Nullable [] apiKeyDigest;
  private final Thread acceptor;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<Thread> connectionThreads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final ArrayDeque<RecordedRequest> recorded = new ArrayDeque<>(); // guarded by itself
  private long dropped; // guarded by recorded
  private final Map<String, Replies> repliesByPath = new ConcurrentHashMap<>();
  private volatile Replies defaultReplies = new Replies(List.of(NO_CONTENT));
  private volatile CountDownLatch gate = new CountDownLatch(0); // written under this
  private final AtomicInteger held = new AtomicInteger();
  private volatile boolean closed;

  private RecordingReceiver(Builder b) throws IOException {
    this.clock = b.clock;
    this.maxRequests = b.maxRequests;
    this.maxBodyBytes = b.maxBodyBytes;
    this.apiKeyDigest = b.apiKey == null ? null : sha256(b.apiKey);
    // 127.0.0.1, as url() says, also where the JVM prefers IPv6 (getLoopbackAddress() is ::1 then)
    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    SSLContext tls = b.tls;
    if (tls == null) {
      this.server = new ServerSocket(0, 200, loopback);
      this.scheme = "http";
    } else {
      this.server = tls.getServerSocketFactory().createServerSocket(0, 200, loopback);
      this.scheme = "https";
    }
    this.acceptor = new Thread(this::acceptLoop, threadName("accept"));
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a plain-HTTP receiver with the defaults: the system clock (UTC), {@value
   * #DEFAULT_MAX_REQUESTS} requests, {@value #DEFAULT_MAX_BODY_BYTES}-byte bodies, no API key.
   *
   * @return the started receiver, listening on an ephemeral port
   * @throws IOException if no port can be bound
   */
  public static RecordingReceiver start() throws IOException {
    return builder().start();
  }

  /**
   * Returns a builder, to start a receiver over HTTPS, with an API key, another clock or other
   * bounds.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns this receiver's URL for a path: {@code http://127.0.0.1:<port><path>}, or {@code
   * https://…} when it was built with TLS.
   *
   * @param path the path, starting with {@code /}, optionally with a query
   * @return the URL, as a string
   * @throws IllegalArgumentException if the path does not start with {@code /}
   */
  public String url(String path) {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("the path must start with /: " + path);
    }
    return scheme + "://127.0.0.1:" + port() + path;
  }

  /**
   * Returns the port this receiver listens on.
   *
   * @return the ephemeral port
   */
  public int port() {
    return server.getLocalPort();
  }

  /**
   * Sets how every request without replies {@linkplain #respondWith(String, Reply, Reply...) for
   * its path} is answered from now on: the first such request gets {@code first}, the next ones
   * each following reply in turn, and the last reply repeats for good. {@code
   * respondWith(status(500), status(500), status(200))} fails twice, then succeeds.
   *
   * @param first the reply to the next request
   * @param then the replies to the requests after it, the last one repeating
   */
  public void respondWith(Reply first, Reply... then) {
    defaultReplies = new Replies(sequence(first, then));
  }

  /**
   * Sets how requests to one path are answered from now on, in the same way as {@link
   * #respondWith(Reply, Reply...)}, starting again at {@code first}.
   *
   * @param path the exact path, without query ({@link RecordedRequest#path()})
   * @param first the reply to the next request to that path
   * @param then the replies to the requests after it, the last one repeating
   * @throws IllegalArgumentException if the path does not start with {@code /}
   */
  public void respondWith(String path, Reply first, Reply... then) {
    Objects.requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("the path must start with /: " + path);
    }
    repliesByPath.put(path, new Replies(sequence(first, then)));
  }

  /**
   * Holds every request from now on: it is recorded, then left unanswered until {@link #release()}
   * (or {@link #close()}). Handshakes are held too; a request refused with {@code 413} or as
   * malformed is not. Idempotent.
   */
  public synchronized void hold() {
    if (gate.getCount() == 0 && !closed) {
      gate = new CountDownLatch(1);
    }
  }

  /** Answers every held request, and later ones at once, until the next {@link #hold()}. */
  public synchronized void release() {
    gate.countDown();
  }

  /**
   * Returns how many recorded requests are waiting for {@link #release()} right now: a test can
   * {@linkplain Poll poll} for it to know that a request has reached the receiver and is held.
   *
   * @return the number of held requests
   */
  public int heldRequests() {
    return held.get();
  }

  /**
   * Returns the recorded requests, oldest first.
   *
   * @return a snapshot
   */
  public List<RecordedRequest> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  /**
   * Returns the recorded requests to one path, oldest first.
   *
   * @param path the exact path, without query ({@link RecordedRequest#path()})
   * @return a snapshot
   */
  public List<RecordedRequest> requestsTo(String path) {
    Objects.requireNonNull(path, "path");
    return requests().stream().filter(r -> r.path().equals(path)).toList();
  }

  /**
   * Waits until at least {@code n} requests are recorded, with {@link Poll}, and returns the first
   * {@code n} of them, oldest first.
   *
   * @param n how many requests to wait for, 1 to the receiver's {@link Builder#maxRequests(int)}
   * @param max how long to wait at most
   * @return the first {@code n} recorded requests
   * @throws AssertionError if fewer than {@code n} are recorded within {@code max}
   * @throws IllegalArgumentException if {@code n} is out of range
   */
  public List<RecordedRequest> awaitRequests(int n, Duration max) {
    if (n < 1 || n > maxRequests) {
      throw new IllegalArgumentException(
          "n is " + n + "; it must be 1 to the " + maxRequests + " requests this receiver keeps");
    }
    Poll.until(
        max,
        () -> recordedCount() >= n,
        () -> n + " requests at " + url("/") + "; " + recordedCount() + " arrived");
    List<RecordedRequest> all = requests();
    if (all.size() < n) {
      throw new AssertionError("the receiver was cleared while waiting for " + n + " requests");
    }
    return List.copyOf(all.subList(0, n));
  }

  private int recordedCount() {
    synchronized (recorded) {
      return recorded.size();
    }
  }

  /**
   * Returns how many recorded requests were dropped, oldest first, to keep at most {@link
   * Builder#maxRequests(int)}, since the start or the last {@link #clear()}.
   *
   * @return the count
   */
  public long dropped() {
    synchronized (recorded) {
      return dropped;
    }
  }

  /** Forgets every recorded request and the {@linkplain #dropped() dropped} count. */
  public void clear() {
    synchronized (recorded) {
      recorded.clear();
      dropped = 0;
    }
  }

  /**
   * Stops listening, releases held requests (whose answers the closing connections may cut off),
   * closes every connection and waits for the receiver's threads to end; the port is free when it
   * returns. Idempotent.
   *
   * @throws IllegalStateException if a thread has not ended after waiting ten seconds for it
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      gate.countDown();
    }
    closeQuietly(server);
    for (Socket s : sockets) {
      try {
        // A TLS close waits, unbounded, for the record lock a thread stuck writing to a client that
        // does not read holds; with a zero linger it only tries the lock, and resets.
        s.setSoLinger(true, 0);
      } catch (IOException e) {
        // closed already
      }
      closeQuietly(s);
    }
    try {
      acceptor.join(CLOSE_WAIT_MILLIS);
      // The acceptor has ended, so no connection thread starts after this snapshot.
      for (Thread t : List.copyOf(connectionThreads)) {
        t.join(CLOSE_WAIT_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (acceptor.isAlive() || connectionThreads.stream().anyMatch(Thread::isAlive)) {
      throw new IllegalStateException(
          "threads of " + this + " did not end within " + CLOSE_WAIT_MILLIS + " ms");
    }
  }

  @Override
  public String toString() {
    return "RecordingReceiver[" + scheme + "://127.0.0.1:" + port() + "]";
  }

  private String threadName(String role) {
    return "recording-receiver-" + server.getLocalPort() + "-" + role;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      sockets.add(s);
      if (closed) {
        closeQuietly(s); // close() may have missed it
        sockets.remove(s);
        return;
      }
      Thread t = new Thread(() -> serve(s), threadName("conn-" + connections.incrementAndGet()));
      t.setDaemon(true);
      connectionThreads.removeIf(ended -> !ended.isAlive());
      connectionThreads.add(t);
      t.start();
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), 16384);
      boolean open = true;
      while (open && !closed) {
        try {
          open = exchange(in, out);
        } catch (Refusal r) {
          write(out, Reply.status(r.status), true, false);
          Lingering.drain(s, in, MAX_LINGER_BYTES);
          open = false;
        }
      }
    } catch (IOException e) {
      // the client closed the connection, or the receiver is closing
    } finally {
      sockets.remove(s);
      // Not removed from connectionThreads here: still alive after that, a thread close() no longer
      // saw would outlive it. The accept loop drops the threads that have ended.
    }
  }

  /** Serves one request; false when the connection is to be closed. */
  private boolean exchange(InputStream in, OutputStream out) throws IOException, Refusal {
    String head = readHead(in);
    if (head == null) {
      return false;
    }
    String[] lines = head.split("\r\n", -1);
    for (String line : lines) {
      if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
        throw new Refusal(400); // a bare CR or LF: a sender's framing bug, not a header value
      }
    }
    String[] requestLine = lines[0].split(" ", -1);
    if (requestLine.length != 3
        || requestLine[0].isEmpty()
        || requestLine[1].isEmpty()
        || !requestLine[2].startsWith("HTTP/1.")) {
      throw new Refusal(400);
    }
    String method = requestLine[0];
    String target = requestLine[1];
    boolean http10 = requestLine[2].equals("HTTP/1.0");
    Map<String, List<String>> headers = parseHeaders(lines);

    byte[] body;
    boolean truncated;
    List<String> codings = headers.getOrDefault("Transfer-Encoding", List.of());
    if (!codings.isEmpty() && headers.containsKey("Content-Length")) {
      throw new Refusal(400); // RFC 9112 6.3: both framings at once, a sender's bug to show
    }
    if (!codings.isEmpty()) {
      String all = String.join(",", codings);
      String last = all.substring(all.lastIndexOf(',') + 1).trim();
      if (!last.equalsIgnoreCase("chunked") || all.indexOf(',') >= 0) {
        throw new Refusal(501);
      }
      continueIfExpected(headers, out);
      ByteArrayOutputStream read = readChunked(in);
      truncated = read.size() > maxBodyBytes;
      body = truncated ? Arrays.copyOf(read.toByteArray(), maxBodyBytes) : read.toByteArray();
    } else {
      long length = contentLength(headers.getOrDefault("Content-Length", List.of()));
      continueIfExpected(headers, out);
      int wanted = (int) Math.min(length, (long) maxBodyBytes + 1);
      byte[] read = in.readNBytes(wanted);
      if (read.length < wanted) {
        throw new IOException("the connection closed inside a request body");
      }
      truncated = length > maxBodyBytes;
      body = truncated ? Arrays.copyOf(read, maxBodyBytes) : read;
    }

    // The gate this request arrived under: a release() once it is recorded lets it go, even if a
    // hold() follows before this thread reads the gate.
    CountDownLatch arrivedUnder = gate;
    record(new RecordedRequest(method, target, headers, body, truncated, clock.instant()));
    if (truncated) {
      throw new Refusal(413);
    }
    Reply reply = answer(method, target, headers);
    if (!awaitGate(arrivedUnder)) {
      return false;
    }
    boolean close =
        closed
            || http10
            || headers.getOrDefault("Connection", List.of()).stream()
                .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("close"));
    write(out, reply, close, method.equalsIgnoreCase("HEAD"));
    return !close;
  }

  private Reply answer(String method, String target, Map<String, List<String>> headers) {
    List<String> keys = headers.getOrDefault(VERIFICATION_KEY, List.of());
    if (method.equalsIgnoreCase("GET") && !keys.isEmpty()) {
      return handshake(keys, headers);
    }
    int q = target.indexOf('?');
    Replies replies = repliesByPath.get(q < 0 ? target : target.substring(0, q));
    return (replies != null ? replies : defaultReplies).next();
  }

  /**
   * Answers the handshake as Hookline's HttpEndpointVerifier expects, and VerifyingHandler does.
   */
  private Reply handshake(List<String> keys, Map<String, List<String>> headers) {
    String key = keys.get(0);
    if (keys.size() != 1
        || key.isEmpty()
        || key.length() > MAX_VERIFICATION_KEY_LENGTH
        || !isVisibleAscii(key)) {
      return Reply.status(400)
          .withHeader("Content-Type", "application/json")
          .withBody("{\"error\":\"bad request\"}");
    }
    if (apiKeyDigest != null && !apiKeyMatches(apiKeyDigest, headers)) {
      return UNAUTHORIZED;
    }
    StringBuilder json = new StringBuilder(key.length() + 12).append("{\"key\":\"");
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      // The key is visible ASCII, so only these two need escaping in a JSON string.
      if (c == '"' || c == '\\') {
        json.append('\\');
      }
      json.append(c);
    }
    return Reply.status(200)
        .withHeader("Content-Type", "application/json")
        .withBody(json.append("\"}").toString());
  }

  private static boolean apiKeyMatches(byte[] expected, Map<String, List<String>> headers) {
    List<String> values = headers.getOrDefault("Authorization", List.of());
    if (values.size() != 1) {
      return false;
    }
    String authorization = values.get(0);
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    // Fixed-length digests: the comparison's time says nothing about the key's length.
    return MessageDigest.isEqual(
        expected, sha256(authorization.substring(BEARER.length()).strip()));
  }

  private void record(RecordedRequest request) {
    synchronized (recorded) {
      if (recorded.size() >= maxRequests) {
        recorded.removeFirst();
        dropped++;
      }
      recorded.addLast(request);
    }
  }

  /** Waits while {@code current} holds; false if interrupted. */
  private boolean awaitGate(CountDownLatch current) {
    if (current.getCount() == 0) {
      return true;
    }
    held.incrementAndGet();
    try {
      current.await();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      held.decrementAndGet();
    }
  }

  private static Map<String, List<String>> parseHeaders(String[] lines) throws Refusal {
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    // The head ends with an empty line, and split() keeps a second empty string after it.
    for (int i = 1; i < lines.length - 2; i++) {
      String line = lines[i];
      int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line.substring(0, colon))) {
        throw new Refusal(400); // also obsolete line folding, which starts with a space
      }
      headers
          .computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>())
          .add(trimOws(line.substring(colon + 1)));
    }
    return headers;
  }

  private static long contentLength(List<String> values) throws Refusal {
    if (values.isEmpty()) {
      return 0;
    }
    long length = -1;
    for (String value : values) {
      long parsed;
      try {
        parsed = value.isEmpty() || value.length() > 18 ? -1 : Long.parseLong(value);
      } catch (NumberFormatException e) {
        parsed = -1;
      }
      if (parsed < 0 || (length >= 0 && parsed != length)) {
        throw new Refusal(400);
      }
      length = parsed;
    }
    return length;
  }

  private static void continueIfExpected(Map<String, List<String>> headers, OutputStream out)
      throws IOException {
    if (headers.getOrDefault("Expect", List.of()).stream()
        .anyMatch(v -> v.equalsIgnoreCase("100-continue"))) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
  }

  /** Reads a chunked body, keeping at most the cap plus one byte and stopping there. */
  private ByteArrayOutputStream readChunked(InputStream in) throws IOException, Refusal {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    long keep = (long) maxBodyBytes + 1;
    while (true) {
      String sizeLine = readLine(in);
      int semicolon = sizeLine.indexOf(';');
      String hex = trimOws(semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon));
      long size;
      try {
        size = hex.isEmpty() || hex.length() > 15 ? -1 : Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        size = -1;
      }
      if (size < 0) {
        throw new Refusal(400);
      }
      if (size == 0) {
        for (int trailers = 0; !readLine(in).isEmpty(); trailers++) {
          if (trailers > 100) {
            throw new Refusal(431);
          }
        }
        return body;
      }
      int take = (int) Math.min(size, keep - body.size());
      byte[] chunk = in.readNBytes(take);
      if (chunk.length < take) {
        throw new IOException("the connection closed inside a request body");
      }
      body.write(chunk);
      if (body.size() >= keep) {
        return body; // over the cap: the rest is not read
      }
      if (!readLine(in).isEmpty()) {
        throw new Refusal(400);
      }
    }
  }

  /** Reads a line ended by CRLF (or a bare LF), without its end; a Refusal if too long. */
  private static String readLine(InputStream in) throws IOException, Refusal {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the connection closed inside a chunked body");
      }
      if (line.length() >= 4096) {
        throw new Refusal(400);
      }
      line.append((char) b);
    }
    int end = line.length();
    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
  }

  /** Reads a request head up to the blank line; null at end of stream before any byte. */
  private static @Nullable String readHead(InputStream in) throws IOException, Refusal {
    ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    int last4 = 0;
    while (last4 != 0x0D0A0D0A) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("the connection closed inside a request head");
      }
      if (head.size() >= MAX_HEAD_BYTES) {
        throw new Refusal(431);
      }
      head.write(b);
      last4 = (last4 << 8) | b;
    }
    // Latin-1 maps each byte to one char: header values come back exactly as their bytes were.
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static void write(OutputStream out, Reply reply, boolean close, boolean head)
      throws IOException {
    StringBuilder sb =
        new StringBuilder("HTTP/1.1 ")
            .append(reply.status)
            .append(' ')
            .append(reasonPhrase(reply.status))
            .append("\r\n");
    reply.headers.forEach(
        (name, values) ->
            values.forEach(v -> sb.append(name).append(": ").append(v).append("\r\n")));
    boolean bodiless = reply.status == 204 || reply.status == 304;
    if (!bodiless) {
      sb.append("Content-Length: ").append(reply.body.length).append("\r\n");
    }
    if (close) {
      sb.append("Connection: close\r\n");
    }
    out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!bodiless && !head) {
      out.write(reply.body);
    }
    out.flush();
  }

  private static String reasonPhrase(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 202 -> "Accepted";
      case 204 -> "No Content";
      case 301 -> "Moved Permanently";
      case 302 -> "Found";
      case 304 -> "Not Modified";
      case 307 -> "Temporary Redirect";
      case 308 -> "Permanent Redirect";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 413 -> "Content Too Large";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Status " + status;
    };
  }

  private static List<Reply> sequence(Reply first, Reply... then) {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(then, "then");
    List<Reply> all = new ArrayList<>(then.length + 1);
    all.add(first);
    for (Reply r : then) {
      all.add(Objects.requireNonNull(r, "then contains null"));
    }
    return List.copyOf(all);
  }

  private static String trimOws(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
      start++;
    }
    while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isVisibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing anyway
    }
  }

  /** A request answered with an error status and its connection closed, without a handler. */
  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    Refusal(int status) {
      super("HTTP " + status, null, false, false);
      this.status = status;
    }
  }

  /** A reply sequence: each call of next() moves on, until the last reply, which repeats. */
  private static final class Replies {
    private final List<Reply> replies;
    private final AtomicInteger next = new AtomicInteger();

    Replies(List<Reply> replies) {
      this.replies = replies;
    }

    Reply next() {
      int last = replies.size() - 1;
      return replies.get(next.getAndUpdate(i -> i < last ? i + 1 : i));
    }
  }

  /**
   * What the receiver answers to a request: a status, optional headers and an optional body. The
   * receiver adds {@code Content-Length} (except to {@code 204} and {@code 304}) and, when it
   * closes the connection, {@code Connection: close}.
   *
   * <pre>{@code
   * receiver.respondWith(Reply.status(503).withHeader("Retry-After", "1"), Reply.status(204));
   * }</pre>
   *
   * <p>Immutable and thread-safe.
   */
  public static final class Reply {
    private final int status;
    private final Map<String, List<String>> headers;
    private final byte[] body;

    private Reply(int status, Map<String, List<String>> headers, byte[] body) {
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    /**
     * Returns a reply with a status, no headers and no body.
     *
     * @param status the HTTP status, 200 to 599
     * @return the reply
     * @throws IllegalArgumentException if the status is out of range
     */
    public static Reply status(int status) {
      if (status < 200 || status > 599) {
        throw new IllegalArgumentException("status is " + status + "; it must be 200 to 599");
      }
      return new Reply(status, Map.of(), new byte[0]);
    }

    /**
     * Returns a copy of this reply with one more header line.
     *
     * @param name the header name; not {@code Content-Length}, {@code Transfer-Encoding} or {@code
     *     Connection}, which the receiver sets
     * @param value the value: visible ASCII, spaces and tabs
     * @return the new reply
     * @throws IllegalArgumentException if the name or value is not allowed
     */
    public Reply withHeader(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (!isToken(name)) {
        throw new IllegalArgumentException("not a header name: " + name);
      }
      if (name.equalsIgnoreCase("Content-Length")
          || name.equalsIgnoreCase("Transfer-Encoding")
          || name.equalsIgnoreCase("Connection")) {
        throw new IllegalArgumentException("the receiver sets " + name + " itself");
      }
      if (!value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c <= 0x7E))) {
        throw new IllegalArgumentException("the value of " + name + " must be visible ASCII");
      }
      Map<String, List<String>> copy = new LinkedHashMap<>(headers);
      List<String> values = new ArrayList<>(copy.getOrDefault(name, List.of()));
      values.add(value);
      copy.put(name, List.copyOf(values));
      return new Reply(status, Collections.unmodifiableMap(copy), body);
    }

    /**
     * Returns a copy of this reply with a body, encoded as UTF-8.
     *
     * @param body the body
     * @return the new reply
     */
    public Reply withBody(String body) {
      return withBody(Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns a copy of this reply with a body.
     *
     * @param body the body bytes, copied
     * @return the new reply
     * @throws IllegalArgumentException if the status is 204 or 304, which carry no body
     */
    public Reply withBody(byte[] body) {
      Objects.requireNonNull(body, "body");
      if ((status == 204 || status == 304) && body.length > 0) {
        throw new IllegalArgumentException("a " + status + " reply carries no body");
      }
      return new Reply(status, headers, body.clone());
    }

    /**
     * Returns the status.
     *
     * @return the HTTP status
     */
    public int status() {
      return status;
    }

    @Override
    public String toString() {
      return "Reply[" + status + ", " + headers.keySet() + ", " + body.length + " bytes]";
    }
  }

  /**
   * Configures and starts a {@link RecordingReceiver}. Not thread-safe.
   *
   * <pre>{@code
   * TestCertificates ca = TestCertificates.authority("Test CA");
   * RecordingReceiver receiver =
   *     RecordingReceiver.builder().https(ca.issue("127.0.0.1")).apiKey("key").start();
   * HttpClient client = HttpClient.newBuilder().sslContext(ca.clientContext()).build();
   * }</pre>
   */
  public static final class Builder {
    private @Nullable SSLContext tls;
    private Clock clock = Clock.systemUTC();
    private int maxRequests = DEFAULT_MAX_REQUESTS;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private @Nullable String apiKey;

    private Builder() {}

    /**
     * Serves HTTPS with a certificate from a {@link dev.hookline.testing.tls.TestCertificates}
     * authority; issue it for {@code "127.0.0.1"}, the host of {@link
     * RecordingReceiver#url(String)}.
     *
     * @param certificate the server certificate
     * @return this builder
     */
    public Builder https(ServerCertificate certificate) {
      return https(Objects.requireNonNull(certificate, "certificate").serverContext());
    }

    /**
     * Serves HTTPS with a server-side TLS context.
     *
     * @param context the context, holding the server's key and certificate
     * @return this builder
     */
    public Builder https(SSLContext context) {
      this.tls = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Answers the verification handshake only to requests with {@code Authorization: Bearer
     * <apiKey>}, and {@code 401} to others, as a listener checking its webhook's API key does.
     * Other requests are recorded and answered whatever their {@code Authorization}.
     *
     * @param apiKey the webhook's API key
     * @return this builder
     * @throws IllegalArgumentException if the key is empty or not visible ASCII
     */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      if (apiKey.isEmpty() || !isVisibleAscii(apiKey)) {
        throw new IllegalArgumentException("the API key must be non-empty visible ASCII");
      }
      this.apiKey = apiKey;
      return this;
    }

    /**
     * Sets the clock that stamps {@link RecordedRequest#receivedAt()}; the system clock (UTC) by
     * default.
     *
     * @param clock the clock, for example a {@link ManualClock}
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets how many requests are kept; beyond it the oldest are dropped and counted in {@link
     * RecordingReceiver#dropped()}. {@value RecordingReceiver#DEFAULT_MAX_REQUESTS} by default.
     *
     * @param maxRequests at least 1
     * @return this builder
     */
    public Builder maxRequests(int maxRequests) {
      if (maxRequests < 1) {
        throw new IllegalArgumentException("maxRequests is " + maxRequests + "; it must be >= 1");
      }
      this.maxRequests = maxRequests;
      return this;
    }

    /**
     * Sets the longest body recorded in full; a longer one is recorded truncated to it and answered
     * {@code 413}. {@value RecordingReceiver#DEFAULT_MAX_BODY_BYTES} bytes by default.
     *
     * @param maxBodyBytes 0 to 256 MiB
     * @return this builder
     */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 0 || maxBodyBytes > (256 << 20)) {
        throw new IllegalArgumentException(
            "maxBodyBytes is " + maxBodyBytes + "; it must be 0 to 256 MiB");
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /**
     * Starts the receiver on 127.0.0.1 with an ephemeral port.
     *
     * @return the started receiver
     * @throws IOException if no port can be bound
     */
    public RecordingReceiver start() throws IOException {
      return new RecordingReceiver(this);
    }
  }
}
