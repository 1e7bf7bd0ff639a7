package dev.hookline.set;

import dev.hookline.set.spi.SigningKeys;
import java.security.PublicKey;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Signing keys held in memory, with rotation in two steps, so that no receiver meets a key it does
 * not know: {@link #publishNext} adds the next key to the published JWKS without signing with it;
 * once receivers have it (those fetching the JWKS by URL after their cache time, 5 minutes with
 * Hookline's verifier; those given a fixed JWKS once they were given the new one), {@link #rotate}
 * makes it sign. The previous signing key stays published for the overlap (so that tokens signed
 * just before, and their retries, keep verifying), and is then dropped. {@link #rotate} of a key
 * not published before makes it sign at once: receivers with a fixed JWKS then refuse its tokens
 * until they get the new one, and fetching receivers until they fetch again.
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
  private @Nullable SigningKey next;
  private List<Retired> retired = List.of();

  /**
   * The public key of every key id held since this was made, published or no longer: a key id names
   * one key for good, since receivers cache keys by id.
   */
  private final Map<String, PublicKey> everHeld = new HashMap<>();

  private InMemorySigningKeys(SigningKey initial, Clock clock, Duration overlap) {
    this.current = initial;
    everHeld.put(initial.keyId(), initial.publicKey());
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
   * Publishes {@code next} in the JWKS, after the signing key, without signing with it: the first
   * step of a rotation. Give receivers time to get the new JWKS, then call {@link #rotate} with the
   * same key.
   *
   * @param next the next key; its id must differ from every published key's
   * @throws IllegalArgumentException if its id is already published, or was published before for
   *     another key
   * @throws IllegalStateException if another next key is published and has not signed yet
   */
  public synchronized void publishNext(SigningKey next) {
    Objects.requireNonNull(next, "next");
    SigningKey pending = this.next;
    if (pending != null) {
      throw new IllegalStateException(
          "key "
              + pending.keyId()
              + " is already published as the next key; rotate(...) to it before publishing"
              + " another");
    }
    requireUnpublished(next, clock.instant());
    everHeld.put(next.keyId(), next.publicKey());
    this.next = next;
  }

  /**
   * Makes {@code next} the signing key from now on; the previous one stays published for the
   * overlap. If {@code next} was published with {@link #publishNext}, receivers may have it
   * already; otherwise it is published and signs at once.
   *
   * @param next the new key: the one given to {@link #publishNext}, or one whose id differs from
   *     every published key's
   * @throws IllegalArgumentException if its id is already published for another key, or was
   *     published before for another key
   * @throws IllegalStateException if another key was published with {@link #publishNext}
   */
  public synchronized void rotate(SigningKey next) {
    Objects.requireNonNull(next, "next");
    Instant now = clock.instant();
    SigningKey pending = this.next;
    if (pending != null) {
      if (!pending.keyId().equals(next.keyId())) {
        throw new IllegalStateException(
            "key "
                + pending.keyId()
                + " is published as the next key; rotate(...) to it, not to "
                + next.keyId());
      }
      if (!pending.publicKey().equals(next.publicKey())) {
        throw new IllegalArgumentException(
            "key id " + next.keyId() + " is published as the next key with another public key");
      }
    } else {
      requireUnpublished(next, now);
      everHeld.put(next.keyId(), next.publicKey());
    }
    List<Retired> kept = new ArrayList<>(live(now));
    kept.add(0, new Retired(current, later(now, overlap)));
    retired = List.copyOf(kept);
    current = next;
    this.next = null;
  }

  /**
   * {@code t + d}, saturating at {@link Instant#MAX}: any overlap is accepted, and one reaching
   * past the last instant (kept "for ever") must not make every rotation throw.
   */
  private static Instant later(Instant t, Duration d) {
    try {
      return t.plus(d);
    } catch (DateTimeException | ArithmeticException e) {
      return Instant.MAX;
    }
  }

  private void requireUnpublished(SigningKey key, Instant now) {
    for (SigningKey k : publishedKeys(now)) {
      if (k.keyId().equals(key.keyId())) {
        throw new IllegalArgumentException("key id " + key.keyId() + " is already published");
      }
    }
    PublicKey before = everHeld.get(key.keyId());
    if (before != null && !before.equals(key.publicKey())) {
      // Its overlap ended, but a receiver given a fixed key set, or one that fetched the set and
      // caches it, may still hold the old key under this id and refuse the new key's tokens.
      throw new IllegalArgumentException(
          "key id "
              + key.keyId()
              + " was published before for another key; a key id names one key for good"
              + " (receivers cache keys by id): give the new key a new id");
    }
  }

  @Override
  public synchronized SigningKey signingKey(Instant now) {
    return current;
  }

  /**
   * Returns the keys to publish: the signing key, the next key if one was published with {@link
   * #publishNext}, and the previous signing keys whose overlap has not ended at {@code now}.
   *
   * @param now the time
   * @return the published keys, the signing key first
   */
  @Override
  public synchronized List<SigningKey> publishedKeys(Instant now) {
    List<SigningKey> keys = new ArrayList<>();
    keys.add(current);
    SigningKey pending = next;
    if (pending != null) {
      keys.add(pending);
    }
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
    for (Retired r : live(clock.instant())) { // as published: not those whose overlap ended
      old.add(r.key().keyId());
    }
    SigningKey pending = next;
    return "InMemorySigningKeys[signing="
        + current.keyId()
        + (pending != null ? ", next=" + pending.keyId() : "")
        + ", retired="
        + old
        + "]";
  }
}
