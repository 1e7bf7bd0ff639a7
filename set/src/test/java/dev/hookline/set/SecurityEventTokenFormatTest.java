package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.hookline.Event;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.delivery.spi.RenderedNotification;
import dev.hookline.set.internal.TokenIds;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A sent SET is what RFC 8417 asks for, and nimbus's own JWT processor verifies it against the
 * published JWKS (interop, the sender's way round).
 */
class SecurityEventTokenFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ManualClock clock = ManualClock.at(T0);

  private SecurityEventTokenFormat format(SigningKey key) {
    return SecurityEventTokenFormat.builder()
        .issuer(ISSUER)
        .signingKeys(InMemorySigningKeys.of(key, clock, Duration.ofDays(1)))
        .build();
  }

  private static JsonNode part(String token, int i) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.", -1)[i]));
  }

  /** nimbus's stock processor, configured as any receiver would: JWKS, typ, iss, aud, claims. */
  private static JWTClaimsSet nimbusVerifies(
      String token, String jwksJson, JWSAlgorithm alg, String audience) throws Exception {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("secevent+jwt")));
    p.setJWSKeySelector(
        new JWSVerificationKeySelector<>(alg, new ImmutableJWKSet<>(JWKSet.parse(jwksJson))));
    p.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            audience,
            new JWTClaimsSet.Builder().issuer(ISSUER).build(),
            Set.of("iat", "jti", "toe", "events")));
    return p.process(token, null);
  }

  @Test
  void aSentSetHasRfc8417sHeaderAndClaimsAndExactlyOneEvent() throws Exception {
    Event e = Fixtures.updated("evt_rfc", T0.minusSeconds(3));
    Webhook w = Fixtures.webhook("https://rp.example/hook", Optional.empty());
    clock.advance(Duration.ofSeconds(5));
    RenderedNotification n = format(Fixtures.RSA_1).render(e, w, clock.instant());

    assertEquals("application/secevent+jwt", n.contentType());
    assertEquals(Map.of(), n.headers(), "nothing but the token; the API key is the dispatcher's");
    String token = new String(n.body(), StandardCharsets.US_ASCII);
    JsonNode header = part(token, 0);
    assertEquals(Set.of("alg", "kid", "typ"), fieldNames(header));
    assertEquals("RS256", header.get("alg").asText());
    assertEquals("rsa-1", header.get("kid").asText());
    assertEquals("secevent+jwt", header.get("typ").asText());

    JsonNode claims = part(token, 1);
    assertEquals(Set.of("iss", "iat", "jti", "aud", "txn", "toe", "events"), fieldNames(claims));
    assertEquals(ISSUER, claims.get("iss").asText());
    assertEquals(clock.instant().getEpochSecond(), claims.get("iat").asLong());
    assertEquals(TokenIds.jti(e, w), claims.get("jti").asText(), "the notification");
    assertEquals("evt_rfc", claims.get("txn").asText(), "the event");
    assertEquals("https://rp.example/hook", claims.get("aud").asText(), "default: the URI");
    assertEquals(T0.minusSeconds(3).getEpochSecond(), claims.get("toe").asLong());
    assertFalse(claims.has("exp"), "RFC 8417: a SET is not an access token");
    assertFalse(claims.has("sub"), "the subject is inside the event");

    JsonNode events = claims.get("events");
    assertEquals(1, events.size(), "exactly one event per SET");
    JsonNode event = events.get("https://schemas.hookline.dev/secevent/user.updated");
    assertEquals(Set.of("subject", "changed", "data"), fieldNames(event));
    assertEquals("user-42", event.get("subject").get("user_id").asText());
    assertEquals("app-7", event.get("subject").get("app_id").asText());
    assertEquals("acme", event.get("subject").get("tenant").asText());
    assertEquals("[\"email\",\"profile.locale\"]", event.get("changed").toString());
    assertEquals(e.data(), event.get("data"));
  }

  @Test
  void theDefaultClaimsAreByteForByteHooklinesOwnShape() throws Exception {
    Event e = Fixtures.updated("evt_golden", T0.minusSeconds(3));
    Webhook w = Fixtures.webhook("https://rp.example/hook", Optional.of("urn:rp:aud"));
    for (SecurityEventTokenFormat f :
        List.of(
            format(Fixtures.RSA_1),
            SecurityEventTokenFormat.builder()
                .issuer(ISSUER)
                .signingKeys(InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofDays(1)))
                .claims(SetClaims.HOOKLINE)
                .build())) {
      String token = f.token(e, w, T0);
      String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.", -1)[1]), UTF_8);
      assertEquals(
          "{\"iss\":\"https://id.example.com\",\"iat\":1795341600,"
              + "\"jti\":\"90fa3d3b-5f66-8f02-86ca-85f3b5e407c8\","
              + "\"aud\":\"urn:rp:aud\",\"txn\":\"evt_golden\",\"toe\":1795341597,\"events\":{"
              + "\"https://schemas.hookline.dev/secevent/user.updated\":{"
              + "\"subject\":{\"user_id\":\"user-42\",\"app_id\":\"app-7\",\"tenant\":\"acme\"},"
              + "\"changed\":[\"email\",\"profile.locale\"],"
              + "\"data\":{\"email\":\"ada@example.com\",\"profile\":{\"locale\":\"en-GB\"}}}}}",
          claims);
    }
  }

  @Test
  void nimbusVerifiesSentSetsAgainstThePublishedJwksForBothAlgorithms() throws Exception {
    Event e = Fixtures.updated("evt_interop", T0);
    Webhook w = Fixtures.webhook("https://rp.example/hook", Optional.of("urn:rp:aud"));
    for (SigningKey key : List.of(Fixtures.RSA_1, Fixtures.EC_1)) {
      InMemorySigningKeys keys = InMemorySigningKeys.of(key, clock, Duration.ofDays(1));
      SecurityEventTokenFormat f =
          SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();
      String token = f.token(e, w, clock.instant());
      JWSAlgorithm alg =
          key.algorithm() == SigningAlgorithm.RS256 ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
      JWTClaimsSet claims = nimbusVerifies(token, keys.jwks().json(), alg, "urn:rp:aud");
      assertEquals(TokenIds.jti(e, w), claims.getJWTID());
      assertEquals("evt_interop", claims.getStringClaim("txn"));
      assertEquals(List.of("urn:rp:aud"), claims.getAudience());
      assertEquals(key.keyId(), SignedJWT.parse(token).getHeader().getKeyID());

      // and nimbus refuses a token whose payload was changed after signing
      String[] parts = token.split("\\.", -1);
      String forged =
          parts[0]
              + "."
              + Base64.getUrlEncoder()
                  .withoutPadding()
                  .encodeToString(
                      new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                          .replace("user-42", "user-43")
                          .getBytes(StandardCharsets.UTF_8))
              + "."
              + parts[2];
      assertThrows(
          BadJOSEException.class,
          () -> nimbusVerifies(forged, keys.jwks().json(), alg, "urn:rp:aud"));
    }
  }

  @Test
  void anOpaqueEcKeyAsAnHsmHoldsItSignsTokensThatVerifyWithThePublishedKey() throws Exception {
    Provider hsm = new OpaqueKeyProvider();
    Security.addProvider(hsm);
    try {
      PrivateKey opaque = OpaqueKeyProvider.opaque((ECPrivateKey) Fixtures.EC_1.privateKey());
      assertFalse(opaque instanceof ECPrivateKey, "as a PKCS #11 key: no ECPrivateKey");
      SigningKey key =
          SigningKey.of("hsm-1", SigningAlgorithm.ES256, opaque, Fixtures.EC_1.publicKey());
      InMemorySigningKeys keys = InMemorySigningKeys.of(key, clock, Duration.ofDays(1));
      SecurityEventTokenFormat f =
          SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();

      String token =
          f.token(
              Fixtures.updated("evt_hsm", T0),
              Fixtures.webhook("https://rp.example/hook", Optional.of("urn:rp:aud")),
              clock.instant());

      JWTClaimsSet claims =
          nimbusVerifies(token, keys.jwks().json(), JWSAlgorithm.ES256, "urn:rp:aud");
      assertEquals("evt_hsm", claims.getStringClaim("txn"));
      assertEquals("hsm-1", SignedJWT.parse(token).getHeader().getKeyID());
      assertEquals("ES256", part(token, 0).get("alg").asText());
    } finally {
      Security.removeProvider(hsm.getName());
    }
  }

  @Test
  void theJtiStaysTheSameAcrossRetriesWhileIatIsEachAttemptsTime() throws Exception {
    SecurityEventTokenFormat f = format(Fixtures.RSA_1);
    Event e = Fixtures.updated("evt_retry", T0);
    Webhook w = Fixtures.webhook("https://rp.example/hook", Optional.empty());
    String first = f.token(e, w, clock.instant());
    clock.advance(Duration.ofMinutes(1));
    String retry = f.token(e, w, clock.instant());
    assertNotEquals(first, retry);
    assertEquals(part(first, 1).get("jti"), part(retry, 1).get("jti"));
    assertEquals(60, part(retry, 1).get("iat").asLong() - part(first, 1).get("iat").asLong());
  }

  @Test
  void eachWebhooksTokenHasItsOwnJtiAndAllCarryTheEventIdAsTxn() throws Exception {
    SecurityEventTokenFormat f = format(Fixtures.RSA_1);
    Event e = Fixtures.updated("evt_fanout", T0);
    // one listener behind two webhooks: same URI, so the same audience
    Webhook one = Fixtures.webhook("wh_one", "https://rp.example/hook", Optional.empty());
    Webhook two = Fixtures.webhook("wh_two", "https://rp.example/hook", Optional.empty());
    JsonNode toOne = part(f.token(e, one, T0), 1);
    JsonNode toTwo = part(f.token(e, two, T0), 1);

    assertNotEquals(toOne.get("jti"), toTwo.get("jti"), "RFC 7519: a jti names one token");
    assertEquals(toOne.get("aud"), toTwo.get("aud"));
    assertEquals("evt_fanout", toOne.get("txn").asText());
    assertEquals("evt_fanout", toTwo.get("txn").asText());
    assertNotEquals(
        toOne.get("jti"), part(f.token(Fixtures.updated("evt_other", T0), one, T0), 1).get("jti"));
  }

  @Test
  void theEventTypePrefixIsConfigurable() throws Exception {
    SecurityEventTokenFormat f =
        SecurityEventTokenFormat.builder()
            .issuer(ISSUER)
            .signingKeys(InMemorySigningKeys.of(Fixtures.EC_1, clock, Duration.ZERO))
            .eventTypePrefix("urn:example:secevent:")
            .build();
    String token =
        f.token(
            Fixtures.updated("evt_p", T0),
            Fixtures.webhook("https://rp.example/hook", Optional.empty()),
            T0);
    assertEquals(
        Set.of("urn:example:secevent:user.updated"), fieldNames(part(token, 1).get("events")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SecurityEventTokenFormat.builder()
                .issuer(ISSUER)
                .signingKeys(InMemorySigningKeys.of(Fixtures.EC_1))
                .eventTypePrefix("relative/")
                .build());
    assertThrows(IllegalStateException.class, () -> SecurityEventTokenFormat.builder().build());
  }

  @Test
  void anRfc8935ErrorCodeIsReadFromA400Only() {
    SecurityEventTokenFormat f = format(Fixtures.RSA_1);
    assertEquals(WebhookFormat.SECURITY_EVENT_TOKEN, f.format());
    assertEquals(
        Optional.of("invalid_audience"),
        f.errorCode(400, "{\"err\":\"invalid_audience\",\"description\":\"not ours\"}"));
    assertEquals(Optional.empty(), f.errorCode(500, "{\"err\":\"invalid_key\"}"));
    assertEquals(Optional.empty(), f.errorCode(400, "<html>bad request</html>"));
    assertEquals(Optional.empty(), f.errorCode(400, "{\"err\":42}"));
    assertEquals(Optional.empty(), f.errorCode(400, ""));
  }

  @Test
  void privateKeysAppearInNoToString() {
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofDays(1));
    keys.rotate(Fixtures.EC_1);
    SecurityEventTokenFormat f =
        SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();
    for (SigningKey k : List.of(Fixtures.RSA_1, Fixtures.EC_1)) {
      String encoded = Base64.getEncoder().encodeToString(k.privateKey().getEncoded());
      String middle = encoded.substring(encoded.length() / 2, encoded.length() / 2 + 16);
      for (String text :
          List.of(k.toString(), keys.toString(), f.toString(), keys.jwks().toString())) {
        assertFalse(text.contains(middle), text);
      }
      assertTrue(k.toString().contains("redacted"), k.toString());
    }
    assertFalse(keys.jwks().json().contains("\"d\""), "the JWKS holds public keys only");
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new java.util.HashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
