package dev.hookline.receiver.set.outside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.WebhookVerifier;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenth review round: an {@code Authorization} header of {@code Bearer} with no key after it (an
 * empty environment variable on the sender's side; HTTP servers drop the trailing space, so the
 * listener sees {@code Bearer} alone), or with only whitespace after it, was {@code
 * MISSING_API_KEY} for receiver-verify's {@code WebhookVerifier} (since the seventh round) but
 * {@code INVALID_API_KEY} for {@code SecurityEventTokenVerifier}, whose log then said "the scheme
 * of the Authorization header is not Bearer" or "the API key is not accepted" for a header whose
 * scheme is right and that holds no key at all. {@link Reason#MISSING_API_KEY} is documented as "no
 * {@code Authorization: Bearer} header, or an empty one": both verifiers now give it, in {@code
 * checkApiKey}, {@code verify} and the SET handshake alike, and agree on every other header too.
 */
class BearerWithoutKeyAgreementReviewTest {
  private static final Instant NOW = Instant.parse("2026-12-02T09:00:00Z");
  private static final String ISSUER = "https://id.example.com";
  private static final String AUDIENCE = "https://rp.example.com/hookline";
  private static final String API_KEY = "hk_9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";
  private static final String WRONG_KEY = "hk_9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4f";
  private static final String SIGNING_SECRET =
      "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);

  private static ECKey signingKey;

  private final ManualClock clock = ManualClock.at(NOW);
  private final AtomicInteger jti = new AtomicInteger();

  @BeforeAll
  static void key() throws Exception {
    signingKey = new ECKeyGenerator(Curve.P_256).keyID("2026-12").generate();
  }

  private SecurityEventTokenVerifier set() {
    return SecurityEventTokenVerifier.builder()
        .jwks(new JWKSet(signingKey.toPublicJWK()).toString())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .apiKey(API_KEY)
        .clock(clock)
        .build();
  }

  private WebhookVerifier webhooks() {
    return WebhookVerifier.builder()
        .apiKey(API_KEY)
        .signingSecret(SIGNING_SECRET)
        .clock(clock)
        .build();
  }

