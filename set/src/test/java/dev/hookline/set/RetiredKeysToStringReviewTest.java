package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review round 11: {@code InMemorySigningKeys.toString()} listed as {@code retired} every key
 * replaced since the last rotation, also one whose overlap had ended and which the JWKS no longer
 * held: an operator reading it (in a log line, a debugger) was told a key was still published that
 * receivers could no longer find. It now lists the retired keys still published.
 */
class RetiredKeysToStringReviewTest {

  @Test
  void aKeyWhoseOverlapEndedIsNoLongerShownAsRetired() {
    ManualClock clock = ManualClock.at(Fixtures.T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofHours(1));
    keys.rotate(Fixtures.EC_1);
    assertEquals("InMemorySigningKeys[signing=ec-1, retired=[rsa-1]]", keys.toString());
    assertEquals(List.of("ec-1", "rsa-1"), keys.jwks().keyIds());

    clock.advance(Duration.ofHours(1));
    assertEquals(List.of("ec-1"), keys.jwks().keyIds());
    assertEquals("InMemorySigningKeys[signing=ec-1, retired=[]]", keys.toString());
  }
}
