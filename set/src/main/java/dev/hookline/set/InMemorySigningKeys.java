package dev.hookline.set;

import dev.hookline.set.spi.SigningKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Signing keys held in memory, with rotation: {@link #rotate} makes a new key sign from now on,
 * while the previous signing key stays published for the overlap (so that receivers still holding
 * the old JWKS, and tokens signed just before, keep verifying), and is then dropped.
 *
 * <p>Thread-safe. {@link #toString()} shows key ids only.
 */
public final class InMemorySigningKeys implements SigningKeys {
  /** The default overlap: receivers cache a JWKS for minutes, senders retry for days. */
  public static final Duration DEFAULT_OVERLAP = Duration.ofDays(7);

  /** A key that no longer signs, published until {@code until}. */
  private record Retired(SigningKey key, Instant until) {}

  private final Clock clock;
  private final Duration overlap;
  private SigningKey current;
  private List<Retired> retired = List.of();

  private InMemorySigningKeys(SigningKey initial, Clock clock, Duration overlap) {
    this.current = initial;
    this.clock = clock;
    this.overlap = overlap;
  }

  /**
   * Holds one key, with the system clock and the default overlap.
   *
   * @param key the signing key
   * @return the keys
   */
  public static InMemorySigningKeys of(SigningKey key) {
    return of(key, Clock.systemUTC(), DEFAULT_OVERLAP);
  }

  /**
   * Holds one key.
   *
   * @param key the signing key
   * @param clock the time source rotations are stamped with
   * @param overlap how long a replaced key stays published after {@link #rotate}
   * @return the keys
   * @throws IllegalArgumentException if the overlap is negative
   */
  public static InMemorySigningKeys of(SigningKey key, Clock clock, Duration overlap) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(overlap, "overlap");
    if (overlap.isNegative()) {
      throw new IllegalArgumentException("overlap must not be negative, was " + overlap);
    }
    return new InMemorySigningKeys(key, clock, overlap);
  }

  /**
   * Makes {@code next} the signing key from now on; the previous one stays published for the
   * overlap.
   *
   * @param next the new key; its id must differ from every published key's
   * @throws IllegalArgumentException if its id is already published
   */
  public synchronized void rotate(SigningKey next) {
    Objects.requireNonNull(next, "next");
    Instant now = clock.instant();
    for (SigningKey k : publishedKeys(now)) {
      if (k.keyId().equals(next.keyId())) {
        throw new IllegalArgumentException("key id " + next.keyId() + " is already published");
      }
    }
    List<Retired> kept = new ArrayList<>(live(now));
    kept.add(0, new Retired(current, now.plus(overlap)));
    retired = List.copyOf(kept);
    current = next;
  }

  @Override
  public synchronized SigningKey signingKey(Instant now) {
    return current;
  }

  @Override
  public synchronized List<SigningKey> publishedKeys(Instant now) {
    List<SigningKey> keys = new ArrayList<>();
    keys.add(current);
    for (Retired r : live(now)) {
      keys.add(r.key());
    }
    return List.copyOf(keys);
  }

  /**
   * Returns the public JWKS as of now.
   *
   * @return the key set to publish
   */
  public Jwks jwks() {
    return Jwks.of(this, clock.instant());
  }

  private List<Retired> live(Instant now) {
    List<Retired> live = new ArrayList<>();
    for (Retired r : retired) {
      if (now.isBefore(r.until())) {
        live.add(r);
      }
    }
    return live;
  }

  @Override
  public synchronized String toString() {
    List<String> old = new ArrayList<>();
    for (Retired r : retired) {
      old.add(r.key().keyId());
    }
    return "InMemorySigningKeys[signing=" + current.keyId() + ", retired=" + old + "]";
  }
}
