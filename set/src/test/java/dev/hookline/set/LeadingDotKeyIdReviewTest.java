package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review round 19: a key id starting with a dot ({@code .2026-12}) is refused on both sides (the
 * shared rule's first character excludes it, as {@link SigningKey#isKeyId} documents), but the
 * refusals stated the rule as "1 to 128 characters A-Z a-z 0-9 . _ - without ..", which such a key
 * id meets: the host was told its key id was wrong by a rule it keeps.
 */
class LeadingDotKeyIdReviewTest {

  @Test
  void theSenderSaysWhyAKeyIdStartingWithADotIsRefused() {
    assertFalse(SigningKey.isKeyId(".2026-12"));
    SigningKeyException e =
        assertThrows(
            SigningKeyException.class,
            () ->
                SigningKey.of(
                    ".2026-12",
                    SigningAlgorithm.ES256,
                    Fixtures.EC_1.privateKey(),
                    Fixtures.EC_1.publicKey()));
    assertEquals(SigningKeyException.Reason.MALFORMED_KEY_ID, e.reason());
    assertTrue(e.getMessage().contains("not starting with a dot"), e.getMessage());
  }

  @Test
  void theReceiverSaysWhyAKidStartingWithADotIsRefused() {
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(InMemorySigningKeys.of(Fixtures.EC_1).jwks().json())
            .issuer(Fixtures.ISSUER)
            .audience("urn:hookline:dot")
            .build();
    String header =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                "{\"alg\":\"ES256\",\"typ\":\"secevent+jwt\",\"kid\":\".ec-1\"}"
                    .getBytes(StandardCharsets.UTF_8));
    byte[] token = (header + ".e30.c2ln").getBytes(StandardCharsets.US_ASCII);
    WebhookVerificationException e =
        assertThrows(WebhookVerificationException.class, () -> verifier.verify(Map.of(), token));
    assertEquals(Reason.MALFORMED_KEY_ID, e.reason());
    assertTrue(e.getMessage().contains("not starting with a dot"), e.getMessage());
  }
}
