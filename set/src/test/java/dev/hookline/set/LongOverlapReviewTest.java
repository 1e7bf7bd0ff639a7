package dev.hookline.set;

import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review round 5 (SET signing keys): {@code InMemorySigningKeys.of(key, clock, overlap)} refuses
 * only a negative overlap, so a host that keeps replaced keys published "for ever" ({@code
 * ChronoUnit.FOREVER.getDuration()}, or any overlap reaching past year 1,000,000,000) builds its
 * keys fine, and then every {@code rotate} throws {@code ArithmeticException} ("long overflow"):
 * the key can never be replaced, and the message says nothing of the overlap.
 */
class LongOverlapReviewTest {
  @Test
  void aVeryLongOverlapStillLetsTheKeyRotate() {
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys =
        InMemorySigningKeys.of(Fixtures.RSA_1, clock, Duration.ofSeconds(Long.MAX_VALUE));
    keys.publishNext(Fixtures.RSA_2);
    assertDoesNotThrow(() -> keys.rotate(Fixtures.RSA_2), "rotate with a long overlap");
    clock.advance(Duration.ofDays(365 * 100));
    assertEquals(List.of("rsa-2", "rsa-1"), keys.jwks().keyIds());
  }
}
