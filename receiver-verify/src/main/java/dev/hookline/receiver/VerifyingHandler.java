package dev.hookline.receiver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.hookline.receiver.internal.SuppressForbidden;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener endpoint: answers the verification handshake, verifies each notification with a {@link
 * WebhookVerifier}, and hands it to the application's {@link NotificationConsumer}.
 *
 * <p>Use it as a {@code com.sun.net.httpserver.HttpHandler}, or from any framework through {@link
 * #respond(String, Map, byte[])} with the method, headers and raw body. Answers:
 *
 * <ul>
 *   <li>{@code GET} with {@code X-Verification-Key}: 200 {@code {"key":"<value>"}};
 *   <li>{@code POST} that verifies and that the consumer processes: 204, and the id is recorded as
 *       processed in the replay guard;
 *   <li>a retry of a notification the consumer processed: 200 {@code {"status":"already
 *       processed"}}, without calling the consumer again;
 *   <li>a retry of a notification the consumer is still processing: 409 {@code {"error":"in
 *       progress"}}, so that the sender comes back later;
 *   <li>a failed check: {@link WebhookVerificationException.Reason#httpStatus()} (401 when not
 *       authenticated, 400 when malformed, 413 when too large), with a generic body that never says
 *       which check failed (the reason is logged at DEBUG);
 *   <li>a consumer that throws: 500, and the id is released from the replay guard so that the
 *       sender's retry is processed;
 *   <li>a replay guard that throws (e.g. its shared store is down): 500, logged at WARN;
 *   <li>any other method: 405.
 * </ul>
 *
 * <p>Thread-safe if the consumer is.
 */
@SuppressForbidden(
    reason =
        "com.sun.net.httpserver is the JDK's exported, supported jdk.httpserver API (not an"
            + " internal class); adapting to it is this type's purpose")
public final class VerifyingHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(VerifyingHandler.class);
  private static final String JSON = "application/json";

  /**
   * The most of a refused request's body read and dropped before answering: the largest
   * notification a Hookline sender sends ({@code Dispatcher.Builder.maxPayloadBytes} is at most 16
   * MiB).
   */
  private static final long MAX_DRAIN_BYTES = 16L << 20;

  /**
   * The most of a request refused on its API key read and dropped before answering 401: the size of
   * a notification at the sender's default limit with room to spare, so that a sender whose key is
   * wrong reads 401 rather than a reset connection, while nobody without a key makes the listener
   * read more than this per request (and none of it is kept).
   */
  private static final long MAX_UNAUTHENTICATED_DRAIN_BYTES = 1L << 20;

  private final WebhookVerifier verifier;
  private final NotificationConsumer consumer;

  private VerifyingHandler(WebhookVerifier verifier, NotificationConsumer consumer) {
    this.verifier = verifier;
    this.consumer = consumer;
  }

  /**
   * Creates a handler.
   *
   * @param verifier checks each notification
   * @param consumer processes each verified notification
   * @return the handler
   */
  public static VerifyingHandler create(WebhookVerifier verifier, NotificationConsumer consumer) {
    return new VerifyingHandler(
        Objects.requireNonNull(verifier, "verifier"), Objects.requireNonNull(consumer, "consumer"));
  }

  /**
   * What to answer: a status, response headers and a body. Immutable and thread-safe.
   *
   * @param status the HTTP status code
   * @param headers the response headers (e.g. {@code Content-Type}, {@code Allow})
   * @param body the body, UTF-8; empty for 204
   */
  public record Response(int status, Map<String, String> headers, String body) {
    /** Checks and copies the components. */
    public Response {
      Objects.requireNonNull(headers, "headers");
      Objects.requireNonNull(body, "body");
      headers = Map.copyOf(headers);
    }

    static Response json(int status, String body) {
      return new Response(status, Map.of("Content-Type", JSON), body);
    }

    static Response error(int status, String error) {
      return json(status, "{\"error\":\"" + error + "\"}");
    }
  }

  /**
   * Handles one request, for use from any HTTP framework.
   *
   * @param method the HTTP method
   * @param headers the request headers, matched case-insensitively
   * @param body the raw body as received (empty for a {@code GET})
   * @return what to answer; a failing consumer or replay guard is answered 500, never thrown. A
   *     consumer that throws {@link InterruptedException} is answered 500 too, and the calling
   *     thread's interrupt flag is set again before this returns: a caller that writes the answer
   *     on that thread through blocking NIO (which closes the channel of an interrupted thread)
   *     should clear it first, as {@link #handle} does.
   */
  public Response respond(
      String method, Map<String, ? extends Collection<String>> headers, byte[] body) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
    String upper = method.toUpperCase(Locale.ROOT);
    try {
      if ("GET".equals(upper)) {
        Optional<VerificationChallenge> challenge = VerificationChallenge.detect(method, headers);
        if (challenge.isEmpty()) {
          return Response.error(400, "missing " + VerificationChallenge.HEADER);
        }
        // Answered only with the API key: otherwise anyone could point a webhook of theirs at
        // this endpoint and have it verified, then sent to.
        verifier.checkApiKey(headers);
        LOG.debug("Answered a verification challenge");
        return Response.json(200, challenge.get().responseBody());
      }
      if (!"POST".equals(upper)) {
        return new Response(
            405,
            Map.of("Allow", "GET, POST", "Content-Type", JSON),
            "{\"error\":\"method not allowed\"}");
      }
      Notification notification = verifier.verify(headers, body);
      return deliver(notification);
    } catch (WebhookVerificationException e) {
      if (e.reason() == WebhookVerificationException.Reason.ALREADY_PROCESSED) {
        LOG.debug("Acknowledged a duplicate: {}", e.getMessage());
      } else {
        LOG.debug("Rejected a request: {}: {}", e.reason(), e.getMessage());
      }
      return rejection(e.reason());
    } catch (RuntimeException | Error e) {
      // Only a pluggable part can fail this way (e.g. a shared replay guard's store being down, or
      // its client's class missing): answer 500 so the sender retries, rather than dropping the
      // connection.
      rethrowIfJvmFailure(e);
      LOG.warn("Could not verify a request; answering 500 so the sender retries", e);
      return Response.error(500, "internal error");
    }
  }

  /**
   * Lets the JVM's own failures (out of memory, an internal error) pass; any other Error came from
   * code the handler calls (a consumer's, a replay guard's: a failed assertion, a missing class, a
   * ServiceLoader's) and is answered like an exception. StackOverflowError is the code's too.
   */
  private static void rethrowIfJvmFailure(Throwable e) {
    if (e instanceof VirtualMachineError jvm && !(e instanceof StackOverflowError)) {
      throw jvm;
    }
  }

  private Response deliver(Notification notification) {
    boolean processed = false;
    boolean interrupted = false;
    try {
      consumer.accept(notification);
      processed = true;
      LOG.debug("Processed notification {} ({})", notification.id(), notification.type());
      complete(notification);
      return new Response(204, Map.of(), "");
    } catch (Exception | Error e) {
      // An Error a consumer's code throws (a failed assertion, a missing class, an IOError, its
      // own) is answered like an exception, so the sender retries; the JVM's own failures pass,
      // the id released all the same.
      rethrowIfJvmFailure(e);
      interrupted = e instanceof InterruptedException;
      LOG.warn(
          "The application failed to process notification {} ({}); answering 500 so the sender"
              + " retries",
          notification.id(),
          notification.type(),
          e);
      return Response.error(500, "processing failed");
    } finally {
      if (!processed) {
        release(notification); // before the interrupt is set again: a shared guard may do I/O
      }
      if (interrupted) {
        Thread.currentThread().interrupt(); // answered all the same; the thread's owner decides
      }
    }
  }

  private void complete(Notification notification) {
    try {
      verifier.complete(notification);
    } catch (RuntimeException | Error e) {
      rethrowIfJvmFailure(e);
      // Processed all the same: answer 204. Only a retry (none follows a 2xx) would notice.
      LOG.warn(
          "Could not record notification {} as processed in the replay guard; a retry of it would"
              + " be answered 409 while it counts as in progress (the later of its replay window's"
              + " end and the tolerance after it arrived), then processed again",
          notification.id(),
          e);
    }
  }

  private void release(Notification notification) {
    try {
      verifier.release(notification);
    } catch (RuntimeException | Error e) {
      rethrowIfJvmFailure(e);
      LOG.warn(
          "Could not release notification {} from the replay guard; the sender's retry may be"
              + " refused as a replay until its timestamp is stale",
          notification.id(),
          e);
    }
  }

  private static Response rejection(WebhookVerificationException.Reason reason) {
    int status = reason.httpStatus();
    return switch (status) {
      case 200 -> Response.json(200, "{\"status\":\"already processed\"}");
      case 401 -> Response.error(401, "unauthorized");
      case 409 -> Response.error(409, "in progress");
      case 413 -> Response.error(413, "payload too large");
      default -> Response.error(400, "bad request");
    };
  }

  /**
   * Handles an exchange of the JDK's HTTP server: checks the API key before reading any of the body
   * (so only a holder of the key can make it buffer one), reads at most {@link
   * WebhookVerifier#maxBodyBytes()} + 1 bytes of the body, answers through {@link #respond}, and
   * closes the exchange.
   *
   * @param exchange the exchange
   * @throws IOException if reading the request or writing the response fails
   */
  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Response response = respond(exchange);
      // The server's thread, not the consumer's: writing on it while interrupted would close the
      // connection (and, on the server's own dispatcher thread, every later one).
      Thread.interrupted();
      response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
      // A HEAD answer carries no body.
      if (bytes.length == 0 || "HEAD".equalsIgnoreCase(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(response.status(), -1);
      } else {
        exchange.sendResponseHeaders(response.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  private Response respond(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String upper = method.toUpperCase(Locale.ROOT);
    if (!"POST".equals(upper)) {
      return respond(method, exchange.getRequestHeaders(), new byte[0]);
    }
    // Not closed here: closing the JDK server's request stream ends the exchange's reading, and a
    // refused body is still to be drained (exchange.close() closes it).
    InputStream in = exchange.getRequestBody();
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    try {
      verifier.checkApiKey(exchange.getRequestHeaders());
    } catch (WebhookVerificationException e) {
      LOG.debug("Rejected a request: {}: {}", e.reason(), e.getMessage());
      // Read and dropped, never kept, so a sender still writing it reads the 401.
      drain(in, declared, MAX_UNAUTHENTICATED_DRAIN_BYTES);
      return rejection(e.reason());
    }
    int max = verifier.maxBodyBytes();
    if (declared != null && isLongerThan(declared, max)) {
      LOG.debug("Rejected a request: Content-Length {} is over {} bytes", declared.strip(), max);
      drain(in, declared, MAX_DRAIN_BYTES);
      return rejection(WebhookVerificationException.Reason.BODY_TOO_LARGE);
    }
    byte[] body = in.readNBytes(max + 1);
    if (body.length > max) {
      LOG.debug("Rejected a request: the body is over {} bytes", max);
      drain(in, declared, MAX_DRAIN_BYTES);
      return rejection(WebhookVerificationException.Reason.BODY_TOO_LARGE);
    }
    return respond(method, exchange.getRequestHeaders(), body);
  }

  /**
   * Reads and drops the rest of a refused request's body, at most {@code limit} bytes, before the
   * refusal is answered. The JDK server closes a connection whose request body was left unread, and
   * closing a socket with unread bytes makes the kernel send a TCP reset, which reaches a sender
   * still writing its body (the JDK client reads the answer only once its body is sent) before it
   * has read the status: it would see a broken connection instead of 401 or 413.
   */
  private static void drain(InputStream in, @Nullable String declared, long limit)
      throws IOException {
    if (declared != null && isLongerThan(declared, limit)) {
      return; // too much to read for a refusal: the sender may see the connection reset
    }
    byte[] drop = new byte[8192];
    long left = limit;
    for (int n = in.read(drop); n >= 0 && left > 0; n = in.read(drop)) {
      left -= n;
    }
  }

  private static boolean isLongerThan(String contentLength, long max) {
    try {
      return Long.parseLong(contentLength.strip()) > max;
    } catch (NumberFormatException e) {
      // The server has framed the body already; let the bounded read decide.
      return false;
    }
  }

  @Override
  public String toString() {
    return "VerifyingHandler[" + verifier + "]";
  }
}
