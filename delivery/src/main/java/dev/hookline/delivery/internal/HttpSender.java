package dev.hookline.delivery.internal;

import dev.hookline.ErrorKind;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPath;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Sends one HTTP request under a hard deadline that covers connecting, waiting for the headers and
 * reading the body, keeping at most a bounded number of body bytes.
 *
 * <p>The JDK's request timeout stops at the response headers, so a server that dribbles its body
 * could hold a worker forever; here the calling thread waits on the whole exchange (headers and
 * bounded body) for at most the deadline and then cancels it, which aborts the connection.
 *
 * <p>Thread-safe; blocks the calling thread for at most the deadline (plus scheduling noise).
 */
public final class HttpSender {
  /** Request headers whose values are credentials, never to be kept from an echoing response. */
  private static final List<String> CREDENTIAL_HEADERS =
      List.of("Authorization", "webhook-signature");

  private static final String REDACTED = "[redacted]";
  private static final int MIN_REDACTED_LENGTH = 8;

  /**
   * A destination check faster than this leaves the request's own timeout in place (the deadline
   * may be overrun by at most this much); a slower one (a real DNS lookup) gets the request rebuilt
   * with what remains of the deadline.
   */
  private static final long GUARD_SLACK_NANOS = 1_000_000L;

  /** Appended to the detail of an attempt whose request was sent twice. */
  static final String SENT_TWICE = " (sent twice: the first connection closed before answering)";

  /** Below this much time left before the deadline, a closed connection is not sent to again. */
  private static final long RESEND_MIN_NANOS = 50_000_000L;

  private final HttpClient client;
  private final int maxResponseBytes;
  private final DestinationCheck destinationCheck;
  private final @Nullable BodyDeadlines bodyDeadlines;

  /**
   * Creates a sender.
   *
   * @param client the client; must not follow redirects
   * @param maxResponseBytes how many response body bytes to keep, 0 or more
   * @param destinationCheck the check run before every request
   */
  public HttpSender(HttpClient client, int maxResponseBytes, DestinationCheck destinationCheck) {
    this(client, maxResponseBytes, destinationCheck, null);
  }

  /**
   * Creates a sender whose response bodies' deadlines are watched by one sweep on {@code scheduler}
   * ({@link BodyDeadlines}) instead of a timer per body.
   *
   * @param client the client; must not follow redirects
   * @param maxResponseBytes how many response body bytes to keep, 0 or more
   * @param destinationCheck the check run before every request
   * @param scheduler runs the sweep; null for a timer per body
   */
  public HttpSender(
      HttpClient client,
      int maxResponseBytes,
      DestinationCheck destinationCheck,
      @Nullable ScheduledExecutorService scheduler) {
    this.bodyDeadlines =
        scheduler == null ? null : new BodyDeadlines(scheduler, BodyDeadlines.TICK);
    this.client = Objects.requireNonNull(client, "client");
    if (maxResponseBytes < 0) {
      throw new IllegalArgumentException("maxResponseBytes must be >= 0, was " + maxResponseBytes);
    }
    this.maxResponseBytes = maxResponseBytes;
    this.destinationCheck = Objects.requireNonNull(destinationCheck, "destinationCheck");
  }

  /**
   * Sends the request and waits for the outcome, at most {@code deadline}.
   *
   * @param request the request
   * @param deadline the hard limit for the whole exchange
   * @return the outcome; never throws for network failures
   * @throws InterruptedException if the calling thread was interrupted (the exchange is cancelled)
   */
  public SendOutcome send(HttpRequest request, Duration deadline) throws InterruptedException {
    return send(request, deadline, null);
  }

