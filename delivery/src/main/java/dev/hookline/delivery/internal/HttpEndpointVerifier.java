package dev.hookline.delivery.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.ErrorKind;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.delivery.Dispatcher;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoint verification handshake over HTTP: sends {@code GET <uri>} with {@code
 * X-Verification-Key: <random>} and accepts a 2xx answer whose JSON body is {@code {"key": "<same
 * value>"}}. Anything else (another status, a timeout, a wrong or missing key, a redirect) fails,
 * with the reason in the result.
 *
 * <p>The only handshake Hookline runs: {@link Dispatcher#startVerification} uses it, with the
 * registry's address policy.
 *
 * <p>Thread-safe. Each handshake blocks the calling thread for at most the timeout; its request is
 * sent from a thread started for it (see {@link #verify}).
 */
public final class HttpEndpointVerifier {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** The header carrying the challenge. */
  public static final String KEY_HEADER = "X-Verification-Key";

  private static final int KEY_BYTES = 24;
  private static final int MAX_RESPONSE_BYTES = 4096;
  private static final long JOIN_SLACK_MILLIS = 5_000;

  private final HttpSender sender;
  private final Duration timeout;
  private final SecureRandom random;

  private HttpEndpointVerifier(HttpSender sender, Duration timeout, SecureRandom random) {
    this.sender = sender;
    this.timeout = timeout;
    this.random = random;
  }

  /**
   * Creates a verifier whose handshake requests pass the SSRF guard first.
   *
   * @param client the client; must be built with {@link HttpClient.Redirect#NEVER}
   * @param timeout the handshake's hard deadline, 1 ms to 5 min
   * @param random the source of challenge keys
   * @param guard the check run before every handshake request
   * @return the verifier
   */
  public static HttpEndpointVerifier create(
      HttpClient client, Duration timeout, SecureRandom random, DestinationCheck guard) {
    HttpClients.requireNoRedirects(client, "client");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.compareTo(Duration.ofMillis(1)) < 0
        || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("timeout is " + timeout + "; it must be 1 ms to 5 min");
    }
    return new HttpEndpointVerifier(
        new HttpSender(client, MAX_RESPONSE_BYTES, guard),
        timeout,
        Objects.requireNonNull(random, "random"));
  }

  /**
   * Challenges the webhook's endpoint.
   *
   * @param webhook the webhook
   * @return verified, or not verified with what went wrong
   */
  public VerificationResult verify(Webhook webhook) {
    Objects.requireNonNull(webhook, "webhook");
    byte[] keyBytes = new byte[KEY_BYTES];
    random.nextBytes(keyBytes);
    String key = Base64.getUrlEncoder().withoutPadding().encodeToString(keyBytes);
    String apiKey = webhook.apiKey().reveal();
    if (!HttpFields.isVisibleAscii(apiKey)) {
      return new VerificationResult(
          false, "the webhook's API key is not visible ASCII, so it cannot be sent in a header");
    }
    // The API key goes with the challenge, as with every notification: the endpoint can tell its
    // owner's webhook from a stranger's pointed at it.
    HttpRequest request =
        HttpClients.requestBuilder(webhook.uri(), timeout)
            .header(KEY_HEADER, key)
            .header("Authorization", "Bearer " + apiKey)
            .header("User-Agent", "Hookline/" + Version.get())
            .header("Accept", "application/json")
            .GET()
            .build();
    SendOutcome outcome;
    try {
      outcome = sendApart(request, webhook.tenant().orElse(null));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new VerificationResult(false, "interrupted before the endpoint answered");
    }
    VerificationResult result = judge(outcome, key);
    log.info(
        "endpoint verification: webhook={} verified={} detail={}",
        webhook.id(),
        result.verified(),
        result.detail());
    return result;
  }

  /**
   * Sends the challenge from a thread started for it, not the caller's. The caller is often the
   * host's own request thread, and an agent that instruments {@code java.net.http} injects the
   * current context into every request: under the OpenTelemetry Java agent the host's trace and
   * baggage went to the customer's endpoint. A thread started this way carries none of it (an
   * executor's task would: agents carry the submitter's context into them). Handshakes are rare, so
   * a thread each costs nothing that matters.
   */
  private SendOutcome sendApart(HttpRequest request, @Nullable String tenant)
      throws InterruptedException {
    AtomicReference<@Nullable SendOutcome> sent = new AtomicReference<>();
    AtomicReference<@Nullable Throwable> failed = new AtomicReference<>();
    Thread exchange =
        new Thread(
            () -> {
              try {
                sent.set(sender.send(request, timeout, tenant));
              } catch (InterruptedException e) {
                failed.set(e);
              } catch (RuntimeException | Error e) {
                failed.set(e);
              }
            },
            "hookline-verify");
    exchange.setDaemon(true);
    exchange.start();
    try {
      // The exchange ends by the timeout (HttpSender's deadline); the slack only bounds a bug.
      exchange.join(timeout.toMillis() + JOIN_SLACK_MILLIS);
    } catch (InterruptedException e) {
      exchange.interrupt(); // cancels the exchange
      throw e;
    }
    if (exchange.isAlive()) {
      exchange.interrupt();
      return SendOutcome.failure(
          ErrorKind.TIMEOUT, "no answer within " + timeout, timeout.toNanos());
    }
    Throwable t = failed.get();
    if (t instanceof InterruptedException e) {
      throw e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return Objects.requireNonNull(sent.get(), "outcome");
  }

  private static VerificationResult judge(SendOutcome outcome, String key) {
    if (outcome.status().isEmpty()) {
      return new VerificationResult(false, "no answer: " + outcome.detail());
    }
    int status = outcome.status().getAsInt();
    if (status < 200 || status >= 300) {
      return new VerificationResult(
          false,
          "endpoint answered HTTP "
              + status
              + (status >= 300 && status < 400 ? " (redirects are not followed)" : "")
              + "; expected 2xx with {\"key\": \"<X-Verification-Key value>\"}");
    }
    @Nullable String echoed = echoedKey(outcome.body());
    if (echoed == null) {
      return new VerificationResult(
          false,
          "endpoint answered HTTP "
              + status
              + " but the body is not a JSON object with a string \"key\"");
    }
    boolean same =
        MessageDigest.isEqual(
            echoed.getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8));
    return same
        ? new VerificationResult(true, "endpoint echoed the verification key")
        : new VerificationResult(false, "endpoint answered with a different key than the one sent");
  }

  private static @Nullable String echoedKey(String body) {
    try {
      JsonNode node = Payloads.mapper().readTree(body);
      if (node == null || !node.isObject()) {
        return null;
      }
      JsonNode k = node.get("key");
      return k != null && k.isTextual() ? k.asText() : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }
}