  private byte[] token() throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(signingKey.getKeyID())
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .issueTime(Date.from(NOW))
                .jwtID("jti_" + jti.incrementAndGet())
                .claim("events", Map.of("https://example.com/e", Map.of()))
                .build());
    jwt.sign(new ECDSASigner(signingKey));
    return jwt.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  private static Map<String, List<String>> headers(@Nullable List<String> authorization) {
    Map<String, List<String>> h = new HashMap<>();
    if (authorization != null) {
      h.put("Authorization", authorization);
    }
    return h;
  }

  /** The reason a check refused the request for, or null if it accepted it. */
  private static @Nullable Reason reason(ThrowingRunnable check, List<String> messages) {
    try {
      check.run();
      return null;
    } catch (WebhookVerificationException e) {
      messages.add(e.getMessage());
      return e.reason();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void bothVerifiersGiveTheSameReasonForEveryAuthorizationHeader() throws Exception {
    SecurityEventTokenVerifier set = set();
    WebhookVerifier webhooks = webhooks();
    // Each header, and the reason both verifiers must give (null: accepted).
    Object[][] table = {
      {null, Reason.MISSING_API_KEY},
      {List.of(), Reason.MISSING_API_KEY},
      {List.of(""), Reason.MISSING_API_KEY},
      {List.of(" "), Reason.MISSING_API_KEY},
      {List.of("Bearer"), Reason.MISSING_API_KEY},
      {List.of("Bearer "), Reason.MISSING_API_KEY},
      {List.of("Bearer    "), Reason.MISSING_API_KEY},
      {List.of("Bearer\t"), Reason.MISSING_API_KEY},
      {List.of("Bearer \t "), Reason.MISSING_API_KEY},
      {List.of("bearer"), Reason.MISSING_API_KEY},
      {List.of("BEARER  "), Reason.MISSING_API_KEY},
      {List.of("Bearer " + API_KEY), null},
      {List.of("bearer  " + API_KEY + " "), null},
      {List.of("Bearer " + WRONG_KEY), Reason.INVALID_API_KEY},
      {List.of("Bearer " + API_KEY.substring(1)), Reason.INVALID_API_KEY},
      {List.of("Bearer" + API_KEY), Reason.INVALID_API_KEY},
      {List.of("Basic " + API_KEY), Reason.INVALID_API_KEY},
      {List.of("Basic"), Reason.INVALID_API_KEY},
      {List.of(API_KEY), Reason.INVALID_API_KEY},
      {List.of("Bearer " + API_KEY, "Bearer " + API_KEY), Reason.MALFORMED_HEADER},
      {List.of("Bearer", "Bearer " + API_KEY), Reason.MALFORMED_HEADER},
    };
    List<String> mismatches = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    for (Object[] row : table) {
      @SuppressWarnings("unchecked")
      List<String> authorization = (List<String>) row[0];
      Reason expected = (Reason) row[1];
      Map<String, List<String>> h = headers(authorization);
      byte[] body = token();
      Map<String, List<String>> handshake = headers(authorization);
      handshake.put("X-Verification-Key", List.of("challenge-1"));
      Reason byWebhooks = reason(() -> webhooks.checkApiKey(h), messages);
      Reason bySetCheck = reason(() -> set.checkApiKey(h), messages);
      Reason bySetVerify = reason(() -> set.verify(h, body), messages);
      Reason bySetHandshake = reason(() -> set.handshake("GET", handshake), messages);
      List<Reason> got = Arrays.asList(byWebhooks, bySetCheck, bySetVerify, bySetHandshake);
      for (Reason r : got) {
        if (r != expected) {
          mismatches.add(
              printable(authorization)
                  + ": expected "
                  + expected
                  + ", got (WebhookVerifier.checkApiKey, SET checkApiKey, verify,"
                  + " handshake) "
                  + got);
          break;
        }
      }
      if (expected == Reason.MISSING_API_KEY || expected == Reason.INVALID_API_KEY) {
        WebhookVerificationException e = new WebhookVerificationException(expected, "x");
        assertEquals(400, SecurityEventTokenVerifier.httpStatus(e));
        assertTrue(SecurityEventTokenVerifier.errorBody(e).contains("authentication_failed"));
        assertEquals(401, expected.httpStatus());
      }
    }
    assertEquals(List.of(), mismatches);
    for (String message : messages) {
      assertFalse(message.contains(API_KEY.substring(3)), "a key in: " + message);
      assertFalse(message.contains(WRONG_KEY.substring(3)), "a key in: " + message);
    }
  }

  /** Whitespace shown by name, so that a failure says which row it is. */
  private static String printable(@Nullable List<String> authorization) {
    if (authorization == null) {
      return "(no header)";
    }
    List<String> shown = new ArrayList<>();
    for (String v : authorization) {
      shown.add("\"" + v.replace("\t", "\\t") + "\"");
    }
    return shown.toString();
  }

  /**
   * A header map an adapter builds from a servlet-style {@code getHeader(name)}, which is null when
   * the header is absent ({@code Map.of("Authorization",
   * Collections.singletonList(request.getHeader("Authorization")))}), or that maps a name to null:
   * receiver-verify's header reader skips such entries, and a request without the header is {@code
   * MISSING_API_KEY}. {@code SecurityEventTokenVerifier} threw a NullPointerException from {@code
   * checkApiKey} and {@code verify}, which the documented listener does not catch: the sender saw
   * its connection closed (or a framework's 500) instead of 400 {@code authentication_failed}.
   */
  @Test
  void nullsInTheHeaderMapAreSkippedByBothVerifiers() throws Exception {
    SecurityEventTokenVerifier set = set();
    WebhookVerifier webhooks = webhooks();
    List<Map<String, List<String>>> maps = new ArrayList<>();
    maps.add(Map.of("Authorization", Collections.singletonList(null)));
    Map<String, List<String>> nullList = new HashMap<>();
    nullList.put("Authorization", null);
    maps.add(nullList);
    Map<String, List<String>> nullName = new HashMap<>();
    nullName.put(null, List.of("Bearer " + API_KEY));
    maps.add(nullName);
    List<String> messages = new ArrayList<>();
    for (Map<String, List<String>> h : maps) {
      byte[] body = token();
      assertEquals(
          Reason.MISSING_API_KEY, reason(() -> webhooks.checkApiKey(h), messages), h.toString());
      assertEquals(
          Reason.MISSING_API_KEY, reason(() -> set.checkApiKey(h), messages), h.toString());
      assertEquals(
          Reason.MISSING_API_KEY, reason(() -> set.verify(h, body), messages), h.toString());
    }
    // ... and a null beside the real value is no second value
    Map<String, List<String>> beside = new HashMap<>();
    beside.put("Authorization", Arrays.asList(null, "Bearer " + API_KEY));
    assertEquals(null, reason(() -> webhooks.checkApiKey(beside), messages));
    assertEquals(null, reason(() -> set.checkApiKey(beside), messages));
  }
}
