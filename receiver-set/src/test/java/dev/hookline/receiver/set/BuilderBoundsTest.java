package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Every duration and size of the builder is bounded, as in receiver-verify's WebhookVerifier, so
 * that no setting makes verify, complete or a key set fetch overflow; a refusal names the setting,
 * the value and the range.
 */
class BuilderBoundsTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final Duration HUGE_DURATION = Duration.ofSeconds(Long.MAX_VALUE);
  private static final String HUGE = HUGE_DURATION.toString();
  private final ManualClock clock = ManualClock.at(NOW);

  private SecurityEventTokenVerifier.Builder builder() {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwks(Tokens.jwks(RSA))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(clock);
  }

  private void refused(
      Consumer<SecurityEventTokenVerifier.Builder> set, String setting, String got, String range) {
    String m =
        assertThrows(IllegalArgumentException.class, () -> set.accept(builder())).getMessage();
    assertTrue(m.startsWith(setting + " must be "), m);
    assertTrue(m.contains(range), m);
    assertTrue(m.contains("(got " + got + ")"), m);
  }

  @Test
  void toleranceIsOneSecondToOneDay() {
    String range = "between 1 second and 1 day";
    refused(b -> b.tolerance(HUGE_DURATION), "tolerance", HUGE, range);
    refused(b -> b.tolerance(Duration.ofDays(1).plusSeconds(1)), "tolerance", "PT24H1S", range);
    refused(b -> b.tolerance(Duration.ofMillis(999)), "tolerance", "PT0.999S", range);
    refused(b -> b.tolerance(Duration.ZERO), "tolerance", "PT0S", range);

    SecurityEventTokenVerifier widest = builder().tolerance(Duration.ofDays(1)).build();
    SecurityEvent event =
        widest.verify(Map.of(), bytes(Tokens.rs256("evt_day", NOW.minus(Duration.ofDays(1)))));
    widest.complete(event);
    builder().tolerance(Duration.ofSeconds(1)).build();
  }

  @Test
  void rememberProcessedForIsOneSecondToSevenDays() {
    String range = "between 1 second and 7 days";
    refused(b -> b.rememberProcessedFor(HUGE_DURATION), "rememberProcessedFor", HUGE, range);
    refused(
        b -> b.rememberProcessedFor(Duration.ofDays(7).plusSeconds(1)),
        "rememberProcessedFor",
        "PT168H1S",
        range);
    refused(b -> b.rememberProcessedFor(Duration.ZERO), "rememberProcessedFor", "PT0S", range);

    SecurityEventTokenVerifier longest = builder().rememberProcessedFor(Duration.ofDays(7)).build();
    longest.complete(longest.verify(Map.of(), bytes(Tokens.rs256("evt_week", NOW))));
    clock.advance(Duration.ofDays(7).minusSeconds(1));
    WebhookVerificationException retry =
        assertThrows(
            WebhookVerificationException.class,
            () -> longest.verify(Map.of(), bytes(Tokens.rs256("evt_week", clock.instant()))));
    assertEquals(Reason.ALREADY_PROCESSED, retry.reason(), "remembered for the 7 days");
  }

  @Test
  void maxBodyBytesIs1024To64MiBSoThatOneByteMoreFitsAnInt() {
    String range = "between 1024 and 67108864 (64 MiB)";
    refused(b -> b.maxBodyBytes(Integer.MAX_VALUE), "maxBodyBytes", "2147483647", range);
    refused(b -> b.maxBodyBytes((64 << 20) + 1), "maxBodyBytes", "67108865", range);
    refused(b -> b.maxBodyBytes(1023), "maxBodyBytes", "1023", range);

    SecurityEventTokenVerifier largest = builder().maxBodyBytes(64 << 20).build();
    assertTrue(largest.maxBodyBytes() + 1 > 0, "an adapter's one byte more does not overflow");
    assertEquals(1024, builder().maxBodyBytes(1024).build().maxBodyBytes());
  }

  @Test
  void jwksFetchTimeoutIsMoreThanZeroToFiveMinutes() {
    String range = "more than 0 and at most 5 minutes";
    refused(b -> b.jwksFetchTimeout(HUGE_DURATION), "jwksFetchTimeout", HUGE, range);
    refused(
        b -> b.jwksFetchTimeout(Duration.ofMinutes(5).plusNanos(1)),
        "jwksFetchTimeout",
        "PT5M0.000000001S",
        range);
    refused(b -> b.jwksFetchTimeout(Duration.ZERO), "jwksFetchTimeout", "PT0S", range);
    refused(b -> b.jwksFetchTimeout(Duration.ofSeconds(-1)), "jwksFetchTimeout", "PT-1S", range);
    builder().jwksFetchTimeout(Duration.ofMinutes(5)).build();
    builder().jwksFetchTimeout(Duration.ofMillis(1)).build();
  }
}
