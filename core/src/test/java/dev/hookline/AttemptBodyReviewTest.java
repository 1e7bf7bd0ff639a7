package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * An attempt keeps at most {@link Attempt#MAX_BODY_CHARS} characters of the response body, and the
 * dispatcher may read up to four times as many bytes ({@code maxResponseBytes} up to 16,384). The
 * cut fell inside a surrogate pair whenever the 4,096th character was the first half of one (an
 * emoji after an odd number of other characters): the kept body ended in half a pair, which the
 * PostgreSQL driver stores as '?' and the admin API's JSON writes as an escaped lone surrogate that
 * strict parsers refuse.
 */
class AttemptBodyReviewTest {
  private static final String EMOJI = "\uD83D\uDE00";

  private static Attempt answered(String body) {
    return Attempt.response(1, Instant.parse("2026-11-22T10:15:30Z"), Duration.ZERO, 500, body);
  }

  @Test
  void aBodyIsNotCutInsideASurrogatePair() {
    String body = answered("a" + EMOJI.repeat(3000)).responseBody();
    assertEquals(Attempt.MAX_BODY_CHARS - 1, body.length());
    assertTrue(Character.isLowSurrogate(body.charAt(body.length() - 1)), "ends with a whole pair");
    assertEquals("a" + EMOJI.repeat((Attempt.MAX_BODY_CHARS - 2) / 2), body);
  }

  @Test
  void aBodyIsStillCutAtTheLimitElsewhere() {
    assertEquals(Attempt.MAX_BODY_CHARS, answered("x".repeat(10_000)).responseBody().length());
    assertEquals(Attempt.MAX_BODY_CHARS, answered(EMOJI.repeat(3000)).responseBody().length());
    assertEquals("short", answered("short").responseBody());
  }
}
