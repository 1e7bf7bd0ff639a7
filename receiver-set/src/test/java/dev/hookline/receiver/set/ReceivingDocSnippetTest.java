package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The SET listener in docs/receiving.md is this code: it compiles here and is quoted verbatim (the
 * snippet regions below, joined). The part after the verifier and server runs in a test.
 */
class ReceivingDocSnippetTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @SuppressWarnings("unused") // compiled, not run: it listens on a fixed port
  static void listener() throws IOException {
    // spotless:off
    // snippet:start
    SecurityEventTokenVerifier verifier = SecurityEventTokenVerifier.builder()
        .jwksUri(URI.create("https://id.example.com/.well-known/jwks.json"), HttpClient.newHttpClient())
        .issuer("https://id.example.com")            // the sender's iss
        .audience("https://rp.example.com/hookline") // the webhook's audience, or its URI
        .apiKey(System.getenv("HOOKLINE_API_KEY"))   // still sent as Authorization: Bearer
        .build();
    HttpServer server = HttpServer.create(new InetSocketAddress(8443), 0); // put TLS in front
    Consumer<SecurityEvent> process = event -> // your code; throw to have the sender retry
        System.out.println(event.type() + " " + event.eventId() + " " + event.data());
    // snippet:end
    // spotless:on
    serve(verifier, server, process);
  }

  /** The rest of the documented listener, apart so that a test can run it on its own server. */
  static void serve(
      SecurityEventTokenVerifier verifier, HttpServer server, Consumer<SecurityEvent> process) {
    // spotless:off
    // snippet:start
    server.createContext("/hookline", exchange -> {
      byte[] answer = new byte[0];
      int status = 202;
      InputStream in = exchange.getRequestBody();
      long drop = 1L << 20; // at most this much of a body refused on its API key is read, below
      try {
        // the verification handshake (GET), answered only with the API key
        Optional<String> handshake =
            verifier.handshake(exchange.getRequestMethod(), exchange.getRequestHeaders());
        if (handshake.isPresent()) {
          status = 200;
          answer = handshake.get().getBytes(StandardCharsets.UTF_8);
        } else {
          // the API key before the body: a request without it is refused (400), none of its
          // body kept (with allowWithoutApiKey() and no apiKey(...), every request passes)
          verifier.checkApiKey(exchange.getRequestHeaders());
          drop = 16L << 20; // the most a Hookline sender sends
          // one byte over the limit at most: verify refuses a longer body (413)
          byte[] body = in.readNBytes(verifier.maxBodyBytes() + 1);
          SecurityEvent event = verifier.verify(exchange.getRequestHeaders(), body);
          boolean processed = false;
          try {
            process.accept(event);
            processed = true;
            verifier.complete(event); // a retry of this jti is acknowledged, not processed again
          } catch (RuntimeException failed) {
            if (!processed) {
              verifier.release(event); // the sender's retry is processed, not answered 409
              status = 500;
            } // else processed all the same, only not recorded: 202, or the retry runs it again
          }
        }
      } catch (WebhookVerificationException e) {
        status = SecurityEventTokenVerifier.httpStatus(e); // RFC 8935's: mostly 400, see below
        answer = SecurityEventTokenVerifier.errorBody(e).getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) { // a shared replay guard whose store is down, say
        status = 500; // the sender retries; logged, since the 500 says nothing of why
        System.getLogger("hookline").log(System.Logger.Level.WARNING, "answered 500", e);
      }
      // read and drop the rest of a refused body, none of it kept: a sender still writing its body
      // reads a reset connection, not the answer, if it is left
      byte[] rest = new byte[8192];
      while (drop > 0) {
        int n = in.read(rest);
        if (n < 0) {
          break;
        }
        drop -= n;
      }
      if (answer.length > 0) { // the handshake's {"key"}, or a 400's {"err","description"}
        exchange.getResponseHeaders().set("Content-Type", "application/json");
      }
      exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
    // snippet:end
    // spotless:on
  }

  @Test
  void docsReceivingShowsTheCompiledListenerVerbatim() throws IOException {
    Path source = Path.of("src/test/java/dev/hookline/receiver/set/ReceivingDocSnippetTest.java");
    List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
    StringBuilder snippet = new StringBuilder();
    boolean inside = false;
    int regions = 0;
    for (String line : lines) {
      if (line.equals("    // snippet:start")) {
        inside = true;
        regions++;
      } else if (line.equals("    // snippet:end")) {
        inside = false;
      } else if (inside) {
        snippet.append(line.length() >= 4 ? line.substring(4) : line.strip()).append('\n');
      }
    }
    assertEquals(2, regions);
    String docs = Files.readString(Path.of("../docs/receiving.md"), StandardCharsets.UTF_8);
    assertTrue(
        docs.contains("```java\n" + snippet + "```"),
        "docs/receiving.md must show, verbatim:\n" + snippet);
  }

  @Test
  void theDocumentedHandlerKeepsOneByteOverTheLimitAndAnswers413() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(Tokens.RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(clock)
            .maxBodyBytes(4096)
            .build();
    AtomicLong read = new AtomicLong();
    HttpServer server =
        new CountingServer(
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), read);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    serve(verifier, server, event -> {});
    try {
      URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hookline");

      byte[] oversized = new byte[4 * 4096];
      Arrays.fill(oversized, (byte) 'a');
      HttpResponse<String> refused = post(client, hook, oversized);
      assertEquals(413, refused.statusCode());
      assertEquals("", refused.body(), "no RFC 8935 error body but with a 400");
      // Kept: one byte over the limit; the rest read and dropped, so the sender reads the 413.
      assertEquals(oversized.length, read.get(), "the handler drained the refused body");

      read.set(0);
      byte[] token = Tokens.bytes(Tokens.rs256("evt_doc", clock.instant()));
      assertEquals(202, post(client, hook, token).statusCode(), "a token within the limit");
      assertEquals(token.length, read.get());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void theDocumentedHandlerAnswersAsRfc8935Asks() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(Tokens.RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(clock)
            .build();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    serve(verifier, server, event -> {});
    try {
      URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hookline");
      Instant now = clock.instant();
      Map<String, String> refusals =
          Map.of(
              "invalid_issuer",
              Tokens.sign(
                  Tokens.header(JWSAlgorithm.RS256, Tokens.RSA.getKeyID()).build(),
                  Tokens.claims("evt_iss", now).issuer("https://evil.example").build(),
                  new RSASSASigner(Tokens.RSA)),
              "invalid_audience",
              Tokens.sign(
                  Tokens.header(JWSAlgorithm.RS256, Tokens.RSA.getKeyID()).build(),
                  Tokens.claims("evt_aud", now).audience("https://someone-else.example").build(),
                  new RSASSASigner(Tokens.RSA)),
              "invalid_key",
              Tokens.sign(
                  Tokens.header(JWSAlgorithm.RS256, Tokens.RSA_OTHER.getKeyID()).build(),
                  Tokens.claims("evt_kid", now).build(),
                  new RSASSASigner(Tokens.RSA_OTHER)),
              "invalid_request",
              Tokens.rs256("evt_old", now.minus(Duration.ofHours(1))));
      for (Map.Entry<String, String> r : refusals.entrySet()) {
        HttpResponse<String> answer = post(client, hook, Tokens.bytes(r.getValue()));
        assertEquals(400, answer.statusCode(), r.getKey());
        assertEquals(Optional.of("application/json"), answer.headers().firstValue("Content-Type"));
        assertEquals(r.getKey(), JSON.readTree(answer.body()).get("err").asText(), answer.body());
      }

      byte[] token = Tokens.bytes(Tokens.rs256("evt_twice", now));
      assertEquals(202, post(client, hook, token).statusCode());
      HttpResponse<String> again = post(client, hook, token);
      assertEquals(202, again.statusCode(), "processed: acknowledged");
      assertEquals("", again.body(), "a success, without an error body");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void theDocumentedHandlerHasAFailedEventRetriedAndAProcessedOneAcknowledged() throws Exception {
    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(Tokens.RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(clock)
            .build();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicInteger runs = new AtomicInteger();
    serve(
        verifier,
        server,
        event -> {
          if (runs.incrementAndGet() == 1) {
            throw new IllegalStateException("the application's database is down");
          }
        });
    try {
      URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hookline");
      byte[] token = Tokens.bytes(Tokens.rs256("evt_retried", clock.instant()));
      assertEquals(500, post(client, hook, token).statusCode(), "processing failed");
      assertEquals(202, post(client, hook, token).statusCode(), "the retry is processed");
      assertEquals(2, runs.get(), "not answered 409 as if still in progress");
      assertEquals(202, post(client, hook, token).statusCode(), "processed: acknowledged");
      assertEquals(2, runs.get(), "not processed a third time");
    } finally {
      server.stop(0);
    }
  }

  /**
   * Ninth review round: the listener read up to {@code maxBodyBytes + 1} bytes of every request,
   * and kept them, before {@code verify} looked at the API key, so anyone without the key could
   * make it buffer 1 MiB (by default) per request. It now checks the key first ({@code
   * checkApiKey}) and keeps none of a refused body: it reads and drops 1 MiB of it at most, so that
   * a sender whose key is wrong reads the 400 rather than a reset connection.
   */
  @Test
  void theDocumentedHandlerChecksTheApiKeyBeforeReadingTheBody() throws Exception {
    String docs = Files.readString(Path.of("../docs/receiving.md"), StandardCharsets.UTF_8);
    int listener = docs.indexOf("server.createContext(\"/hookline\", exchange -> {");
    int check = docs.indexOf("verifier.checkApiKey(exchange.getRequestHeaders());", listener);
    int body = docs.indexOf("in.readNBytes(", listener);
    assertTrue(listener >= 0 && check > listener && check < body, "the key is checked first");

    ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .apiKey(Tokens.API_KEY)
            .jwks(Tokens.jwks(Tokens.RSA))
            .issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE)
            .clock(clock)
            .maxBodyBytes(4 << 20)
            .build();
    AtomicLong read = new AtomicLong();
    AtomicInteger handled = new AtomicInteger();
    HttpServer server =
        new CountingServer(
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
            read,
            handled);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    serve(verifier, server, event -> {});
    try {
      URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hookline");
      String wrong = "Bearer " + Tokens.API_KEY + "-not";

      // Within maxBodyBytes but over 1 MiB: at most 1 MiB of it is read, and none of it kept.
      byte[] large = new byte[3 << 20];
      try {
        assertEquals(400, post(client, hook, large, wrong).statusCode());
      } catch (IOException reset) {
        // the listener stopped reading: the connection may be reset before the 400 is read
      }
      Poll.until(Duration.ofSeconds(10), () -> handled.get() == 1, "the request is handled");
      assertTrue(read.get() <= (1 << 20) + 8192, "read " + read.get() + " bytes of a refused body");

      // A sender whose key is wrong reads the 400 with its error code, not a reset connection.
      byte[] sized = new byte[256 << 10];
      Arrays.fill(sized, (byte) 'a');
      for (int i = 0; i < 10; i++) {
        read.set(0);
        HttpResponse<String> refused = post(client, hook, sized, wrong);
        assertEquals(400, refused.statusCode());
        assertEquals("authentication_failed", JSON.readTree(refused.body()).get("err").asText());
        assertEquals(sized.length, read.get(), "read and dropped");
      }
      read.set(0);
      HttpResponse<String> missing = post(client, hook, sized, null);
      assertEquals(400, missing.statusCode());
      assertEquals("authentication_failed", JSON.readTree(missing.body()).get("err").asText());

      read.set(0);
      byte[] token = Tokens.bytes(Tokens.rs256("evt_keyed", clock.instant()));
      assertEquals(202, post(client, hook, token, "Bearer " + Tokens.API_KEY).statusCode());
      assertEquals(token.length, read.get());
    } finally {
      server.stop(0);
    }
  }

  private static HttpResponse<String> post(HttpClient client, URI uri, byte[] body)
      throws IOException, InterruptedException {
    return post(client, uri, body, null);
  }

  private static HttpResponse<String> post(
      HttpClient client, URI uri, byte[] body, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A server whose contexts count the request body bytes their handler reads. */
  private static final class CountingServer extends HttpServer {
    private final HttpServer server;
    private final AtomicLong read;
    private final AtomicInteger handled;

    CountingServer(HttpServer server, AtomicLong read) {
      this(server, read, new AtomicInteger());
    }

    /** Also counts the requests whose handler has returned in {@code handled}. */
    CountingServer(HttpServer server, AtomicLong read, AtomicInteger handled) {
      this.server = server;
      this.read = read;
      this.handled = handled;
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
      HttpContext context = server.createContext(path, handler);
      context
          .getFilters()
          .add(
              Filter.beforeHandler(
                  "counts the body bytes read",
                  e -> e.setStreams(new CountingInput(e.getRequestBody(), read), null)));
      context
          .getFilters()
          .add(Filter.afterHandler("counts the requests handled", e -> handled.incrementAndGet()));
      return context;
    }

    @Override
    public HttpContext createContext(String path) {
      return server.createContext(path);
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
      server.bind(addr, backlog);
    }

    @Override
    public void start() {
      server.start();
    }

    @Override
    public void setExecutor(Executor executor) {
      server.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
      return server.getExecutor();
    }

    @Override
    public void stop(int delay) {
      server.stop(delay);
    }

    @Override
    public void removeContext(String path) {
      server.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
      server.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
      return server.getAddress();
    }
  }

  private static final class CountingInput extends InputStream {
    private final InputStream in;
    private final AtomicLong read;

    CountingInput(InputStream in, AtomicLong read) {
      this.in = in;
      this.read = read;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        read.incrementAndGet();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        read.addAndGet(n);
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
