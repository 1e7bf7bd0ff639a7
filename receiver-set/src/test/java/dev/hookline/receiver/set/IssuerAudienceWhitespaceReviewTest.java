package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import org.junit.jupiter.api.Test;

/**
 * Review round 7: the expected issuer and audience are usually read from configuration, where a
 * trailing line break is common. The sender never writes one, and {@code iss} and {@code aud} are
 * compared exactly, so a verifier built with {@code issuer("https://id.example.com\n")} refused
 * every token as {@code WRONG_ISSUER} ({@code invalid_issuer}, blaming the sender), and one with
 * such an audience every token as {@code WRONG_AUDIENCE}. A blank issuer or audience built too and
 * could never match. They are refused at once now, as an API key with whitespace is.
 */
class IssuerAudienceWhitespaceReviewTest {

  // EC, not Tokens' RSA keys: generating those takes seconds on a busy machine
  private static final String JWKS = ecJwks();

  private static String ecJwks() {
    try {
      return new JWKSet(new ECKeyGenerator(Curve.P_256).keyID("ec-aud").generate().toPublicJWK())
          .toString(true);
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  private static SecurityEventTokenVerifier.Builder builder() {
    return SecurityEventTokenVerifier.builder().jwks(JWKS).apiKey(Tokens.API_KEY);
  }

  @Test
  void anIssuerWithATrailingLineBreakIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> builder().issuer(ISSUER + "\n").audience(AUDIENCE).build());
    assertTrue(e.getMessage().contains("issuer"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> builder().issuer(" " + ISSUER).audience(AUDIENCE).build());
    assertThrows(
        IllegalArgumentException.class, () -> builder().issuer("").audience(AUDIENCE).build());
  }

  @Test
  void anAudienceWithATrailingLineBreakIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> builder().issuer(ISSUER).audience(AUDIENCE + "\r\n").build());
    assertTrue(e.getMessage().contains("audience"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> builder().issuer(ISSUER).audience(" ").build());
  }

  @Test
  void plainValuesStillBuild() {
    builder().issuer(ISSUER).audience(AUDIENCE).build();
  }
}
