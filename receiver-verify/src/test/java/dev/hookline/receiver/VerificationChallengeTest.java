package dev.hookline.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerificationChallengeTest {
  @Test
  void aGetWithTheHeaderIsAChallengeAnsweredWithTheSameKey() throws Exception {
    VerificationChallenge c =
        VerificationChallenge.detect("GET", Map.of("x-verification-key", List.of("r4nd0m-Key_1")))
            .orElseThrow();
    assertEquals("r4nd0m-Key_1", c.key());
    assertEquals("{\"key\":\"r4nd0m-Key_1\"}", c.responseBody());
    assertEquals("r4nd0m-Key_1", new ObjectMapper().readTree(c.responseBody()).get("key").asText());
  }

  @Test
  void quotesAndBackslashesAreEscaped() throws Exception {
    String key = "a\"b\\c";
    VerificationChallenge c =
        VerificationChallenge.detect("get", Map.of("X-Verification-Key", List.of(key)))
            .orElseThrow();
    assertEquals(key, new ObjectMapper().readTree(c.responseBody()).get("key").asText());
  }

  @Test
  void otherRequestsAreNotChallenges() {
    assertTrue(VerificationChallenge.detect("GET", Map.of()).isEmpty());
    assertTrue(
        VerificationChallenge.detect("POST", Map.of("X-Verification-Key", List.of("k"))).isEmpty());
  }

  @Test
  void aBadKeyIsMalformed() {
    for (List<String> values :
        List.of(
            List.of(""),
            List.of("a b"),
            List.of("k".repeat(1025)),
            List.of("a", "b"),
            List.of("\u00e9"))) {
      assertEquals(
          Reason.MALFORMED_HEADER,
          assertThrows(
                  WebhookVerificationException.class,
                  () -> VerificationChallenge.detect("GET", Map.of("X-Verification-Key", values)))
              .reason(),
          values.toString());
    }
  }
}
