package dev.hookline.receiver.set;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.ReplayGuard;
import dev.hookline.receiver.VerificationChallenge;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.set.internal.KeySource;
import dev.hookline.receiver.set.internal.RemoteKeys;
import dev.hookline.receiver.set.internal.StaticKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that a request carries a genuine, fresh Security Event Token (RFC 8417) from the expected
 * sender, signed with a key of its JSON Web Key Set, and parses its one event. {@link #verify} runs
 * the checks in this order and stops at the first failure with a {@link
 * WebhookVerificationException} whose {@link Reason} names it:
 *
 * <ol>
 *   <li>the API key in {@code Authorization: Bearer}, when keys are configured ({@link
 *       #checkApiKey} runs this check alone: call it before reading the body), then the body size
 *       ({@link Reason#BODY_TOO_LARGE});
 *   <li>the header: {@code alg} on the allow-list, RS256 or ES256 only ({@link
 *       Reason#ALGORITHM_NONE}, {@link Reason#SYMMETRIC_ALGORITHM}, {@link
 *       Reason#UNSUPPORTED_ALGORITHM}), {@code typ} {@code secevent+jwt} ({@link
 *       Reason#INVALID_TYPE}), no {@code crit} ({@link Reason#UNSUPPORTED_CRITICAL_HEADER}), a
 *       well-formed {@code kid} ({@link Reason#MALFORMED_KEY_ID});
 *   <li>the key: found in the key set, which is fetched again (rate-limited) for an unknown id
 *       ({@link Reason#UNKNOWN_KEY}, {@link Reason#KEY_SET_UNAVAILABLE}); strong enough ({@link
 *       Reason#WEAK_KEY}: RSA under 2048 bits); of the type the algorithm is pinned to (RSA for
 *       RS256, EC P-256 for ES256, and the key's own {@code alg} if it has one), and for signatures
 *       (no {@code use} but {@code sig}, no {@code key_ops} without {@code verify}: RFC 7517
 *       sections 4.2 and 4.3) ({@link Reason#ALGORITHM_KEY_MISMATCH}); a key refused here has a
 *       fetched set fetched again (rate-limited as for an unknown id) and the key then under its id
 *       checked instead, if the sender replaced it with one of another type or algorithm;
 *   <li>the signature ({@link Reason#INVALID_SIGNATURE}); with a fetched key set, a signature that
 *       does not match has the set fetched again (rate-limited as for an unknown id) and is checked
 *       with the key then under its id, if the sender replaced it;
 *   <li>the claims: {@code iss} ({@link Reason#WRONG_ISSUER}), {@code aud} ({@link
 *       Reason#WRONG_AUDIENCE}), {@code iat} within the tolerance ({@link
 *       Reason#TIMESTAMP_TOO_OLD}, {@link Reason#TIMESTAMP_IN_FUTURE}), and when present {@code
 *       exp} and {@code nbf} (RFC 7519 section 4.1.4 and 4.1.5), with the same tolerance for clock
 *       skew: refused from {@code exp} + tolerance on ({@link Reason#TIMESTAMP_TOO_OLD}) and before
 *       {@code nbf} - tolerance ({@link Reason#TIMESTAMP_IN_FUTURE}); when present {@code toe}, a
 *       NumericDate in years 1 to 9999 ({@link Reason#MALFORMED_BODY}, as for an {@code iat},
 *       {@code exp} or {@code nbf} that is not a NumericDate; not compared with the clock); a
 *       {@code jti};
 *   <li>the {@code jti} through the {@link ReplayGuard} ({@link Reason#IN_PROGRESS}, {@link
 *       Reason#ALREADY_PROCESSED}), scoped to the token's {@code iss} and {@code aud}: RFC 7519
 *       makes a {@code jti} unique per issuer only, and a sender may reuse one for another
 *       audience, so the guard's key is a digest of all three, {@code set:} and 43 base64url
 *       characters;
 *   <li>and only then the event: {@code events} with exactly one member ({@link
 *       Reason#MALFORMED_BODY}).
 * </ol>
 *
 * <p>The event may have either shape the sender writes: Hookline's own ({@code subject}, {@code
 * changed}, {@code data}) or that of Akamai Identity Cloud Webhooks v3 ({@code sub}, {@code
 * captureApplicationId}, {@code attributes}, {@code id}), recognised by an {@code id} and no {@code
 * subject}. {@link SecurityEvent} gives both the same way: see its accessors.
 *
 * <p>Answer a refusal with {@link #httpStatus} and {@link #errorBody}, RFC 8935's answers (400 with
 * an error code for a token that fails a check), not with {@link Reason#httpStatus()}.
 *
 * <p>An event {@link #verify} returns counts as being processed until {@link #complete} or {@link
 * #release}, as with {@code WebhookVerifier}.
 *
 * <p>Immutable and thread-safe: one instance serves all requests.
 */
public final class SecurityEventTokenVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(SecurityEventTokenVerifier.class);

  /** The default tolerance for {@code iat}, both directions. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  /**
   * The default largest token accepted: 1 MiB, as receiver-verify's. A token is about a third
   * larger than the JSON it carries, so a sender's default {@code maxPayloadBytes} (256 KiB of
   * JSON) gives tokens up to about 340 KiB.
   */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

  /** The largest {@link Builder#maxBodyBytes}, as receiver-verify's and the admin API's. */
  private static final int MAX_BODY_BYTES_LIMIT = 64 << 20;

  private static final Duration MAX_TOLERANCE = Duration.ofDays(1);
  private static final Duration MAX_REMEMBER_PROCESSED_FOR = Duration.ofDays(7);
  private static final Duration MAX_JWKS_FETCH_TIMEOUT = Duration.ofMinutes(5);

  /** The default prefix of event type URIs, as the sender's default. */
  public static final String DEFAULT_EVENT_TYPE_PREFIX = "https://schemas.hookline.dev/secevent/";

  private static final String BEARER = "Bearer ";
  private static final int MAX_HEADER_BYTES = 4096;
  private static final int MAX_JTI_LENGTH = 256;
  private static final int MAX_API_KEY_LENGTH = 1024;
  private static final int MIN_RSA_BITS = 2048;
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final Pattern IPV4_LOOPBACK =
      Pattern.compile(
          "127\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){2}");

  /** How long after it expired the last good fetched key set is used while fetches fail. */
  private static final Duration JWKS_STALE_GRACE = Duration.ofHours(1);

  private static final String JWKS_URI_ALLOWED =
      "an absolute https URI with a host and no user-info (http only to a loopback host:"
          + " localhost, 127.0.0.0/8 or [::1], with allowInsecureLoopbackJwksForDevelopment(true))";

  /** Duplicate members are refused: a header or claim must not mean two things. */
  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /**
   * Akamai Identity Cloud's event names (its "Security Event Token Payloads" page and the test
   * notification of "What a Webhook event filter can filter on") and the Hookline types they are.
   */
  private static final Map<String, String> AKAMAI_NAMES =
      Map.of(
          "entityCreated", "user.created",
          "entityUpdated", "user.updated",
          "entityDeleted", "user.deleted",
          "test", "webhook.test");

  /** NumericDate bounds accepted for iat, exp and nbf: years 1970 to about 5138. */
  private static final long MAX_EPOCH_SECONDS = 100_000_000_000L;

  /**
   * NumericDate bounds accepted for toe: the times a Hookline event may carry (years 1 to 9999),
   * whose epoch second the sender writes. An event may have occurred before 1970.
   */
  private static final long MIN_TOE_SECONDS =
      Instant.parse("0001-01-01T00:00:00Z").getEpochSecond();

  private static final long MAX_TOE_SECONDS =
      Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

  private final KeySource keys;
  private final String issuer;
  private final Set<String> audiences;
  private final List<byte[]> apiKeyDigests;
  private final Clock clock;
  private final Duration tolerance;
  private final int maxBodyBytes;
  private final ReplayGuard replayGuard;
  private final Duration rememberProcessedFor;
  private final String prefix;

  private SecurityEventTokenVerifier(Builder b, KeySource keys, String issuer, Clock clock) {
    this.keys = keys;
    this.issuer = issuer;
    this.audiences = Set.copyOf(b.audiences);
    this.apiKeyDigests = List.copyOf(b.apiKeyDigests);
    this.clock = clock;
    this.tolerance = b.tolerance;
    this.maxBodyBytes = b.maxBodyBytes;
    ReplayGuard guard = b.replayGuard;
    this.replayGuard = guard != null ? guard : ReplayGuard.inMemory(clock, 100_000);
    this.rememberProcessedFor = b.rememberProcessedFor;
    this.prefix = b.prefix;
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the largest token accepted, so that an adapter can bound its read of the body: once
   * {@link #checkApiKey} has accepted the request, read at most {@code maxBodyBytes() + 1} bytes
   * and pass them to {@link #verify}, which refuses a body over the limit with {@link
   * Reason#BODY_TOO_LARGE} (413), without reading the rest.
   *
   * @return the limit in bytes, as set by {@link Builder#maxBodyBytes}
   */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * Verifies a request and parses its event.
   *
   * @param headers the request headers; names are matched case-insensitively
   * @param rawBody the body exactly as received: the compact JWS
   * @return the verified event
   * @throws WebhookVerificationException if a check fails; see the class description
   */
  public SecurityEvent verify(Map<String, ? extends Collection<String>> headers, byte[] rawBody) {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(rawBody, "rawBody");
    checkApiKey(headers);
    if (rawBody.length > maxBodyBytes) {
      throw fail(
          Reason.BODY_TOO_LARGE,
          "the token is " + rawBody.length + " bytes; the limit is " + maxBodyBytes);
    }
    String token = new String(rawBody, StandardCharsets.US_ASCII).strip();
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || parts[0].length() > MAX_HEADER_BYTES) {
      throw fail(
          Reason.MALFORMED_BODY, "the body is not a compact JWS (three dot-separated parts)");
    }
    JsonNode header = decodeJson(parts[0], "header");
    JsonNode alg = header.get("alg");
    String algorithm = alg != null && alg.isTextual() ? alg.asText() : "";
    if (algorithm.equalsIgnoreCase("none")) {
      throw fail(Reason.ALGORITHM_NONE, "the token is unsigned (alg none); only RS256 and ES256");
    }
    if (algorithm.startsWith("HS")) {
      throw fail(
          Reason.SYMMETRIC_ALGORITHM,
          "the algorithm "
              + printable(algorithm)
              + " is a shared-secret one; senders sign with a private key (RS256, ES256)");
    }
    if (!algorithm.equals("RS256") && !algorithm.equals("ES256")) {
      throw fail(
          Reason.UNSUPPORTED_ALGORITHM,
          "the algorithm "
              + (algorithm.isEmpty() ? "(none given)" : printable(algorithm))
              + " is not accepted; only RS256 and ES256 are");
    }
    JsonNode typ = header.get("typ");
    String type = typ != null && typ.isTextual() ? typ.asText().toLowerCase(Locale.ROOT) : "";
    if (!type.equals("secevent+jwt") && !type.equals("application/secevent+jwt")) {
      throw fail(Reason.INVALID_TYPE, "the typ header is not secevent+jwt");
    }
    if (header.has("crit")) {
      throw fail(
          Reason.UNSUPPORTED_CRITICAL_HEADER,
          "the header lists critical parameters (crit) this verifier does not understand");
    }
    JsonNode kidNode = header.get("kid");
    String kid = kidNode != null && kidNode.isTextual() ? kidNode.asText() : "";
    if (!KEY_ID.matcher(kid).matches() || kid.contains("..")) {
      throw fail(
          Reason.MALFORMED_KEY_ID,
          "the kid header is missing or not 1 to 128 characters A-Z a-z 0-9 . _ -, not starting"
              + " with a dot and without \"..\"");
    }
    KeyType keyType = algorithm.equals("RS256") ? KeyType.RSA : KeyType.EC;
    JWK key = findKey(kid, keyType);
    JWSVerifier verifier;
    try {
      verifier = verifierFor(kid, algorithm, key);
    } catch (WebhookVerificationException unusable) {
      // The sender may have replaced the key under this kid with one of another type or for
      // another algorithm: as for an unknown kid, a fetched set is fetched again, rate-limited
      // (such a token needs no valid signature to get here), and the key found there is used.
      key = replacement(kid, keyType, key).orElseThrow(() -> unusable);
      verifier = verifierFor(kid, algorithm, key);
    }

    JWSObject jws;
    try {
      jws = JWSObject.parse(token);
    } catch (ParseException e) {
      throw fail(Reason.MALFORMED_BODY, "the token is not a well-formed JWS");
    }
    if (!verifies(jws, verifier)) {
      // The sender may have replaced the key under this kid: a fetched set is fetched again
      // (rate-limited as for an unknown kid), and the token verified with the key found there.
      Optional<JWK> replacement = replacement(kid, keyType, key);
      if (replacement.isEmpty() || !verifies(jws, verifierFor(kid, algorithm, replacement.get()))) {
        throw fail(Reason.INVALID_SIGNATURE, "the signature does not match key " + kid);
      }
    }

    JsonNode claims = decodeJson(parts[1], "claims");
    String iss = text(claims, "iss");
    if (!issuer.equals(iss)) {
      throw fail(Reason.WRONG_ISSUER, "the token's issuer is not the expected one");
    }
    List<String> aud = audience(claims.get("aud"));
    if (aud.stream().noneMatch(audiences::contains)) {
      throw fail(Reason.WRONG_AUDIENCE, "the token's audience names no accepted audience");
    }
    Instant iat =
        epochSeconds(claims.get("iat"))
            .orElseThrow(() -> fail(Reason.MALFORMED_BODY, "the token has no numeric iat claim"));
    Instant now = clock.instant();
    if (iat.isBefore(now.minus(tolerance))) {
      throw fail(Reason.TIMESTAMP_TOO_OLD, "the token was issued more than " + tolerance + " ago");
    }
    if (iat.isAfter(now.plus(tolerance))) {
      throw fail(
          Reason.TIMESTAMP_IN_FUTURE, "the token's iat is more than " + tolerance + " ahead");
    }
    Optional<Instant> exp = optionalDate(claims, "exp", 0, MAX_EPOCH_SECONDS - 1);
    if (exp.isPresent() && !now.isBefore(exp.get().plus(tolerance))) {
      throw fail(
          Reason.TIMESTAMP_TOO_OLD,
          "the token expired (exp " + exp.get() + ") more than " + tolerance + " ago");
    }
    Optional<Instant> nbf = optionalDate(claims, "nbf", 0, MAX_EPOCH_SECONDS - 1);
    if (nbf.isPresent() && now.isBefore(nbf.get().minus(tolerance))) {
      throw fail(
          Reason.TIMESTAMP_IN_FUTURE,
          "the token is not valid before (nbf) "
              + nbf.get()
              + ", more than "
              + tolerance
              + " ahead");
    }
    // Read, not checked against the clock: an event may be reported long after it occurred.
    Optional<Instant> toe = optionalDate(claims, "toe", MIN_TOE_SECONDS, MAX_TOE_SECONDS);
    String jti = text(claims, "jti");
    if (jti == null || jti.isBlank() || jti.length() > MAX_JTI_LENGTH) {
      throw fail(Reason.MALFORMED_BODY, "the token has no jti claim of 1 to 256 characters");
    }

    Instant guardedUntil = iat.plus(tolerance);
    // While the application works on it, the token stays in progress for at least the tolerance
    // from now: a token that arrived late in its window (a listener clock ahead of the sender's)
    // would otherwise leave its retry unguarded within seconds, as in WebhookVerifier.
    Instant workingUntil = now.plus(tolerance);
    // A whole second, so that a shared guard whose store keeps less than nanoseconds (Redis
    // milliseconds, a SQL timestamp column) finds the same value again in abandon(id, until).
    Instant inProgressUntil =
        wholeSecondAtOrAfter(workingUntil.isAfter(guardedUntil) ? workingUntil : guardedUntil);
    String replayKey = replayKey(issuer, aud, jti);
    switch (replayGuard.begin(replayKey, inProgressUntil)) {
      case NEW -> {}
      case IN_PROGRESS ->
          throw fail(Reason.IN_PROGRESS, "token " + printable(jti) + " is being processed");
      case DONE ->
          throw fail(Reason.ALREADY_PROCESSED, "token " + printable(jti) + " was processed");
    }
    try {
      return parse(
          claims, jti, issuer, aud, iat, toe, kid, token, replayKey, guardedUntil, inProgressUntil);
    } catch (RuntimeException | Error refused) {
      // Remember only accepted tokens: a malformed one is answered 400 each time.
      try {
        replayGuard.abandon(replayKey, inProgressUntil);
      } catch (RuntimeException guardFailed) {
        // The refusal stays what it is (the token, not the store, is wrong: a retry cannot fix
        // it), as in WebhookVerifier; the entry stays in progress until it expires.
        refused.addSuppressed(guardFailed);
        LOG.warn(
            "Could not forget refused token {} in the replay guard; it counts as in progress"
                + " until {}",
            printable(jti),
            inProgressUntil,
            guardFailed);
      }
      throw refused;
    }
  }

  private SecurityEvent parse(
      JsonNode claims,
      String jti,
      String iss,
      List<String> aud,
      Instant iat,
      Optional<Instant> occurredAt,
      String kid,
      String token,
      String replayKey,
      Instant guardedUntil,
      Instant inProgressUntil) {
    JsonNode events = claims.get("events");
    if (events == null || !events.isObject() || events.size() != 1) {
      throw fail(
          Reason.MALFORMED_BODY, "the events claim must be an object with exactly one member");
    }
    Map.Entry<String, JsonNode> only = events.properties().iterator().next();
    String typeUri = only.getKey();
    JsonNode event = only.getValue();
    if (!event.isObject()) {
      throw fail(Reason.MALFORMED_BODY, "the event's value must be an object");
    }
    boolean akamai = !event.has("subject") && event.has("id");
    Optional<Notification.Subject> subject;
    List<String> changed;
    JsonNode data;
    String eventId;
    String type;
    if (akamai) {
      // Akamai Identity Cloud Webhooks v3: {"sub","captureApplicationId"?,"attributes"?,"id",...}
      String id = text(event, "id");
      if (id == null || id.isBlank() || id.length() > MAX_JTI_LENGTH) {
        throw fail(Reason.MALFORMED_BODY, "the event's id is not a string of 1 to 256 characters");
      }
      eventId = id;
      subject = Optional.empty();
      if (event.has("sub")) {
        String sub = text(event, "sub");
        if (sub == null || sub.isEmpty()) {
          throw fail(Reason.MALFORMED_BODY, "the event's sub is not a non-empty string");
        }
        subject =
            Optional.of(
                new Notification.Subject(
                    sub,
                    Optional.ofNullable(text(event, "captureApplicationId")),
                    Optional.empty()));
      }
      changed = strings(event, "attributes");
      data = event;
      String hookline = AKAMAI_NAMES.get(typeUri);
      type = hookline != null ? hookline : withoutPrefix(typeUri);
    } else {
      subject = Optional.empty();
      JsonNode s = event.get("subject");
      if (s != null) {
        String userId = text(s, "user_id");
        if (!s.isObject() || userId == null || userId.isEmpty()) {
          throw fail(Reason.MALFORMED_BODY, "the event's subject has no user_id");
        }
        subject =
            Optional.of(
                new Notification.Subject(
                    userId,
                    Optional.ofNullable(text(s, "app_id")),
                    Optional.ofNullable(text(s, "tenant"))));
      }
      changed = strings(event, "changed");
      data = event.get("data");
      if (data == null) {
        data = JsonNodeFactory.instance.objectNode();
      } else if (!data.isObject()) {
        throw fail(Reason.MALFORMED_BODY, "the event's data is not an object");
      }
      // Hookline's sender writes the event id as txn (its jti names the notification); a token
      // without txn, as older senders wrote them, has the event id as its jti.
      JsonNode txn = claims.get("txn");
      if (txn == null) {
        eventId = jti;
      } else if (txn.isTextual()
          && !txn.asText().isBlank()
          && txn.asText().length() <= MAX_JTI_LENGTH) {
        eventId = txn.asText();
      } else {
        throw fail(Reason.MALFORMED_BODY, "the token's txn is not a string of 1 to 256 characters");
      }
      type = withoutPrefix(typeUri);
    }
    return new SecurityEvent(
        jti,
        eventId,
        iss,
        aud,
        iat,
        occurredAt,
        typeUri,
        type,
        subject,
        changed,
        ((ObjectNode) data).deepCopy(),
        kid,
        token,
        replayKey,
        guardedUntil,
        inProgressUntil);
  }

  /**
   * The replay guard's key for a token: (iss, aud, jti), so that one {@code jti} sent to two
   * audiences, or by two issuers to verifiers sharing a guard, is two notifications. A digest keeps
   * it short and unambiguous; the prefix keeps it apart from receiver-verify's {@code webhook-id}s
   * in a shared guard.
   */
  private static String replayKey(String iss, List<String> aud, String jti) {
    ArrayNode parts = MAPPER.createArrayNode();
    parts.add(iss);
    aud.forEach(parts.addArray()::add);
    parts.add(jti);
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-256").digest(MAPPER.writeValueAsBytes(parts));
    } catch (java.security.NoSuchAlgorithmException | IOException e) {
      throw new IllegalStateException("could not digest a replay key", e);
    }
    return "set:" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
  }

  private String withoutPrefix(String typeUri) {
    return typeUri.startsWith(prefix) ? typeUri.substring(prefix.length()) : typeUri;
  }

  /** The event's array of strings {@code name}, empty if absent. */
  private static List<String> strings(JsonNode event, String name) {
    List<String> out = new ArrayList<>();
    JsonNode c = event.get(name);
    if (c != null) {
      if (!c.isArray()) {
        throw fail(Reason.MALFORMED_BODY, "the event's " + name + " is not an array");
      }
      for (JsonNode n : c) {
        if (!n.isTextual()) {
          throw fail(Reason.MALFORMED_BODY, "the event's " + name + " holds a non-string");
        }
        out.add(n.asText());
      }
    }
    return out;
  }

  private static boolean verifies(JWSObject jws, JWSVerifier verifier) {
    try {
      return jws.verify(verifier);
    } catch (JOSEException | IllegalStateException e) {
      return false;
    }
  }

  /** Finds the key with the token's kid, of the algorithm's key type if the set has one. */
  private JWK findKey(String kid, KeyType type) {
    try {
      return keys.find(kid, type)
          .orElseThrow(() -> fail(Reason.UNKNOWN_KEY, "the sender's key set has no key " + kid));
    } catch (KeySource.KeySetUnavailableException e) {
      throw fail(Reason.KEY_SET_UNAVAILABLE, e.getMessage() + "");
    }
  }

  /**
   * Another key under the kid than {@code stale}, which cannot verify the token: from a fetched set
   * fetched again if the refetch limit allows; empty if there is none or the fetch failed (logged
   * there), so that the token is refused for {@code stale}.
   */
  private Optional<JWK> replacement(String kid, KeyType type, JWK stale) {
    try {
      return keys.findReplacement(kid, type, stale);
    } catch (KeySource.KeySetUnavailableException e) {
      return Optional.empty();
    }
  }

  /** Checks the key's use, strength and type, pinning the algorithm to the type. */
  private static JWSVerifier verifierFor(String kid, String algorithm, JWK key) {
    String notForVerifying = KeySource.notForVerifying(key);
    if (notForVerifying != null) {
      throw fail(
          Reason.ALGORITHM_KEY_MISMATCH,
          "key " + kid + " is not for verifying signatures: it has " + notForVerifying);
    }
    if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(algorithm)) {
      throw fail(
          Reason.ALGORITHM_KEY_MISMATCH, "key " + kid + " is for " + key.getAlgorithm().getName());
    }
    try {
      if (algorithm.equals("RS256")) {
        if (!KeyType.RSA.equals(key.getKeyType())) {
          throw fail(Reason.ALGORITHM_KEY_MISMATCH, "RS256 needs an RSA key; " + kid + " is not");
        }
        RSAKey rsa = key.toRSAKey();
        int bits = modulusBits(rsa);
        if (bits < MIN_RSA_BITS) {
          throw fail(
              Reason.WEAK_KEY,
              "key " + kid + " has " + bits + " bits; at least " + MIN_RSA_BITS + " needed");
        }
        return new RSASSAVerifier(rsa);
      }
      if (!KeyType.EC.equals(key.getKeyType()) || !Curve.P_256.equals(key.toECKey().getCurve())) {
        throw fail(
            Reason.ALGORITHM_KEY_MISMATCH, "ES256 needs an EC P-256 key; " + kid + " is not");
      }
      ECKey ec = key.toECKey();
      return new ECDSAVerifier(ec);
    } catch (JOSEException e) {
      throw fail(Reason.ALGORITHM_KEY_MISMATCH, "key " + kid + " cannot verify " + algorithm);
    }
  }

  /**
   * Answers Hookline's verification handshake, which a webhook of any format, SET ones included,
   * must pass before it receives anything: a {@code GET} with {@code X-Verification-Key} and the
   * webhook's {@code Authorization: Bearer <apiKey>}. Only a request carrying an accepted API key
   * is answered, so nobody else can point a webhook of theirs at this endpoint and have it
   * verified; a verifier without {@link Builder#apiKey} therefore answers no handshake.
   *
   * @param method the HTTP method
   * @param headers the request headers; names are matched case-insensitively
   * @return the JSON body to answer 200 with, as {@code application/json}, if the request is a
   *     handshake; empty for any other request (verify it as a token)
   * @throws WebhookVerificationException if it is a handshake whose API key is missing or not
   *     accepted ({@link Reason#MISSING_API_KEY}, {@link Reason#INVALID_API_KEY}), or whose
   *     challenge or {@code Authorization} header is malformed ({@link Reason#MALFORMED_HEADER});
   *     answer it with {@link #httpStatus} and {@link #errorBody}
   */
  public Optional<String> handshake(
      String method, Map<String, ? extends Collection<String>> headers) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(headers, "headers");
    Optional<VerificationChallenge> challenge = VerificationChallenge.detect(method, headers);
    if (challenge.isEmpty()) {
      return Optional.empty();
    }
    if (apiKeyDigests.isEmpty()) {
      throw fail(
          Reason.MISSING_API_KEY,
          "the verification handshake is answered only with an API key; configure apiKey(...)");
    }
    checkApiKey(headers);
    return Optional.of(challenge.get().responseBody());
  }

  /**
   * Checks the API key alone, from the headers: call it before reading a token's body, so that a
   * request without an accepted key is refused before it costs a buffer of up to {@link
   * #maxBodyBytes()}.
   *
   * <p>It is the check {@link #verify} runs first (step 1 of the class description): {@code
   * Authorization: Bearer <apiKey>} against every key added with {@link Builder#apiKey}, compared
   * in constant time over SHA-256 digests; {@link #verify} runs it again, so a request that passes
   * here is still checked in full there. It reads only the {@code Authorization} header (matched
   * case-insensitively; it must appear once, at most 4096 characters), touches neither the body nor
   * the replay guard, and logs nothing. Like every refusal, the exception's message never contains
   * a key or the header's value; answer it with {@link #httpStatus} and {@link #errorBody} (400,
   * {@code authentication_failed} or {@code invalid_request}).
   *
   * <p>A verifier built with {@link Builder#allowWithoutApiKey} and no {@link Builder#apiKey} has
   * no key to check: then this accepts every request, whatever its {@code Authorization} header,
   * and returns without reading it, as {@link #verify} does (the signature, {@code iss} and {@code
   * aud} alone authenticate its tokens, and only once the body is read). {@link #handshake} still
   * answers no handshake for such a verifier.
   *
   * @param headers the request headers, as for {@link #verify}; names are matched
   *     case-insensitively
   * @throws WebhookVerificationException when keys are configured: {@link Reason#MISSING_API_KEY}
   *     if the header is absent or blank or holds no key after {@code Bearer} (as receiver-verify's
   *     {@code WebhookVerifier.checkApiKey}), {@link Reason#INVALID_API_KEY} if its scheme is not
   *     {@code Bearer} or its key is not accepted, {@link Reason#MALFORMED_HEADER} if it appears
   *     more than once or is longer than 4096 characters
   */
  public void checkApiKey(Map<String, ? extends Collection<String>> headers) {
    Objects.requireNonNull(headers, "headers");
    if (!apiKeyDigests.isEmpty()) {
      checkAuthorization(header(headers, "Authorization"));
    }
  }

  /**
   * Records that an event was processed: the sender's retries of its token (the same {@code iss},
   * {@code aud} and {@code jti}) are acknowledged ({@link Reason#ALREADY_PROCESSED}) without
   * processing it again, for the longer of the token's window ({@code iat} plus the tolerance),
   * {@link Builder#rememberProcessedFor} and twice the tolerance from now (the latest a retry
   * answered {@link Reason#IN_PROGRESS} meanwhile, with an {@code iat} up to the tolerance ahead,
   * can be replayed); each retry answered {@link Reason#ALREADY_PROCESSED} keeps the entry at least
   * until its own window ends.
   *
   * @param event an event this verifier returned
   */
  public void complete(SecurityEvent event) {
    Objects.requireNonNull(event, "event");
    Instant now = clock.instant();
    Instant retained = now.plus(rememberProcessedFor);
    Instant until = event.guardedUntil();
    until = retained.isAfter(until) ? retained : until;
    // A retry answered IN_PROGRESS meanwhile arrived before now with an iat at most the tolerance
    // ahead of the clock: its window ends by now + twice the tolerance. The entry lasts until then
    // too, or a copy of that retry replayed after a shorter entry ended would be processed again.
    Instant retriesWindowEnd = wholeSecondAtOrAfter(now.plus(tolerance).plus(tolerance));
    until = retriesWindowEnd.isAfter(until) ? retriesWindowEnd : until;
    replayGuard.complete(event.replayKey(), until);
  }

  /**
   * Forgets an accepted event, so that the sender's retry of it is processed: call it when your
   * processing failed and you answer non-2xx.
   *
   * @param event an event this verifier returned
   */
  public void release(SecurityEvent event) {
    Objects.requireNonNull(event, "event");
    // Only the entry this event's verify began: if it outlived that entry and a retry of the
    // token began anew meanwhile, the retry's entry stays.
    replayGuard.abandon(event.replayKey(), event.inProgressUntil());
  }

  /**
   * Returns the HTTP status to answer a refused token with, as RFC 8935 section 2.3 asks, rather
   * than {@link Reason#httpStatus()} (receiver-verify's answers for Standard Webhooks, such as 401,
   * from which a SET sender reads no error code):
   *
   * <ul>
   *   <li>400, with {@link #errorBody}, for a token that fails parsing, validation or
   *       authentication: every reason but the four below. The sender records the body's {@code
   *       err} code (Hookline's does, in the attempt's detail) and retries.
   *   <li>202, RFC 8935's success, without a body, for {@link Reason#ALREADY_PROCESSED}: the sender
   *       stops retrying a token that was processed.
   *   <li>The status HTTP has for a condition that is no fault of the token, without a body, so
   *       that the sender records the status alone and retries: 409 for {@link Reason#IN_PROGRESS}
   *       (the same token is being processed), 413 for {@link Reason#BODY_TOO_LARGE}, 503 for
   *       {@link Reason#KEY_SET_UNAVAILABLE}.
   * </ul>
   *
   * @param e the refusal
   * @return the status code
   */
  public static int httpStatus(WebhookVerificationException e) {
    return switch (e.reason()) {
      case ALREADY_PROCESSED -> 202;
      case IN_PROGRESS -> 409;
      case BODY_TOO_LARGE -> 413;
      case KEY_SET_UNAVAILABLE -> 503;
      default -> 400;
    };
  }

  /**
   * Returns the body to answer a refused token with, beside {@link #httpStatus}: for a 400, RFC
   * 8935's error body {@code {"err":"...","description":"..."}}, to send as {@code
   * application/json}, where {@code err} is one of RFC 8935's codes (invalid_request, invalid_key,
   * invalid_issuer, invalid_audience, authentication_failed); for any other status, the empty
   * string: send no body.
   *
   * @param e the refusal
   * @return the JSON text, or the empty string
   */
  public static String errorBody(WebhookVerificationException e) {
    if (httpStatus(e) != 400) {
      return "";
    }
    String err =
        switch (e.reason()) {
          case ALGORITHM_NONE,
              SYMMETRIC_ALGORITHM,
              ALGORITHM_KEY_MISMATCH,
              UNSUPPORTED_ALGORITHM,
              UNKNOWN_KEY,
              WEAK_KEY,
              MALFORMED_KEY_ID,
              INVALID_SIGNATURE ->
              "invalid_key";
          case WRONG_ISSUER -> "invalid_issuer";
          case WRONG_AUDIENCE -> "invalid_audience";
          case MISSING_API_KEY, INVALID_API_KEY -> "authentication_failed";
          default -> "invalid_request";
        };
    ObjectNode body = MAPPER.createObjectNode();
    body.put("err", err);
    body.put("description", e.getMessage());
    return body.toString();
  }

  private void checkAuthorization(@Nullable String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw fail(Reason.MISSING_API_KEY, "the request has no Authorization header");
    }
    // "Bearer " with no key reaches us as "Bearer": HTTP servers drop the trailing space. A key
    // that is missing is MISSING_API_KEY, as in receiver-verify's WebhookVerifier, not a wrong
    // scheme or a wrong key.
    if (authorization.strip().equalsIgnoreCase(BEARER.strip())) {
      throw fail(Reason.MISSING_API_KEY, "the Authorization header has no API key after Bearer");
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw fail(Reason.INVALID_API_KEY, "the scheme of the Authorization header is not Bearer");
    }
    String key = authorization.substring(BEARER.length()).strip();
    if (key.isEmpty()) {
      throw fail(Reason.MISSING_API_KEY, "the Authorization header has no API key after Bearer");
    }
    byte[] presented = digest(key);
    boolean match = false;
    for (byte[] accepted : apiKeyDigests) {
      match |= MessageDigest.isEqual(presented, accepted); // every key, in constant time
    }
    if (!match) {
      throw fail(Reason.INVALID_API_KEY, "the API key is not accepted");
    }
  }

  private static @Nullable String header(
      Map<String, ? extends Collection<String>> headers, String name) {
    String found = null;
    for (Map.Entry<String, ? extends Collection<String>> e : headers.entrySet()) {
      // A null name, list or value is no header, as receiver-verify's reader has it: an adapter
      // that maps a servlet's getHeader(name), null when absent, must see MISSING_API_KEY.
      if (e.getKey() != null && e.getValue() != null && e.getKey().equalsIgnoreCase(name)) {
        for (String v : e.getValue()) {
          if (v == null) {
            continue;
          }
          if (found != null || v.length() > MAX_HEADER_BYTES) {
            throw fail(Reason.MALFORMED_HEADER, "the " + name + " header is repeated or too long");
          }
          found = v;
        }
      }
    }
    return found;
  }

  private static JsonNode decodeJson(String part, String what) {
    try {
      JsonNode node = MAPPER.readTree(Base64.getUrlDecoder().decode(part));
      if (node == null || !node.isObject()) {
        throw fail(Reason.MALFORMED_BODY, "the token's " + what + " is not a JSON object");
      }
      return node;
    } catch (IllegalArgumentException | IOException e) {
      throw fail(Reason.MALFORMED_BODY, "the token's " + what + " is not base64url JSON");
    }
  }

  /** An optional NumericDate claim: empty if absent, refused if present but not a NumericDate. */
  private static Optional<Instant> optionalDate(
      JsonNode claims, String name, long minSeconds, long maxSeconds) {
    JsonNode node = claims.get(name);
    if (node == null) {
      return Optional.empty();
    }
    return Optional.of(
        epochSeconds(node, minSeconds, maxSeconds)
            .orElseThrow(
                () ->
                    fail(
                        Reason.MALFORMED_BODY,
                        "the token's "
                            + name
                            + " is not a NumericDate (a number of seconds since 1970) from "
                            + Instant.ofEpochSecond(minSeconds)
                            + " to "
                            + Instant.ofEpochSecond(maxSeconds))));
  }

  /** The instant itself if it is a whole second, else the next whole second. */
  private static Instant wholeSecondAtOrAfter(Instant instant) {
    return instant.getNano() == 0 ? instant : Instant.ofEpochSecond(instant.getEpochSecond() + 1);
  }

  private static Optional<Instant> epochSeconds(@Nullable JsonNode node) {
    return epochSeconds(node, 0, MAX_EPOCH_SECONDS - 1);
  }

  /**
   * A NumericDate from {@code minSeconds} to {@code maxSeconds}, whole seconds (a fraction is cut
   * off); empty if the node is no number (a string, null), too large for a long or not finite.
   */
  private static Optional<Instant> epochSeconds(
      @Nullable JsonNode node, long minSeconds, long maxSeconds) {
    if (node == null || !node.isNumber() || !node.canConvertToLong()) {
      return Optional.empty();
    }
    long seconds = node.asLong();
    return seconds >= minSeconds && seconds <= maxSeconds
        ? Optional.of(Instant.ofEpochSecond(seconds))
        : Optional.empty();
  }

  private static @Nullable String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static List<String> audience(@Nullable JsonNode aud) {
    List<String> out = new ArrayList<>();
    if (aud != null && aud.isTextual()) {
      out.add(aud.asText());
    } else if (aud != null && aud.isArray()) {
      for (JsonNode n : aud) {
        if (n.isTextual()) {
          out.add(n.asText());
        }
      }
    }
    return out;
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * The RSA key's strength: its modulus's bit length. Not nimbus's {@code RSAKey.size()}, which
   * counts the octets of {@code n} as written, so that a 1024-bit modulus with leading zero octets
   * (RFC 7518 section 6.3.1.1 forbids them; a key set may still carry them) would count as 2048.
   */
  private static int modulusBits(RSAKey rsa) {
    return rsa.getModulus().decodeToBigInteger().bitLength();
  }

  private static String printable(String s) {
    String clipped = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    StringBuilder b = new StringBuilder();
    clipped.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }

  private static WebhookVerificationException fail(Reason reason, String message) {
    return new WebhookVerificationException(reason, message);
  }

  @Override
  public String toString() {
    return "SecurityEventTokenVerifier[iss="
        + issuer
        + ", audiences="
        + audiences.size()
        + ", apiKeys="
        + apiKeyDigests.size()
        + "]";
  }

  /** Builds a {@link SecurityEventTokenVerifier}. Not thread-safe. */
  public static final class Builder {
    private @Nullable KeySource keys;
    private @Nullable String issuer;
    private final Set<String> audiences = new LinkedHashSet<>();
    private final List<byte[]> apiKeyDigests = new ArrayList<>();
    private @Nullable Clock clock;
    private Duration tolerance = DEFAULT_TOLERANCE;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private @Nullable ReplayGuard replayGuard;
    private Duration rememberProcessedFor = Duration.ofMinutes(10);
    private String prefix = DEFAULT_EVENT_TYPE_PREFIX;
    private @Nullable URI jwksUri;
    private @Nullable HttpClient httpClient;
    private Duration jwksCacheFor = Duration.ofMinutes(5);
    private Duration jwksRefetchAtMostEvery = Duration.ofSeconds(30);
    private Duration jwksFetchTimeout = Duration.ofSeconds(10);
    private boolean allowInsecureLoopbackJwks;
    private boolean withoutApiKey;

    private Builder() {}

    /**
     * Uses a given key set, such as the sender's published JWKS document. Either this or {@link
     * #jwksUri} is required. Every RSA key must have at least 2048 bits.
     *
     * <p>The set is read as a fetched one is: a key that cannot be parsed (a {@code kty} not
     * understood, a required member missing or malformed, EC coordinates off the curve) is skipped,
     * as RFC 7517 section 5 asks, and named in one WARN line by index and {@code kid} with the
     * reason (never key material); a token under its {@code kid} is refused as {@link
     * Reason#UNKNOWN_KEY}. A set none of whose keys can be read is refused here.
     *
     * @param jwksJson the JSON Web Key Set
     * @return this builder
     * @throws IllegalArgumentException if it is not a key set, has keys none of which can be read
     *     (the message names each by index and kid, and why), or holds a weak RSA key
     */
    public Builder jwks(String jwksJson) {
      Objects.requireNonNull(jwksJson, "jwksJson");
      JWKSet set = StaticKeys.read(jwksJson);
      for (JWK k : set.getKeys()) {
        if (k instanceof RSAKey rsa && modulusBits(rsa) < MIN_RSA_BITS) {
          throw new IllegalArgumentException(
              "key "
                  + k.getKeyID()
                  + " has "
                  + modulusBits(rsa)
                  + " bits; at least 2048 are needed");
        }
      }
      this.keys = new StaticKeys(set);
      this.jwksUri = null;
      return this;
    }

    /**
     * Fetches the sender's key set from its URL, caches it for {@link #jwksCacheFor}, and fetches
     * it again when a token names an unknown key id, or the key under its id cannot verify the
     * token's algorithm or its signature (a sender that replaced that key, with one of the same or
     * another type), at most every {@link #jwksRefetchAtMostEvery}. One fetch runs at a time, and
     * each ends within {@link #jwksFetchTimeout}, body included.
     *
     * <p>A failed fetch is not retried for {@link #jwksRefetchAtMostEvery} either, so a sender that
     * is down gets no request per token. Until a fetch succeeds, the last set fetched is still used
     * for up to 1 hour past its expiry, with a WARN log line for each failed fetch; without one, or
     * after that hour, tokens are refused with {@link Reason#KEY_SET_UNAVAILABLE}.
     *
     * <p>{@link #build} refuses any URI but an absolute https one with a host and no user-info:
     * over http anyone on the network path could serve their own keys. Plain http to a loopback
     * host is accepted only with {@link #allowInsecureLoopbackJwksForDevelopment}. Redirects the
     * client follows are held to the same rule: a fetch that passed through any other URI fails,
     * and none of its keys is used.
     *
     * @param uri the https URL of the key set
     * @param client the client to fetch it with (the caller's; it is not closed)
     * @return this builder
     */
    public Builder jwksUri(URI uri, HttpClient client) {
      this.jwksUri = Objects.requireNonNull(uri, "uri");
      this.httpClient = Objects.requireNonNull(client, "client");
      this.keys = null;
      return this;
    }

    /**
     * Sets how long a fetched key set is used. Default 5 minutes.
     *
     * @param cacheFor the time
     * @return this builder
     */
    public Builder jwksCacheFor(Duration cacheFor) {
      this.jwksCacheFor = positive(cacheFor, "jwksCacheFor");
      return this;
    }

    /**
     * Sets the least time between two fetches caused by unknown key ids, keys that cannot verify
     * the token's algorithm or signatures that do not match, and after a failed fetch. Default 30
     * seconds.
     *
     * @param interval the time
     * @return this builder
     */
    public Builder jwksRefetchAtMostEvery(Duration interval) {
      this.jwksRefetchAtMostEvery = Objects.requireNonNull(interval, "interval");
      if (interval.isNegative()) {
        throw new IllegalArgumentException("jwksRefetchAtMostEvery must not be negative");
      }
      return this;
    }

    /**
     * Sets the limit for one fetch of the key set, from sending the request to the last byte of the
     * body. Default 10 seconds.
     *
     * @param timeout more than 0, at most 5 minutes
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder jwksFetchTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()
          || timeout.isZero()
          || timeout.compareTo(MAX_JWKS_FETCH_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "jwksFetchTimeout must be more than 0 and at most 5 minutes (got " + timeout + ")");
      }
      this.jwksFetchTimeout = timeout;
      return this;
    }

    /**
     * Development only: also accept an {@code http} {@link #jwksUri} whose host is loopback ({@code
     * localhost}, {@code 127.0.0.0/8}, {@code ::1}). Off by default; never turn it on in
     * production.
     *
     * @param allow whether to accept loopback {@code http}
     * @return this builder
     */
    public Builder allowInsecureLoopbackJwksForDevelopment(boolean allow) {
      this.allowInsecureLoopbackJwks = allow;
      return this;
    }

    /**
     * Sets the expected issuer ({@code iss}). Required.
     *
     * @param issuer the issuer, compared exactly
     * @return this builder
     * @throws IllegalArgumentException if it is blank or has leading or trailing whitespace or a
     *     control character (a line break read from a file?), which no token's {@code iss} has
     */
    public Builder issuer(String issuer) {
      this.issuer = claimValue(Objects.requireNonNull(issuer, "issuer"), "issuer");
      return this;
    }

    /**
     * Adds an accepted audience ({@code aud}): the webhook's configured audience, or its endpoint
     * URI. At least one is required.
     *
     * @param audience the audience, compared exactly
     * @return this builder
     * @throws IllegalArgumentException if it is blank or has leading or trailing whitespace or a
     *     control character (a line break read from a file?), which no token's {@code aud} has
     */
    public Builder audience(String audience) {
      audiences.add(claimValue(Objects.requireNonNull(audience, "audience"), "audience"));
      return this;
    }

    /**
     * Refuses an expected {@code iss} or {@code aud} that no sender writes: blank, with surrounding
     * whitespace or with control characters. Compared exactly, it would refuse every token as the
     * sender's fault ({@code invalid_issuer}, {@code invalid_audience}).
     */
    private static String claimValue(String value, String name) {
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      String problem = null;
      if (!value.equals(value.strip())) {
        problem = "leading or trailing whitespace";
      } else {
        for (int i = 0; i < value.length() && problem == null; i++) {
          if (Character.isISOControl(value.charAt(i))) {
            problem = "a control character at position " + (i + 1) + " of " + value.length();
          }
        }
      }
      if (problem != null) {
        throw new IllegalArgumentException(
            name
                + " has "
                + problem
                + "; tokens are compared with it exactly and would all be refused (a line break"
                + " read from a file or an environment variable?)");
      }
      return value;
    }

    /**
     * Adds an accepted API key, checked in {@code Authorization: Bearer} before the token: the
     * webhook's API key, which Hookline sends with every token. At least one is required unless
     * {@link #allowWithoutApiKey} is called: the signature alone does not tell this listener's
     * tokens from those the same sender signs for another webhook whose creator chose this
     * listener's audience (any tenant of a multi-tenant sender can), which could then be replayed
     * here.
     *
     * @param apiKey the key, 1 to 1024 visible ASCII characters (as the sender sends it, and as
     *     receiver-verify's {@code WebhookVerifier} takes it)
     * @return this builder
     * @throws IllegalArgumentException if the key is blank, too long, or holds whitespace (a line
     *     break read from a file?) or other characters; the message never contains the key
     */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey");
      if (apiKey.isBlank()) {
        throw new IllegalArgumentException("apiKey must not be blank");
      }
      if (apiKey.length() > MAX_API_KEY_LENGTH) {
        throw new IllegalArgumentException(
            "apiKey must be at most "
                + MAX_API_KEY_LENGTH
                + " characters (this one has "
                + apiKey.length()
                + ")");
      }
      for (int i = 0; i < apiKey.length(); i++) {
        char c = apiKey.charAt(i);
        if (c < 0x21 || c > 0x7E) {
          // The position only: the presented key is stripped, so such a key could never match.
          throw new IllegalArgumentException(
              "apiKey must be visible ASCII without whitespace; this one has "
                  + (Character.isWhitespace(c) ? "whitespace" : "another character")
                  + " at position "
                  + (i + 1)
                  + " of "
                  + apiKey.length()
                  + " (a line break read from a file or an environment variable?)");
        }
      }
      apiKeyDigests.add(digest(apiKey));
      return this;
    }

    /**
     * Accepts tokens without an API key when none is added, for a sender that sends none: then the
     * signature, {@code iss} and {@code aud} alone authenticate a token, and a token the sender
     * made for another webhook with this listener's audience is accepted. Default: off, and {@link
     * #build} requires an {@link #apiKey}. Has no effect once a key is added.
     *
     * @return this builder
     */
    public Builder allowWithoutApiKey() {
      this.withoutApiKey = true;
      return this;
    }

    /**
     * Sets the time source. Default: the system clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets how far {@code iat} may be from now, both directions. Default 5 minutes.
     *
     * @param tolerance 1 second to 1 day
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder tolerance(Duration tolerance) {
      Objects.requireNonNull(tolerance, "tolerance");
      if (tolerance.toSeconds() < 1 || tolerance.compareTo(MAX_TOLERANCE) > 0) {
        throw new IllegalArgumentException(
            "tolerance must be between 1 second and 1 day (got " + tolerance + ")");
      }
      this.tolerance = tolerance;
      return this;
    }

    /**
     * Sets the largest token accepted. Default 1 MiB. An adapter reads at most one byte more
     * ({@link SecurityEventTokenVerifier#maxBodyBytes}), which the upper bound keeps from
     * overflowing.
     *
     * @param bytes 1024 to 64 MiB (67,108,864)
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxBodyBytes(int bytes) {
      if (bytes < 1024 || bytes > MAX_BODY_BYTES_LIMIT) {
        throw new IllegalArgumentException(
            "maxBodyBytes must be between 1024 and "
                + MAX_BODY_BYTES_LIMIT
                + " (64 MiB) (got "
                + bytes
                + ")");
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Sets the replay guard, shared by listener instances. Default: in memory, 100,000 ids. Its
     * keys are {@code set:} and a digest of the token's {@code iss}, {@code aud} and {@code jti},
     * so verifiers of other issuers or audiences, and a {@code WebhookVerifier}, can share one
     * guard.
     *
     * @param guard the guard
     * @return this builder
     */
    public Builder replayGuard(ReplayGuard guard) {
      this.replayGuard = Objects.requireNonNull(guard, "guard");
      return this;
    }

    /**
     * Sets how long a processed {@code jti} is remembered. Default 10 minutes. Whatever this is, it
     * is remembered until its token's window ends and for at least twice the {@link #tolerance}
     * after processing (which covers the window of a retry answered {@link Reason#IN_PROGRESS}
     * while it was processed).
     *
     * @param retention 1 second to 7 days
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder rememberProcessedFor(Duration retention) {
      Objects.requireNonNull(retention, "retention");
      if (retention.toSeconds() < 1 || retention.compareTo(MAX_REMEMBER_PROCESSED_FOR) > 0) {
        throw new IllegalArgumentException(
            "rememberProcessedFor must be between 1 second and 7 days (got " + retention + ")");
      }
      this.rememberProcessedFor = retention;
      return this;
    }

    /**
     * Sets the prefix stripped from event type URIs for {@link SecurityEvent#type()}. Default
     * {@link #DEFAULT_EVENT_TYPE_PREFIX}, as the sender's.
     *
     * @param prefix the prefix
     * @return this builder
     */
    public Builder eventTypePrefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @return the verifier
     * @throws IllegalStateException if the keys, issuer or audience are missing, or the API key
     *     without {@link #allowWithoutApiKey}
     * @throws IllegalArgumentException if the {@link #jwksUri} is not an https URI with a host and
     *     no user-info (or, with {@link #allowInsecureLoopbackJwksForDevelopment}, http to a
     *     loopback host)
     */
    public SecurityEventTokenVerifier build() {
      String iss = issuer;
      if (iss == null || audiences.isEmpty()) {
        throw new IllegalStateException(
            "SecurityEventTokenVerifier needs issuer(...) and at least one audience(...)");
      }
      if (apiKeyDigests.isEmpty() && !withoutApiKey) {
        throw new IllegalStateException(
            "SecurityEventTokenVerifier needs the webhook's apiKey(...), which Hookline sends as"
                + " Authorization: Bearer: without it a token the sender signed for another"
                + " webhook with this audience (any tenant may choose it) is accepted; call"
                + " allowWithoutApiKey() to accept that");
      }
      Clock c = clock != null ? clock : Clock.systemUTC();
      KeySource source = keys;
      URI uri = jwksUri;
      HttpClient client = httpClient;
      if (source == null && uri != null && client != null) {
        boolean allowLoopbackHttp = allowInsecureLoopbackJwks;
        String problem = jwksUriProblem(uri, allowLoopbackHttp);
        if (problem != null) {
          // The URI itself is not repeated: its user-info could be a credential.
          throw new IllegalArgumentException(
              "jwksUri " + problem + "; allowed: " + JWKS_URI_ALLOWED);
        }
        source =
            new RemoteKeys(
                uri,
                client,
                c,
                jwksCacheFor,
                jwksRefetchAtMostEvery,
                jwksFetchTimeout,
                JWKS_STALE_GRACE,
                // The caller's client may follow redirects (with Redirect.ALWAYS from https to
                // http): every hop a fetch takes must pass the same rule as the URI itself.
                hop -> jwksUriProblem(hop, allowLoopbackHttp) == null);
      }
      if (source == null) {
        throw new IllegalStateException(
            "SecurityEventTokenVerifier needs the sender's keys: jwks(...) or jwksUri(...)");
      }
      return new SecurityEventTokenVerifier(this, source, iss, c);
    }

    /** Why a key set may not come from {@code uri}, or null if it may. */
    private static @Nullable String jwksUriProblem(URI uri, boolean allowLoopbackHttp) {
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      String host = uri.getHost();
      String problem = null;
      if (!uri.isAbsolute()) {
        problem = "is not absolute (no scheme)";
      } else if (!scheme.equals("https") && !scheme.equals("http")) {
        problem = "uses the scheme '" + printable(scheme) + "'";
      } else if (uri.isOpaque() || host == null || host.isEmpty()) {
        problem = "has no host";
      } else if (uri.getRawUserInfo() != null) {
        problem = "contains user-info (credentials)";
      } else if (scheme.equals("http") && !isLoopbackHost(host)) {
        problem = "uses http to a host that is not loopback: anyone on the path could serve keys";
      } else if (scheme.equals("http") && !allowLoopbackHttp) {
        problem =
            "uses http, which lets anyone on the path serve keys; http to loopback needs"
                + " allowInsecureLoopbackJwksForDevelopment(true)";
      }
      return problem;
    }

    private static boolean isLoopbackHost(String host) {
      String h = host.toLowerCase(Locale.ROOT);
      return h.equals("localhost")
          || h.equals("[::1]")
          || h.equals("[0:0:0:0:0:0:0:1]")
          || IPV4_LOOPBACK.matcher(h).matches();
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
