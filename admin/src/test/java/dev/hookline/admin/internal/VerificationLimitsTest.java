package dev.hookline.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The bounds on verification handshakes refuse values out of range, naming the limit. */
class VerificationLimitsTest {
  @Test
  void theDefaultsAreTwoPerTenantFourInAllRetryAfterFiveSeconds() {
    VerificationLimits d = VerificationLimits.DEFAULTS;
    assertEquals(2, d.perTenant());
    assertEquals(4, d.total());
    assertEquals(Duration.ofSeconds(5), d.retryAfter());
  }

  @Test
  void limitsOutOfRangeAreRefused() {
    Duration fiveSeconds = Duration.ofSeconds(5);
    assertRefused("total", () -> new VerificationLimits(1, 0, fiveSeconds));
    assertRefused("total", () -> new VerificationLimits(1, 1001, fiveSeconds));
    assertRefused("per tenant", () -> new VerificationLimits(0, 4, fiveSeconds));
    assertRefused("per tenant", () -> new VerificationLimits(5, 4, fiveSeconds));
    assertRefused("retryAfter", () -> new VerificationLimits(1, 1, Duration.ZERO));
    assertRefused("retryAfter", () -> new VerificationLimits(1, 1, Duration.ofMillis(1500)));
    assertRefused("retryAfter", () -> new VerificationLimits(1, 1, Duration.ofMinutes(6)));
    assertEquals(1, new VerificationLimits(1, 1, Duration.ofSeconds(1)).total());
    assertEquals(1000, new VerificationLimits(1000, 1000, Duration.ofMinutes(5)).perTenant());
  }

  private static void assertRefused(String named, Runnable make) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::run);
    assertTrue(e.getMessage().contains(named), e.getMessage());
  }
}
