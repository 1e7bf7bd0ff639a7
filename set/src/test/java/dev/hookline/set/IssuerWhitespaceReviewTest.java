package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.ManualClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Review round 7: an issuer read from a file or an environment variable often ends with a line
 * break. {@code build()} refused only a blank issuer, so {@code issuer("https://id.example.com\n")}
 * built, and every token carried {@code "iss":"https://id.example.com\n"}: every receiver
 * configured with the sender's issuer (Hookline's verifier, or any JOSE library comparing {@code
 * iss} exactly) refused every token as {@code invalid_issuer}, and the deliveries failed after
 * their retries. Such an issuer is refused at build now, as the receivers refuse such an API key.
 */
class IssuerWhitespaceReviewTest {
  private static final String ISSUER = "https://id.example.com";
  // EC, not Fixtures' RSA keys: generating those takes seconds on a busy machine
  private static final SigningKey KEY =
      SigningKey.generate("ec-iss", SigningAlgorithm.ES256, new SecureRandom());

  private static SecurityEventTokenFormat.Builder builder(String issuer) {
    return SecurityEventTokenFormat.builder()
        .issuer(issuer)
        .signingKeys(
            InMemorySigningKeys.of(
                KEY, ManualClock.at(Instant.parse("2026-11-22T10:00:00Z")), Duration.ofDays(1)));
  }

  @Test
  void anIssuerWithATrailingLineBreakIsRefusedAtBuild() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> builder(ISSUER + "\n").build());
    assertTrue(e.getMessage().contains("issuer"), e.getMessage());
  }

  @Test
  void anIssuerWithSurroundingSpacesOrControlCharactersIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> builder(" " + ISSUER).build());
    assertThrows(IllegalArgumentException.class, () -> builder(ISSUER + "\r\n").build());
    assertThrows(IllegalArgumentException.class, () -> builder(ISSUER + "\u0000").build());
  }

  @Test
  void aPlainIssuerStillBuilds() {
    builder(ISSUER).build();
    builder("issuer with inner spaces is a string, not a URI").build();
  }
}