  /**
   * Sends the request for a webhook of {@code tenant} and waits for the outcome, at most {@code
   * deadline}: the destination check may limit what one tenant's destinations hold (see {@link
   * DestinationCheck#refusal(java.net.URI, String, Duration)}).
   *
   * @param request the request
   * @param deadline the hard limit for the whole exchange
   * @param tenant the tenant of the webhook the request is for, or null for none
   * @return the outcome; never throws for network failures
   * @throws InterruptedException if the calling thread was interrupted (the exchange is cancelled)
   */
  public SendOutcome send(HttpRequest request, Duration deadline, @Nullable String tenant)
      throws InterruptedException {
    long start = System.nanoTime();
    Optional<DestinationCheck.Refusal> refusal =
        destinationCheck.refusal(request.uri(), tenant, deadline);
    if (refusal.isPresent()) {
      return refusal.get().local()
          ? SendOutcome.notSent(refusal.get().detail(), System.nanoTime() - start)
          : SendOutcome.failure(
              refusal.get().kind(), refusal.get().detail(), System.nanoTime() - start);
    }
    // Blocking send on the worker thread: on JDK 17 it measured about 4x the throughput of
    // sendAsync(...).get() at the same concurrency (benchmarks: LoadHarness, and docs). The
    // request timeout covers connecting and the response headers; the body subscriber's own
    // timer covers the body, so the whole exchange ends by the deadline.
    long checked = System.nanoTime() - start;
    long remaining = deadline.toNanos() - checked;
    HttpRequest timed;
    if (checked < GUARD_SLACK_NANOS
        && request.timeout().filter(t -> t.compareTo(deadline) <= 0).isPresent()) {
      timed = request; // the check took next to nothing: the request's own timeout stands
    } else {
      try {
        timed = withTimeout(request, remaining);
      } catch (IllegalArgumentException e) {
        return SendOutcome.localFailure(
            "request rejected: " + e.getMessage(), System.nanoTime() - start);
      }
    }
    for (int sent = 1; ; sent++) {
      AtomicReference<@Nullable BoundedBodySubscriber> body = new AtomicReference<>();
      AtomicReference<HttpResponse.@Nullable ResponseInfo> answered = new AtomicReference<>();
      try {
        if (sent > 1) {
          timed = withTimeout(request, deadline.toNanos() - (System.nanoTime() - start));
        }
        HttpResponse<byte[]> response =
            client.send(
                timed,
                info -> {
                  answered.set(info);
                  BoundedBodySubscriber b =
                      new BoundedBodySubscriber(
                          maxResponseBytes,
                          deadline.toNanos() - (System.nanoTime() - start),
                          bodyDeadlines);
                  body.set(b);
                  return b;
                });
        byte[] bytes = response.body();
        return noted(
            SendOutcome.response(
                response.statusCode(),
                redactCredentials(decode(bytes), timed.headers(), bytes.length >= maxResponseBytes),
                response.headers().firstValue("Retry-After"),
                System.nanoTime() - start),
            sent);
      } catch (IOException e) {
        BoundedBodySubscriber b = body.get();
        HttpResponse.ResponseInfo info = answered.get(); // set before the body subscriber
        if (b != null && info != null && b.timedOut()) {
          // The status line and headers came in time: they are the endpoint's answer (a 2xx
          // accepted the notification, a 410 says it is gone, a 503 may ask to wait), whatever
          // became of the body, which is only kept for the record. Decided by the body, the same
          // answer was a success when its first maxResponseBytes came in time and a TIMEOUT
          // otherwise. (A body that ends malformed or cut short by its connection still fails the
          // attempt as before.)
          int status = info.statusCode();
          String why = "not complete within " + deadline.toMillis() + " ms, body too slow";
          return noted(
              SendOutcome.response(
                      status,
                      redactCredentials(decode(b.keptSoFar()), timed.headers(), true),
                      info.headers().firstValue("Retry-After"),
                      System.nanoTime() - start)
                  .withDetail("HTTP " + status + " (body cut: " + why + ")"),
              sent);
        }
        if (e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException)) {
          return noted(
              SendOutcome.failure(
                  ErrorKind.TIMEOUT,
                  "no complete response within " + deadline.toMillis() + " ms",
                  System.nanoTime() - start),
              sent);
        }
        long left = deadline.toNanos() - (System.nanoTime() - start);
        if (sent == 1 && b == null && closedBeforeAnswering(e) && left > RESEND_MIN_NANOS) {
          // The connection ended before a single byte of an answer: almost always a kept-alive
          // connection the endpoint closed (its idle timeout) just as the client reused it. The
          // JDK client resends only idempotent methods then; a POST failed the attempt, counted
          // against the endpoint's health and waited for the retry schedule (seconds). Sent once
          // more at once, on a connection the client opens or finds alive. If the endpoint did
          // receive the first request, it sees the same webhook-id twice, as it would on any retry.
          // The attempt's detail says it was sent twice, so the history accounts for every request.
          // The destination is checked again, as before every request; refused now, the attempt
          // ends with the first request's failure (that request did go out).
          if (destinationCheck.refusal(request.uri(), tenant, Duration.ofNanos(left)).isPresent()) {
            return classify(e, String.valueOf(request.uri().getHost()), System.nanoTime() - start);
          }
          continue;
        }
        return noted(
            classify(e, String.valueOf(request.uri().getHost()), System.nanoTime() - start), sent);
      } catch (IllegalArgumentException e) {
        return SendOutcome.localFailure(
            "request rejected: " + e.getMessage(), System.nanoTime() - start);
      }
    }
  }

  /** A copy of {@code request} whose timeout is what remains of the deadline (at least 1 ms). */
  private static HttpRequest withTimeout(HttpRequest request, long remainingNanos) {
    return HttpRequest.newBuilder(request, (name, value) -> true)
        .timeout(Duration.ofNanos(Math.max(1_000_000L, remainingNanos)))
        .build();
  }

  /** Says in an outcome's detail that its request was sent twice (see {@link #send}). */
  private static SendOutcome noted(SendOutcome outcome, int sent) {
    return sent == 1 ? outcome : outcome.withDetail(outcome.detail() + SENT_TWICE);
  }

  /**
   * Whether an exchange failed because the connection ended before any byte of a response: an end
   * of stream where the status line should be (the JDK's "header parser received no bytes"), or the
   * JDK's own "connection expired" for a pooled connection found closed.
   */
  static boolean closedBeforeAnswering(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof EOFException
          || t.getClass().getSimpleName().equals("ConnectionExpiredException")
          || message.contains("received no bytes")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Maps a failed exchange to an error kind and a short detail; a failed TLS handshake gets a
   * detail that says what is wrong with the endpoint's certificate.
   *
   * @param failure the failure
   * @param host the host the request went to, for the detail
   * @param nanos how long the exchange took
   * @return the outcome
   */
  static SendOutcome classify(Throwable failure, String host, long nanos) {
    Throwable t = unwrap(failure);
    ErrorKind kind = kindOf(t);
    if (kind == ErrorKind.TLS_FAILED) {
      return SendOutcome.failure(kind, printable(describeTls(t, host)), nanos);
    }
    return SendOutcome.failure(kind, printable(describe(t)), nanos);
  }

  /**
   * The detail with each control character replaced by U+FFFD. An exception's message may quote
   * what the endpoint sent (the JDK client's {@code Invalid status line: "..."} holds the status
   * line as it came, U+0000 and terminal escapes included), and the detail becomes an attempt's
   * detail and a failed handshake's status reason: stored (PostgreSQL's {@code text} refuses
   * U+0000, so the handshake's result could not be recorded there), shown to the webhook's owner
   * and logged.
   *
   * @param detail the detail
   * @return the detail without control characters
   */
  static String printable(String detail) {
    @Nullable StringBuilder out = null;
    for (int i = 0; i < detail.length(); i++) {
      char c = detail.charAt(i);
      if (Character.isISOControl(c)) {
        if (out == null) {
          out = new StringBuilder(detail.length()).append(detail, 0, i);
        }
        out.append('\uFFFD');
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? detail : out.toString();
  }

  /**
   * Says why a TLS handshake failed, in terms a user can act on: the certificate is not trusted,
   * does not name the host, or is out of its validity period. Certificates are public, so naming
   * one's subject and dates reveals nothing secret.
   */
  static String describeTls(Throwable failure, String host) {
    @Nullable Throwable untrusted = null;
    for (@Nullable Throwable c = failure; c != null; c = c.getCause()) {
      if (c instanceof CertPathValidatorException v) {
        Optional<X509Certificate> cert = certificateAt(v);
        if (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
          return "certificate expired"
              + cert.map(x -> " on " + x.getNotAfter().toInstant() + " (" + subject(x) + ")")
                  .orElse("")
              + ": the endpoint must renew its certificate";
        }
        if (v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
          return "certificate not yet valid"
              + cert.map(
                      x -> ": valid from " + x.getNotBefore().toInstant() + " (" + subject(x) + ")")
                  .orElse("")
              + "; check the endpoint's certificate, and this host's clock";
        }
      }
      if (c instanceof CertificateExpiredException) {
        return "certificate expired ("
            + c.getMessage()
            + "): the endpoint must renew its certificate";
      }
      if (c instanceof CertificateNotYetValidException) {
        return "certificate not yet valid ("
            + c.getMessage()
            + "); check the endpoint's certificate, and this host's clock";
      }
      if (c instanceof CertPathBuilderException) {
        untrusted = c;
      }
      String message = String.valueOf(c.getMessage());
      if (c instanceof CertificateException
          && (message.startsWith("No subject alternative")
              || message.startsWith("No name matching"))) {
        return "certificate does not match host "
            + host
            + " ("
            + message
            + "): the endpoint's certificate must name the host of the webhook's URI";
      }
      if (message.contains("PKIX path building failed")) {
        untrusted = c;
      }
    }
    if (untrusted != null) {
      return "certificate not trusted (PKIX path building failed): the endpoint's certificate chain"
          + " does not lead to a CA the sender trusts; the endpoint must serve its full chain from a"
          + " trusted CA, or the dispatcher's HttpClient must trust its CA";
    }
    return "TLS handshake failed: " + describe(failure);
  }

  private static Optional<X509Certificate> certificateAt(CertPathValidatorException e) {
    CertPath path = e.getCertPath();
    int index = e.getIndex();
    if (path == null || index < 0 || index >= path.getCertificates().size()) {
      return Optional.empty();
    }
    return path.getCertificates().get(index) instanceof X509Certificate x
        ? Optional.of(x)
        : Optional.empty();
  }

  private static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName();
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  static ErrorKind kindOf(Throwable t) {
    if (t instanceof HttpConnectTimeoutException || t instanceof HttpTimeoutException) {
      return ErrorKind.TIMEOUT;
    }
    if (t instanceof ConnectException
        || t instanceof UnresolvedAddressException
        || t instanceof UnknownHostException
        || t instanceof NoRouteToHostException) {
      return ErrorKind.CONNECT_FAILED;
    }
    if (t instanceof SSLException) {
      return ErrorKind.TLS_FAILED;
    }
    if (t instanceof ProtocolException) {
      return ErrorKind.MALFORMED_RESPONSE;
    }
    if (t instanceof IOException) {
      @Nullable Throwable cause = t.getCause();
      if (cause != null && cause != t && !(cause instanceof EOFException)) {
        ErrorKind inner = kindOf(cause);
        if (inner != ErrorKind.INTERNAL && inner != ErrorKind.CONNECTION_RESET) {
          return inner;
        }
      }
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("chunk")
          || message.contains("invalid")
          || message.contains("bad ")
          || message.contains("malformed")
          || message.contains("unexpected")
          || message.contains("status line")) {
        return ErrorKind.MALFORMED_RESPONSE;
      }
      return ErrorKind.CONNECTION_RESET;
    }
    return ErrorKind.INTERNAL;
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    String text = t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    return text.length() > 300 ? text.substring(0, 300) : text;
  }

  /**
   * Removes the credentials the request carried from the response body, which is stored and shown
   * (an {@link dev.hookline.Attempt}'s body): an endpoint's error page may echo the request's
   * headers (the API key, the signatures). Each {@link #CREDENTIAL_HEADERS} value is replaced
   * whole, then each space-separated entry ({@code v1,<sig>}, the key after {@code Bearer}), then
   * the part after an entry's comma ({@code <sig>}). When the body may have been cut at the byte
   * limit, a start of one of them at its very end goes too.
   *
   * @param body the decoded (bounded) body
   * @param sent the request headers
   * @param cut whether the body may have been cut short at the byte limit
   * @return the body without any credential
   */
  static String redactCredentials(String body, HttpHeaders sent, boolean cut) {
    if (body.length() < MIN_REDACTED_LENGTH) {
      return body; // too short to hold anything worth redacting (the common empty body)
    }
    Set<String> found = new LinkedHashSet<>();
    for (String name : CREDENTIAL_HEADERS) {
      for (String value : sent.allValues(name)) {
        found.add(value);
        for (String entry : value.split(" ", -1)) {
          found.add(entry);
          found.add(entry.substring(entry.indexOf(',') + 1));
        }
      }
    }
    // Longest first, so that a whole value goes before the pieces it holds. "Bearer" and "v1"
    // alone are no secret, and replacing very short pieces would mangle ordinary text.
    for (String f : List.copyOf(found)) {
      found.addAll(echoedForms(f));
    }
    List<String> parts = new ArrayList<>(found);
    parts.removeIf(p -> p.length() < MIN_REDACTED_LENGTH);
    parts.sort(Comparator.comparingInt(String::length).reversed());
    String out = body;
    for (String part : parts) {
      out = out.replace(part, REDACTED);
    }
    if (cut) {
      int tail = 0;
      for (String part : parts) {
        for (int k = part.length() - 1; k > tail; k--) {
          if (out.endsWith(part.substring(0, k))) {
            tail = k;
            break;
          }
        }
      }
      if (tail > 0) {
        out = out.substring(0, out.length() - tail) + REDACTED;
      }
    }
    return out;
  }

  /**
   * The forms in which an echo may carry a value: JSON-escaped (quotes, backslashes, slashes; and
   * the {@code \\u00XX} escapes some encoders use for {@code = + < > & '}), URL-encoded and
   * HTML-escaped.
   */
  static List<String> echoedForms(String value) {
    String json = value.replace("\\", "\\\\").replace("\"", "\\\"");
    StringBuilder unicode = new StringBuilder(json.length() + 16);
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == '=' || c == '+' || c == '<' || c == '>' || c == '&' || c == '\'') {
        unicode.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        unicode.append(c);
      }
    }
    String html =
        value
            .replace("&", "&amp;")
            .replace("\"", "&quot;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("'", "&#39;");
    return List.of(
        json,
        json.replace("/", "\\/"),
        unicode.toString(),
        unicode.toString().replace("/", "\\/"),
        upperHex(unicode.toString()),
        upperHex(unicode.toString()).replace("/", "\\/"),
        URLEncoder.encode(value, StandardCharsets.UTF_8),
        URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"),
        html,
        html.replace("/", "&#x2F;"));
  }

  /** The same text with every {@code \\u00xx} escape in upper-case hex ({@code \\u003D}). */
  private static String upperHex(String text) {
    StringBuilder out = new StringBuilder(text);
    for (int i = out.indexOf("\\u00"); i >= 0; i = out.indexOf("\\u00", i + 1)) {
      for (int k = i + 4; k < i + 6 && k < out.length(); k++) {
        out.setCharAt(k, Character.toUpperCase(out.charAt(k)));
      }
    }
    return out.toString();
  }

  /**
   * The body as text: malformed bytes, and NUL (which PostgreSQL's text and jsonb refuse, and which
   * a binary or compressed answer may hold), become U+FFFD, so every store keeps the same text.
   */
  private static String decode(byte[] body) {
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPLACE)
              .onUnmappableCharacter(CodingErrorAction.REPLACE)
              .decode(ByteBuffer.wrap(body))
              .toString();
      return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
    } catch (CharacterCodingException e) {
      // REPLACE never throws; kept for the checked signature.
      return "";
    }
  }
}
