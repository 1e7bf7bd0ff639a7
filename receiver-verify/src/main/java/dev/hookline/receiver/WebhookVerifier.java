package dev.hookline.receiver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.internal.HeaderReader;
import dev.hookline.receiver.internal.StandardWebhooksSignature;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that a request is a genuine, unaltered, fresh Hookline notification, and parses it.
 *
 * <p>{@link #verify} runs these checks in order and stops at the first failure, throwing a {@link
 * WebhookVerificationException} whose {@link WebhookVerificationException#reason() reason} names
 * it:
 *
 * <ol>
 *   <li>header sizes and duplicates (every header it reads is capped, so a 100 KB header is refused
 *       before any work);
 *   <li>{@code Authorization: Bearer <apiKey>} against every accepted key, in constant time ({@link
 *       #checkApiKey} runs this check alone: call it before reading the body);
 *   <li>the body size;
 *   <li>when signing secrets are configured: {@code webhook-id}, {@code webhook-timestamp} (within
 *       the tolerance, both directions) and {@code webhook-signature} (Standard Webhooks v1, any
 *       signature of the space-separated list, under any configured secret);
 *   <li>the replay guard, which records the {@code webhook-id} only now, so unauthenticated
 *       requests cannot fill it: an id still being processed is refused as {@link
 *       Reason#IN_PROGRESS}, and an id already processed (see {@link #complete}) as {@link
 *       Reason#ALREADY_PROCESSED}, whose status is 2xx;
 *   <li>the body: a JSON object with {@code id} (equal to {@code webhook-id}), {@code type}, {@code
 *       timestamp} and {@code data}, and optionally {@code subject} ({@code user_id}, {@code
 *       app_id}, {@code tenant}) and {@code changed} (an array of attribute names): when present
 *       they must have that shape; older senders omit them.
 * </ol>
 *
 * <p>A notification {@link #verify} returns counts as being processed until you call {@link
 * #complete} (processed: the sender's retries are acknowledged without processing) or {@link
 * #release} (failed: the sender's retry is processed), or until the later of its replay window's
 * end and the tolerance after it arrived.
 *
 * <p>With API keys only (no signing secrets), the body and timestamp are not authenticated; the
 * {@code webhook-id} header, when present, still goes through the replay guard (remembered for the
 * tolerance from now), and when absent there is no replay protection. Configure the webhook's
 * signing secrets for full protection.
 *
 * <p>Immutable and thread-safe: one instance serves all requests. {@link #toString()} shows counts,
 * never keys or secrets.
 */
public final class WebhookVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookVerifier.class);

  /** The header carrying the message id. */
  public static final String WEBHOOK_ID = "webhook-id";

  /** The header carrying the unix time of the attempt, in seconds. */
  public static final String WEBHOOK_TIMESTAMP = "webhook-timestamp";

  /** The header carrying the space-separated {@code v1,<base64>} signatures. */
  public static final String WEBHOOK_SIGNATURE = "webhook-signature";

  /** The header carrying {@code Bearer <apiKey>}. */
  public static final String AUTHORIZATION = "Authorization";

  /** The default timestamp tolerance, both directions. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  /** The default maximum body size: 1 MiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

  /**
   * The default time a processed id is still acknowledged after processing: 10 minutes, which
   * covers the retry that follows a 409 in Hookline's default schedule (its 5-minute step, with
   * jitter) when the application finishes within 4 minutes.
   */
  public static final Duration DEFAULT_REMEMBER_PROCESSED_FOR = Duration.ofMinutes(10);

  /** The default number of ids the in-memory replay guard holds. */
  public static final long DEFAULT_REPLAY_GUARD_SIZE = 100_000;

  static final int MAX_API_KEY_LENGTH = 1024;
  static final int MAX_ID_LENGTH = 256;
  static final int MAX_TIMESTAMP_LENGTH = 18;
  static final int MAX_SIGNATURE_HEADER_LENGTH = 4096;
  static final int MAX_BODY_BYTES_LIMIT = 64 << 20;
  private static final int MAX_AUTHORIZATION_LENGTH = MAX_API_KEY_LENGTH + 64;
  private static final String BEARER = "Bearer ";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          // Duplicate keys would let two parsers disagree on what was signed.
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final List<byte[]> apiKeyDigests;
  private final @Nullable StandardWebhooksSignature signature;
  private final Duration tolerance;
  private final long toleranceSeconds;
  private final Clock clock;
  private final ReplayGuard replayGuard;
  private final int maxBodyBytes;
  private final Duration rememberProcessedFor;

  private WebhookVerifier(Builder b, List<byte[]> apiKeyDigests, ReplayGuard replayGuard) {
    this.apiKeyDigests = apiKeyDigests;
    this.signature =
        b.signingSecrets.isEmpty() ? null : StandardWebhooksSignature.forSecrets(b.signingSecrets);
    this.tolerance = b.tolerance;
    this.toleranceSeconds = b.tolerance.toSeconds();
    this.clock = b.clock;
    this.replayGuard = replayGuard;
    this.maxBodyBytes = b.maxBodyBytes;
    this.rememberProcessedFor = b.rememberProcessedFor;
  }

  /**
   * Starts a builder.
   *
   * @return a new builder (not thread-safe)
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Verifies a request and parses its notification.
   *
   * @param headers the request headers; names are matched case-insensitively, and a header this
   *     method reads must appear once (com.sun.net.httpserver {@code Headers}, {@code
   *     HttpHeaders.map()}, Spring's {@code @RequestHeader MultiValueMap<String, String>} and plain
   *     maps all fit; Spring 7's {@code HttpHeaders} is no longer a {@code Map})
   * @param rawBody the body exactly as received, before any parsing
   * @return the verified notification
   * @throws WebhookVerificationException if any check fails; see the class description for the
   *     order
   */
  public Notification verify(Map<String, ? extends Collection<String>> headers, byte[] rawBody) {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(rawBody, "rawBody");
    String authorization = HeaderReader.single(headers, AUTHORIZATION, MAX_AUTHORIZATION_LENGTH);
    String id = HeaderReader.single(headers, WEBHOOK_ID, MAX_ID_LENGTH);
    String timestamp = HeaderReader.single(headers, WEBHOOK_TIMESTAMP, MAX_TIMESTAMP_LENGTH);
    String signatures =
        HeaderReader.single(headers, WEBHOOK_SIGNATURE, MAX_SIGNATURE_HEADER_LENGTH);

    checkApiKey(authorization);
    if (rawBody.length > maxBodyBytes) {
      throw new WebhookVerificationException(
          Reason.BODY_TOO_LARGE,
          "the body is " + rawBody.length + " bytes; at most " + maxBodyBytes + " are allowed");
    }

    Instant rememberUntil;
    Instant inProgressUntil;
    if (signature != null) {
      if (id == null
          || timestamp == null
          || signatures == null
          || id.isBlank()
          || timestamp.isBlank()
          || signatures.isBlank()) {
        throw new WebhookVerificationException(
            Reason.MISSING_SIGNATURE_HEADERS,
            "signing secrets are configured, so the "
                + WEBHOOK_ID
                + ", "
                + WEBHOOK_TIMESTAMP
                + " and "
                + WEBHOOK_SIGNATURE
                + " headers are required; missing: "
                + missing(id, timestamp, signatures));
      }
      checkId(id);
      long sentAt = checkTimestamp(timestamp);
      if (!signature.matches(id, timestamp, rawBody, signatures)) {
        throw new WebhookVerificationException(
            Reason.INVALID_SIGNATURE,
            "no signature in the "
                + WEBHOOK_SIGNATURE
                + " header matches the request under any of the "
                + signature.secretCount()
                + " configured signing secret(s)");
      }
      // The check compares whole seconds, so the request stays acceptable until the end of the
      // second sentAt + tolerance: remember it until then.
      rememberUntil = Instant.ofEpochSecond(sentAt + toleranceSeconds + 1);
      // While the application works on it, the id stays in progress for at least the tolerance
      // from now, whatever the timestamp: a request that arrived late in its window (a listener
      // clock ahead of the sender's) would otherwise leave its retry unguarded within seconds.
      Instant workingUntil = clock.instant().plus(tolerance);
      inProgressUntil = workingUntil.isAfter(rememberUntil) ? workingUntil : rememberUntil;
    } else {
      if (id != null) {
        checkId(id);
      }
      rememberUntil = clock.instant().plus(tolerance);
      inProgressUntil = rememberUntil;
    }
    // A whole second, so that a shared guard whose store keeps less than nanoseconds (Redis
    // milliseconds, a SQL timestamp column) finds the same value again in abandon(id, until).
    inProgressUntil = wholeSecondAtOrAfter(inProgressUntil);

    if (id != null) {
      switch (replayGuard.begin(id, inProgressUntil)) {
        case NEW -> {}
        case IN_PROGRESS ->
            throw new WebhookVerificationException(
                Reason.IN_PROGRESS, "notification " + id + " is still being processed");
        case DONE ->
            throw new WebhookVerificationException(
                Reason.ALREADY_PROCESSED, "notification " + id + " was already processed");
      }
    }
    try {
      return parse(
          rawBody, id, id == null ? null : rememberUntil, id == null ? null : inProgressUntil);
    } catch (RuntimeException | Error refused) {
      if (id != null) {
        // Remember only accepted notifications: a malformed one is answered 400 each time.
        try {
          replayGuard.abandon(id, inProgressUntil);
        } catch (RuntimeException guardFailed) {
          // The refusal stays what it is (the body, not the store, is wrong: a retry cannot fix
          // it); the id stays in progress until its entry expires.
          refused.addSuppressed(guardFailed);
          LOG.warn(
              "Could not forget refused notification {} in the replay guard; it counts as in"
                  + " progress until {}",
              id,
              inProgressUntil,
              guardFailed);
        }
      }
      throw refused;
    }
  }

  /**
   * Verifies a request whose headers come from {@code java.net.http}.
   *
   * @param headers the request headers
   * @param rawBody the body exactly as received
   * @return the verified notification
   * @throws WebhookVerificationException if any check fails
   */
  public Notification verify(HttpHeaders headers, byte[] rawBody) {
    return verify(Objects.requireNonNull(headers, "headers").map(), rawBody);
  }

  /**
   * Records in the replay guard that a notification was processed, so that the sender's retries of
   * it are answered {@link Reason#ALREADY_PROCESSED} (2xx, without processing it again) for the
   * longer of its replay window and {@link Builder#rememberProcessedFor}, and with signing secrets
   * at least until the end of the second twice the tolerance from now (the latest a retry answered
   * {@link Reason#IN_PROGRESS} meanwhile, with a timestamp up to the tolerance ahead, can be
   * replayed); each retry answered {@link Reason#ALREADY_PROCESSED} keeps the entry at least until
   * its own replay window ends ({@link ReplayGuard#begin}). Call it when your processing succeeded,
   * before answering 2xx ({@link VerifyingHandler} does this for you). Without it, the id counts as
   * {@link Reason#IN_PROGRESS} until the later of its replay window's end and the tolerance after
   * the request arrived, and a retry after that is processed again.
   *
   * <p>Does nothing for a notification that came without a {@code webhook-id} header (only possible
   * without signing secrets): such a request is not guarded.
   *
   * @param notification a notification this verifier returned
   * @throws RuntimeException whatever a shared replay guard throws when its store is unreachable
   */
  public void complete(Notification notification) {
    Objects.requireNonNull(notification, "notification");
    Instant replayWindowEnd = notification.guardedUntil();
    if (replayWindowEnd != null) {
      Instant now = clock.instant();
      Instant until = later(now.plus(rememberProcessedFor), replayWindowEnd);
      if (signature != null) {
        // A retry answered IN_PROGRESS meanwhile arrived before now, signed afresh with a
        // timestamp at most the tolerance ahead of the clock: its replay window ends by the end
        // of the second now + twice the tolerance. The entry lasts until then too, or a copy of
        // that retry replayed after a shorter entry ended would be processed again.
        until =
            later(until, Instant.ofEpochSecond(now.getEpochSecond() + 2 * toleranceSeconds + 1));
      }
      replayGuard.complete(notification.id(), until);
    }
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /**
   * Removes an accepted notification from the replay guard, so that the sender's retry of it is
   * processed. Call it when your processing of the notification failed and you answer non-2xx
   * ({@link VerifyingHandler} does this for you).
   *
   * <p>Does nothing for a notification that came without a {@code webhook-id} header.
   *
   * @param notification a notification this verifier returned
   * @throws RuntimeException whatever a shared replay guard throws when its store is unreachable
   */
  public void release(Notification notification) {
    Objects.requireNonNull(notification, "notification");
    Instant began = notification.inProgressUntil();
    if (began != null) {
      // Only the entry this notification's verify began: if it outlived that entry and a retry
      // of the id began anew meanwhile, the retry's entry stays.
      replayGuard.abandon(notification.id(), began);
    }
  }

  /**
   * Returns the largest body {@link #verify} accepts, so an adapter can stop reading beyond it.
   *
   * @return the maximum body size in bytes
   */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * Returns how far {@code webhook-timestamp} may be from the clock, in either direction.
   *
   * @return the tolerance
   */
  public Duration timestampTolerance() {
    return tolerance;
  }

  /**
   * Returns whether signing secrets are configured (so signatures and timestamps are checked).
   *
   * @return true if signatures are checked
   */
  public boolean checksSignatures() {
    return signature != null;
  }

  /**
   * Checks the API key alone, from the headers: call it before reading a notification's body, so
   * that a request without an accepted key is refused before it costs a buffer of up to {@link
   * #maxBodyBytes()} ({@link VerifyingHandler} does, and so does its verification handshake: only
   * the webhook's owner, who holds the key, may have this endpoint verified).
   *
   * <p>It is the check {@link #verify} runs (step 2 of the class description, after the size and
   * duplicate checks of step 1 on this one header): {@code Authorization: Bearer <apiKey>} against
   * every accepted key, compared in constant time over SHA-256 digests; {@link #verify} runs it
   * again, so a request that passes here is still checked in full there. It reads only the {@code
   * Authorization} header (matched case-insensitively; it must appear once), touches neither the
   * body nor the replay guard, and logs nothing. A verifier always has at least one accepted key
   * ({@link Builder#build} requires one), so it never accepts a request without a key. Like every
   * refusal, the exception's message never contains a key or the header's value.
   *
   * @param headers the request headers, as for {@link #verify}
   * @throws WebhookVerificationException {@link Reason#MISSING_API_KEY} if the header is absent or
   *     holds no key, {@link Reason#INVALID_API_KEY} if its scheme is not {@code Bearer} or its key
   *     is not accepted, {@link Reason#MALFORMED_HEADER} if it appears more than once or is longer
   *     than 1088 characters
   */
  public void checkApiKey(Map<String, ? extends Collection<String>> headers) {
    Objects.requireNonNull(headers, "headers");
    checkApiKey(HeaderReader.single(headers, AUTHORIZATION, MAX_AUTHORIZATION_LENGTH));
  }

  private void checkApiKey(@Nullable String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new WebhookVerificationException(
          Reason.MISSING_API_KEY, "the request has no " + AUTHORIZATION + " header");
    }
    // "Bearer " with no key reaches us as "Bearer": HTTP servers drop the trailing space.
    if (authorization.strip().equalsIgnoreCase(BEARER.strip())) {
      throw new WebhookVerificationException(
          Reason.MISSING_API_KEY, "the " + AUTHORIZATION + " header has no API key after Bearer");
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new WebhookVerificationException(
          Reason.INVALID_API_KEY, "the scheme of the " + AUTHORIZATION + " header is not Bearer");
    }
    String presented = authorization.substring(BEARER.length()).strip();
    if (presented.isEmpty()) {
      throw new WebhookVerificationException(
          Reason.MISSING_API_KEY, "the " + AUTHORIZATION + " header has no API key after Bearer");
    }
    // Comparing fixed-length digests hides the accepted keys' lengths; no early exit, so the
    // time does not depend on which key (if any) matched.
    byte[] digest = sha256(presented);
    boolean match = false;
    for (byte[] accepted : apiKeyDigests) {
      match |= MessageDigest.isEqual(accepted, digest);
    }
    if (!match) {
      throw new WebhookVerificationException(
          Reason.INVALID_API_KEY,
          "the API key in the " + AUTHORIZATION + " header is not accepted");
    }
  }

  private static void checkId(String id) {
    if (!HeaderReader.isVisibleAscii(id)) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_HEADER,
          "the "
              + WEBHOOK_ID
              + " header must be visible ASCII characters, without spaces or control characters");
    }
  }

  private long checkTimestamp(String timestamp) {
    for (int i = 0; i < timestamp.length(); i++) {
      char c = timestamp.charAt(i);
      if (c < '0' || c > '9') {
        throw new WebhookVerificationException(
            Reason.MALFORMED_HEADER,
            "the " + WEBHOOK_TIMESTAMP + " header must be unix time in seconds (digits only)");
      }
    }
    // At most 18 digits (checked when reading the header): fits a long.
    long sentAt = Long.parseLong(timestamp);
    long now = clock.instant().getEpochSecond();
    if (now - sentAt > toleranceSeconds) {
      throw new WebhookVerificationException(
          Reason.TIMESTAMP_TOO_OLD,
          "the "
              + WEBHOOK_TIMESTAMP
              + " header is "
              + (now - sentAt)
              + " s in the past; at most "
              + toleranceSeconds
              + " s are allowed");
    }
    if (sentAt - now > toleranceSeconds) {
      throw new WebhookVerificationException(
          Reason.TIMESTAMP_IN_FUTURE,
          "the "
              + WEBHOOK_TIMESTAMP
              + " header is "
              + (sentAt - now)
              + " s in the future; at most "
              + toleranceSeconds
              + " s are allowed"
              + (Math.abs(sentAt / 1000 - now) <= toleranceSeconds
                  ? " (it looks like milliseconds: it must be unix time in seconds)"
                  : ""));
    }
    return sentAt;
  }

  /** The instant itself if it is a whole second, else the next whole second. */
  private static Instant wholeSecondAtOrAfter(Instant instant) {
    return instant.getNano() == 0 ? instant : Instant.ofEpochSecond(instant.getEpochSecond() + 1);
  }

  private static Notification parse(
      byte[] rawBody,
      @Nullable String webhookId,
      @Nullable Instant guardedUntil,
      @Nullable Instant inProgressUntil) {
    JsonNode root;
    try {
      root = JSON.readTree(rawBody);
    } catch (JsonProcessingException e) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY, "the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY, "the body could not be read as JSON");
    }
    if (root == null || !root.isObject()) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY, "the body must be a JSON object");
    }
    String id = requiredText(root, "id");
    if (id.length() > MAX_ID_LENGTH) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY, "the body's id is longer than " + MAX_ID_LENGTH + " characters");
    }
    if (webhookId != null && !webhookId.equals(id)) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY,
          "the body's id " + quoted(id) + " differs from the " + WEBHOOK_ID + " header");
    }
    String type = requiredText(root, "type");
    Instant timestamp;
    try {
      timestamp = Instant.parse(requiredText(root, "timestamp"));
    } catch (DateTimeException e) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY,
          "the body's timestamp must be an ISO-8601 UTC instant such as 2026-11-22T10:15:30.123Z");
    }
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY, "the body must have a \"data\" JSON object");
    }
    return new Notification(
        id,
        type,
        timestamp,
        subject(root.get("subject")),
        changed(root.get("changed")),
        data,
        rawBody,
        guardedUntil,
        inProgressUntil);
  }

  /** The optional {@code subject}; older senders do not send it. */
  private static Optional<Notification.Subject> subject(@Nullable JsonNode subject) {
    if (subject == null || subject.isNull()) {
      return Optional.empty();
    }
    if (!subject.isObject()) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY, "the body's \"subject\" must be a JSON object");
    }
    return Optional.of(
        new Notification.Subject(
            requiredText(subject, "user_id", "subject"),
            optionalText(subject, "app_id"),
            optionalText(subject, "tenant")));
  }

  /** The optional {@code changed} array of attribute names; older senders do not send it. */
  private static List<String> changed(@Nullable JsonNode changed) {
    if (changed == null || changed.isNull()) {
      return List.of();
    }
    if (!changed.isArray()) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY, "the body's \"changed\" must be a JSON array of strings");
    }
    List<String> names = new ArrayList<>(changed.size());
    for (JsonNode name : changed) {
      if (!name.isTextual()) {
        throw new WebhookVerificationException(
            Reason.MALFORMED_BODY, "the body's \"changed\" must be a JSON array of strings");
      }
      names.add(name.textValue());
    }
    return List.copyOf(names);
  }

  private static Optional<String> optionalText(JsonNode subject, String field) {
    JsonNode node = subject.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isTextual() || node.textValue().isEmpty()) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY,
          "the body's subject." + field + ", when present, must be a non-empty string");
    }
    return Optional.of(node.textValue());
  }

  private static String requiredText(JsonNode object, String field, String in) {
    JsonNode node = object.get(field);
    if (node == null || !node.isTextual() || node.textValue().isEmpty()) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY,
          "the body's \"" + in + "\" must have a non-empty string \"" + field + "\"");
    }
    return node.textValue();
  }

  private static String requiredText(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || !node.isTextual() || node.textValue().isEmpty()) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_BODY, "the body must have a non-empty string \"" + field + "\"");
    }
    return node.textValue();
  }

  /** Quotes an id for a message, cut short and limited to visible ASCII so logs stay clean. */
  private static String quoted(String value) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < value.length() && i < 64; i++) {
      char c = value.charAt(i);
      sb.append(c >= 0x20 && c <= 0x7E ? c : '?');
    }
    return sb.append(value.length() > 64 ? "...\"" : "\"").toString();
  }

  private static String missing(
      @Nullable String id, @Nullable String timestamp, @Nullable String signatures) {
    List<String> names = new ArrayList<>(3);
    if (isBlank(id)) {
      names.add(WEBHOOK_ID);
    }
    if (isBlank(timestamp)) {
      names.add(WEBHOOK_TIMESTAMP);
    }
    if (isBlank(signatures)) {
      names.add(WEBHOOK_SIGNATURE);
    }
    return String.join(", ", names);
  }

  private static boolean isBlank(@Nullable String s) {
    return s == null || s.isBlank();
  }

  static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      // SHA-256 is required of every Java platform: this is a broken runtime.
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "WebhookVerifier[apiKeys="
        + apiKeyDigests.size()
        + ", signingSecrets="
        + (signature == null ? 0 : signature.secretCount())
        + ", tolerance="
        + tolerance
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", replayGuard="
        + replayGuard
        + "]";
  }

  /**
   * Builds a {@link WebhookVerifier}. Not thread-safe; {@link #build()} validates and copies.
   * Setters check their argument at once; messages never contain the key or secret.
   */
  public static final class Builder {
    private final List<String> apiKeys = new ArrayList<>();
    private final List<String> signingSecrets = new ArrayList<>();
    private boolean unsigned;
    private Duration tolerance = DEFAULT_TOLERANCE;
    private Clock clock = Clock.systemUTC();
    private @Nullable ReplayGuard replayGuard;
    private long replayGuardSize = DEFAULT_REPLAY_GUARD_SIZE;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Duration rememberProcessedFor = DEFAULT_REMEMBER_PROCESSED_FOR;

    private Builder() {}

    /**
     * Adds an accepted API key. Add the new key before the sender switches to it and remove the old
     * one after: during a rotation both are accepted. At least one is required.
     *
     * @param apiKey the key, 1 to 1024 visible ASCII characters
     * @return this builder
     * @throws IllegalArgumentException if the key is empty, too long or has other characters
     */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      if (apiKey.isEmpty()
          || apiKey.length() > MAX_API_KEY_LENGTH
          || !HeaderReader.isVisibleAscii(apiKey)) {
        throw new IllegalArgumentException(
            "apiKey must be 1 to "
                + MAX_API_KEY_LENGTH
                + " visible ASCII characters without spaces (this one has "
                + apiKey.length()
                + " characters)");
      }
      apiKeys.add(apiKey);
      return this;
    }

    /**
     * Adds a signing secret. Once one is added, every request must carry a valid Standard Webhooks
     * signature under some added secret; during a rotation add both.
     *
     * @param secret {@code whsec_} followed by base64 of 24 to 64 key bytes
     * @return this builder
     * @throws IllegalArgumentException if the secret is not in that format
     */
    public Builder signingSecret(String secret) {
      StandardWebhooksSignature.decodeSecret(secret);
      signingSecrets.add(secret);
      return this;
    }

    /**
     * Accepts notifications checked by their API key alone when no signing secret is added. Their
     * body, id and timestamp are then not authenticated, the timestamp is not checked, and anyone
     * who learns the key (it travels in every request) can forge a notification. Only for a sender
     * that does not sign; Hookline always signs, so configure its {@link #signingSecret} instead.
     * Default: off, and {@link #build} requires a signing secret. Has no effect once a secret is
     * added.
     *
     * @return this builder
     */
    public Builder allowUnsignedNotifications() {
      this.unsigned = true;
      return this;
    }

    /**
     * Sets how far {@code webhook-timestamp} may be from the clock, in either direction. Default 5
     * minutes. Whole seconds count; the replay guard remembers ids this long past their timestamp.
     *
     * @param tolerance 1 second to 1 day
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder timestampTolerance(Duration tolerance) {
      Objects.requireNonNull(tolerance, "tolerance");
      if (tolerance.toSeconds() < 1 || tolerance.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException(
            "timestampTolerance must be between 1 second and 1 day (got " + tolerance + ")");
      }
      this.tolerance = tolerance;
      return this;
    }

    /**
     * Sets the clock timestamps are checked against. Default: the system UTC clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the replay guard, e.g. one shared by a cluster of listeners. Default: {@link
     * ReplayGuard#inMemory} on this builder's clock, holding {@link #replayGuardSize} ids.
     *
     * @param replayGuard the guard; the caller owns it
     * @return this builder
     */
    public Builder replayGuard(ReplayGuard replayGuard) {
      this.replayGuard = Objects.requireNonNull(replayGuard, "replayGuard");
      return this;
    }

    /**
     * Sets how long after {@link WebhookVerifier#complete} a processed id is still acknowledged as
     * {@link Reason#ALREADY_PROCESSED} without processing it again (at least until the end of its
     * replay window either way, and with signing secrets at least twice the {@link
     * #timestampTolerance}, which covers the replay window of a retry answered {@link
     * Reason#IN_PROGRESS} while it was processed). Default: {@link
     * WebhookVerifier#DEFAULT_REMEMBER_PROCESSED_FOR}. It must cover the gap between the sender's
     * retries: raise it when your sender's retries are spaced wider; the in-memory replay guard
     * then holds more ids (raise its size accordingly).
     *
     * @param retention 1 second to 7 days
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder rememberProcessedFor(Duration retention) {
      Objects.requireNonNull(retention, "retention");
      if (retention.toSeconds() < 1 || retention.compareTo(Duration.ofDays(7)) > 0) {
        throw new IllegalArgumentException(
            "rememberProcessedFor must be between 1 second and 7 days (got " + retention + ")");
      }
      this.rememberProcessedFor = retention;
      return this;
    }

    /**
     * Sets how many ids the default in-memory replay guard holds. Default 100,000. Ignored when
     * {@link #replayGuard} is set.
     *
     * @param size at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder replayGuardSize(long size) {
      if (size < 1) {
        throw new IllegalArgumentException("replayGuardSize must be at least 1 (got " + size + ")");
      }
      this.replayGuardSize = size;
      return this;
    }

    /**
     * Sets the largest body accepted. Default 1 MiB.
     *
     * @param maxBodyBytes 1 byte to 64 MiB
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 1 || maxBodyBytes > MAX_BODY_BYTES_LIMIT) {
        throw new IllegalArgumentException(
            "maxBodyBytes must be between 1 and "
                + MAX_BODY_BYTES_LIMIT
                + " (got "
                + maxBodyBytes
                + ")");
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @return an immutable, thread-safe verifier
     * @throws IllegalStateException if no API key was added, or no signing secret without {@link
     *     #allowUnsignedNotifications}
     */
    public WebhookVerifier build() {
      if (apiKeys.isEmpty()) {
        throw new IllegalStateException(
            "at least one apiKey is required: every Hookline notification carries its API key"
                + " in the Authorization header (scheme Bearer)");
      }
      if (signingSecrets.isEmpty() && !unsigned) {
        throw new IllegalStateException(
            "at least one signingSecret is required (the webhook's whsec_... secret): without it"
                + " a notification's body, id and timestamp are not authenticated and anyone who"
                + " learns the API key can forge one; call allowUnsignedNotifications() to accept"
                + " that");
      }
      List<byte[]> digests = new ArrayList<>(apiKeys.size());
      for (String key : apiKeys) {
        digests.add(sha256(key));
      }
      ReplayGuard guard =
          replayGuard != null ? replayGuard : ReplayGuard.inMemory(clock, replayGuardSize);
      return new WebhookVerifier(this, List.copyOf(digests), guard);
    }
  }
}
