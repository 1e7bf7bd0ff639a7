package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bytes;
import static dev.hookline.receiver.set.Tokens.claims;
import static dev.hookline.receiver.set.Tokens.header;
import static dev.hookline.receiver.set.Tokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import dev.hookline.receiver.ReplayGuard;
import dev.hookline.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A shared guard built as docs/receiving.md describes for SQL keeps {@code until} at its column's
 * precision; the verifier's in-progress {@code until} came from the clock with nanoseconds, so a
 * failed run's release removed nothing and the sender's retry was refused as in progress.
 */
class StoredUntilPrecisionTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final String A = "https://rp.example/hook-a";
  private final ManualClock clock = ManualClock.at(NOW.plusNanos(123_456_789));

  /** The docs' SQL guard on a column that keeps milliseconds ({@code timestamp(3)}). */
  static final class MillisecondColumnGuard implements ReplayGuard {
    private record Row(State state, Instant until) {}

    private final Clock clock;
    private final Map<String, Row> rows = new HashMap<>();

    MillisecondColumnGuard(Clock clock) {
      this.clock = clock;
    }

    private static Instant column(Instant until) {
      return until.truncatedTo(ChronoUnit.MILLIS);
    }

    @Override
    public synchronized State begin(String id, Instant until) {
      Row row = rows.get(id);
      if (row == null || row.until().isBefore(clock.instant())) {
        rows.put(id, new Row(State.IN_PROGRESS, column(until)));
        return State.NEW;
      }
      return row.state();
    }

    @Override
    public synchronized void complete(String id, Instant until) {
      rows.put(id, new Row(State.DONE, column(until)));
    }

    @Override
    public synchronized void abandon(String id) {
      rows.remove(id);
    }

    @Override
    public synchronized void abandon(String id, Instant until) {
      // WHERE id = ? AND state = 'IN_PROGRESS' AND until = ?: the column against the parameter.
      Row row = rows.get(id);
      if (row != null && row.state() == State.IN_PROGRESS && row.until().equals(until)) {
        rows.remove(id);
      }
    }
  }

  private static byte[] token(String jti, Instant iat) {
    try {
      return bytes(
          sign(
              header(JWSAlgorithm.RS256, RSA.getKeyID()).build(),
              claims(jti, iat).issuer(ISSUER).audience(A).build(),
              new RSASSASigner(RSA)));
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aReleasedTokenIsProcessedOnRetryWithAStoreKeepingMilliseconds() {
    SecurityEventTokenVerifier v =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(Tokens.jwks(RSA))
            .clock(clock)
            .issuer(ISSUER)
            .audience(A)
            .replayGuard(new MillisecondColumnGuard(clock))
            .build();
    byte[] token = token("evt_p", NOW);
    v.release(v.verify(Map.of(), token)); // the application failed; the sender retries
    clock.advance(Duration.ofSeconds(5));
    assertEquals("evt_p", v.verify(Map.of(), token).jti(), "the release freed the token");
  }
}
