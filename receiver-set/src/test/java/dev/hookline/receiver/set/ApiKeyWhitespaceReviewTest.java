package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.API_KEY;
import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * An API key read from a file or an environment variable often ends with a line break. The sender
 * sends the key without it (it refuses keys that are not visible ASCII), and the verifier strips
 * what it is presented, so a configured key with surrounding whitespace can never match: every
 * token and every handshake was refused as {@code authentication_failed}, which points at the
 * sender's key rather than at the listener's configuration. receiver-verify's {@code
 * WebhookVerifier.Builder.apiKey} refuses such a key at once, as its signing secrets do.
 */
class ApiKeyWhitespaceReviewTest {

  private static SecurityEventTokenVerifier.Builder builder() {
    return SecurityEventTokenVerifier.builder()
        .jwks(Tokens.jwks(RSA))
        .issuer(ISSUER)
        .audience(AUDIENCE);
  }

  @Test
  void aKeyWithATrailingLineBreakIsRefusedAtOnceWithoutShowingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> builder().apiKey(API_KEY + "\n"));
    assertFalse(e.getMessage().contains(API_KEY), e.getMessage());
    assertTrue(
        e.getMessage().contains("whitespace") || e.getMessage().contains("visible ASCII"),
        e.getMessage());
  }

  @Test
  void aKeyWithSurroundingSpacesOrInnerControlCharactersIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> builder().apiKey(" " + API_KEY));
    assertThrows(IllegalArgumentException.class, () -> builder().apiKey(API_KEY + "\r\n"));
    assertThrows(IllegalArgumentException.class, () -> builder().apiKey("key\u0000x"));
  }
}
