package dev.hookline.receiver.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenth review round: a key set fetched from {@code jwksUri(...)} skips the keys it cannot parse
 * (RFC 7517 section 5, ninth round), but the same document given inline with {@code
 * Builder.jwks(String)} went through nimbus's {@code JWKSet.parse}, which refuses the whole set for
 * one such key: {@code jwks(json)} threw "not a JSON Web Key Set" naming neither the key nor its
 * index, so a listener configured with the sender's published set (as docs/receiving.md tells it
 * to, for a fixed key set) failed to start the day the sender added a key of a type it does not
 * know. The given set is now read as a fetched one is: unreadable keys are skipped with one WARN
 * naming them by index and kid, with the reason and no key material; a set none of whose keys can
 * be read is still refused at build, with the same names.
 */
class StaticJwksUnreadableKeyReviewTest {
  private static final Map<String, List<String>> NO_HEADERS = Map.of();
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T10:00:00Z"));
  private static ECKey good;
  private static ECKey other;

  @BeforeAll
  static void keys() throws Exception {
    good = new ECKeyGenerator(Curve.P_256).keyID("good").generate();
    other = new ECKeyGenerator(Curve.P_256).keyID("other").generate();
  }

  /** Entries nimbus cannot parse, each for another reason; the last one is without a kid. */
  private static List<String> unreadable() {
    return List.of(
        // "y" missing
        "{\"kty\":\"EC\",\"kid\":\"no-y\",\"crv\":\"P-256\",\"x\":\"" + other.getX() + "\"}",
        // no JSON object
        "42",
        // x of one key, y of another: not on the curve
        "{\"kty\":\"EC\",\"kid\":\"off-curve\",\"crv\":\"P-256\",\"x\":\""
            + other.getX()
            + "\",\"y\":\""
            + good.getY()
            + "\"}",
        // a member of the wrong type, and no kid
        "{\"kty\":\"RSA\",\"n\":12,\"e\":\"AQAB\"}");
  }

  private static String set(List<String> entries) {
    return "{\"keys\":[" + String.join(",", entries) + "]}";
  }

  private SecurityEventTokenVerifier.Builder builder() {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .clock(clock);
  }

  private byte[] signedBy(ECKey key, String jti) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(key.getKeyID())
                .type(new JOSEObjectType("secevent+jwt"))
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(Tokens.ISSUER)
                .audience(Tokens.AUDIENCE)
                .issueTime(Date.from(clock.instant()))
                .jwtID(jti)
                .claim("events", Map.of("https://example.com/e", Map.of()))
                .build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize().getBytes(StandardCharsets.US_ASCII);
  }

  /** What the action returned and what was logged meanwhile (slf4j-simple writes to stderr). */
  private record Logged<T>(T value, String log) {
    List<String> warnings() {
      return log.lines().filter(l -> l.contains("WARN")).toList();
    }
  }

  private static <T> Logged<T> logged(Supplier<T> action) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    T value;
    try {
      value = action.get();
    } finally {
      System.setErr(original);
    }
    return new Logged<>(value, captured.toString(StandardCharsets.UTF_8));
  }

  private static void assertNoKeyMaterial(String text) {
    for (String material :
        new String[] {other.getX().toString(), good.getX().toString(), good.getY().toString()}) {
      assertFalse(text.contains(material), "key material shown: " + text);
    }
  }

  private static void assertNamesEveryUnreadableKey(String text) {
    for (String expected :
        new String[] {
          "keys[0]",
          "\"no-y\"",
          "keys[1]",
          "not a JSON object",
          "keys[2]",
          "\"off-curve\"",
          "curve",
          "keys[3]",
          "(no kid)",
          "member n",
          "RFC 7517",
        }) {
      assertTrue(text.contains(expected), "no " + expected + " in: " + text);
    }
  }

  @Test
  void unreadableKeysOfAGivenSetAreSkippedWithOneWarningAndTheOthersVerify() throws Exception {
    List<String> entries = new ArrayList<>(unreadable());
    entries.add(good.toPublicJWK().toJSONString());
    String json = set(entries);

    Logged<SecurityEventTokenVerifier> built = logged(() -> builder().jwks(json).build());
    List<String> warnings = built.warnings();
    assertEquals(1, warnings.size(), "one WARN for the given set: " + built.log());
    assertNamesEveryUnreadableKey(warnings.get(0));
    assertTrue(warnings.get(0).contains("jwks("), "says which setting: " + warnings.get(0));
    assertFalse(warnings.get(0).contains("keys[4]"), "the readable key is not named");
    assertNoKeyMaterial(built.log());

    SecurityEventTokenVerifier v = built.value();
    byte[] first = signedBy(good, "evt_1");
    Logged<String> verified = logged(() -> verify(v, first));
    assertEquals("evt_1", verified.value(), "the readable key verifies");
    assertEquals(List.of(), verified.warnings(), "the set is not read again per token");

    // a token under a skipped key's kid: the set has no usable key of that id
    ECKey noY = new ECKeyGenerator(Curve.P_256).keyID("no-y").generate();
    byte[] token = signedBy(noY, "evt_2");
    WebhookVerificationException e =
        assertThrows(WebhookVerificationException.class, () -> v.verify(NO_HEADERS, token));
    assertEquals(Reason.UNKNOWN_KEY, e.reason(), e.getMessage());
  }

  @Test
  void aKeyTypeNotUnderstoodIsSkippedAndNamed() throws Exception {
    String json =
        set(
            List.of(
                "{\"kty\":\"ML-DSA\",\"kid\":\"next-gen\",\"pub\":\"AAAA\"}",
                good.toPublicJWK().toJSONString()));
    Logged<SecurityEventTokenVerifier> built = logged(() -> builder().jwks(json).build());
    assertEquals("evt_1", verify(built.value(), signedBy(good, "evt_1")));
    assertEquals(1, built.warnings().size(), built.log());
    String warning = built.warnings().get(0);
    assertTrue(
        warning.contains("keys[0]") && warning.contains("\"next-gen\"") && warning.contains("kty"),
        "the skipped key is named, with why: " + warning);
  }

  @Test
  void aGivenSetWithNoReadableKeyIsRefusedNamingEachKey() {
    String json = set(unreadable());
    Logged<IllegalArgumentException> refused =
        logged(() -> assertThrows(IllegalArgumentException.class, () -> builder().jwks(json)));
    String message = refused.value().getMessage();
    assertTrue(message.startsWith("jwks has no key that could be read"), message);
    assertNamesEveryUnreadableKey(message);
    assertNoKeyMaterial(message + refused.log());
  }

  @Test
  void whatIsNoKeySetAtAllIsStillRefusedAndAWeakKeyToo() throws Exception {
    for (String notASet : new String[] {"[]", "{\"keys\":3}", "{}", "{\"keys\":["}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> builder().jwks(notASet), notASet);
      assertTrue(e.getMessage().startsWith("jwks is not a JSON Web Key Set"), e.getMessage());
    }
    // A readable RSA key under 2048 bits is still refused at build, as documented.
    String weak =
        set(
            List.of(
                new RSAKeyGenerator(1024, true)
                    .keyID("weak")
                    .generate()
                    .toPublicJWK()
                    .toJSONString(),
                good.toPublicJWK().toJSONString()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> builder().jwks(weak));
    assertTrue(e.getMessage().contains("1024"), e.getMessage());
    // An empty set stays accepted, as before: every token is then refused as UNKNOWN_KEY.
    SecurityEventTokenVerifier empty = builder().jwks("{\"keys\":[]}").build();
    byte[] token = signedBy(good, "evt_empty");
    assertEquals(
        Reason.UNKNOWN_KEY,
        assertThrows(WebhookVerificationException.class, () -> empty.verify(NO_HEADERS, token))
            .reason());
  }

  private static String verify(SecurityEventTokenVerifier v, byte[] token) {
    return v.verify(NO_HEADERS, token).jti();
  }
}
