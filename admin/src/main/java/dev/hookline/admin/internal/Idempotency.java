package dev.hookline.admin.internal;

import dev.hookline.admin.AdminResponse;
import dev.hookline.admin.Principal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Remembers the response to each {@code Idempotency-Key} (per {@link Owner}) for a while: the same
 * key with the same body gets the same response again, with another body a 409. Only successful
 * responses are remembered, so a failed create may be retried with its key. In memory, at most
 * about {@link #MAX_KEYS} keys: one instance's memory, not shared between instances. Thread-safe.
 */
final class Idempotency {
  static final int MAX_KEYS = 10_000;

  /**
   * Whose keys they are: a token's own, or else a host principal's within its tenant. Two owners
   * never see each other's responses, whatever their keys.
   *
   * @param bearerToken whether a Hookline token authenticated the principal (not an authenticator)
   * @param tokenId the token's id, if any
   * @param tenant the principal's tenant, if any
   * @param name the principal's name
   */
  record Owner(
      boolean bearerToken, Optional<String> tokenId, Optional<String> tenant, String name) {
    static Owner of(Principal p, boolean bearerToken) {
      return new Owner(bearerToken, p.tokenId(), p.tenant(), p.name());
    }
  }

  private record Key(Owner owner, String key) {}

  /**
   * One key's request: in flight until {@link #result} completes, with the response if it was
   * remembered or empty if it was not (then the slot is gone and a retry runs again).
   */
  private static final class Slot {
    final String bodyHash;
    final CompletableFuture<Optional<AdminResponse>> result = new CompletableFuture<>();

    /** When a remembered response is forgotten; null while in flight. Guarded by the map. */
    @Nullable Instant expires;

    Slot(String bodyHash) {
      this.bodyHash = bodyHash;
    }
  }

  private final Duration retention;
  private final Clock clock;

  /** Oldest first; guarded by itself, held only to look up, add and drop slots. */
  private final Map<Key, Slot> slots = new LinkedHashMap<>();

  private final int maxKeys;

  Idempotency(Duration retention, Clock clock) {
    this(retention, clock, MAX_KEYS);
  }

  /** With another bound than {@link #MAX_KEYS}: for tests, which would otherwise fill 10,000. */
  Idempotency(Duration retention, Clock clock, int maxKeys) {
    this.retention = retention;
    this.clock = clock;
    this.maxKeys = maxKeys;
  }

  /**
   * Runs {@code action} once per owner, key and body. The action runs outside any shared lock, so
   * other keys never wait for it; a concurrent request with the same key waits for its answer.
   */
  AdminResponse run(Owner owner, String key, byte[] body, Supplier<AdminResponse> action) {
    Key k = new Key(owner, key);
    String hash = HexFormat.of().formatHex(sha256(body));
    while (true) {
      Slot mine = new Slot(hash);
      Slot found;
      synchronized (slots) {
        evictExpired(clock.instant());
        found = slots.putIfAbsent(k, mine);
      }
      if (found == null) {
        return runOnce(k, mine, action);
      }
      if (!found.bodyHash.equals(hash)) {
        throw Problem.conflict(
            "idempotency-key-reused",
            "this Idempotency-Key was used with another body: use a new key for a new request");
      }
      Optional<AdminResponse> earlier = found.result.join(); // waits while it is in flight
      if (earlier.isPresent()) {
        return earlier.get().withHeader("Idempotent-Replayed", "true");
      }
      // That request failed and was not remembered: this one runs (or waits for another retry).
    }
  }

  private AdminResponse runOnce(Key k, Slot mine, Supplier<AdminResponse> action) {
    AdminResponse response = null;
    try {
      response = action.get();
      return response;
    } finally {
      // A throwing action (a Problem) leaves response null: not remembered, like a 4xx.
      AdminResponse remembered = response != null && response.status() < 300 ? response : null;
      synchronized (slots) {
        if (remembered != null) {
          mine.expires = clock.instant().plus(retention);
          evictOldest(mine);
        } else {
          slots.remove(k, mine);
        }
      }
      mine.result.complete(Optional.ofNullable(remembered));
    }
  }

  /**
   * Whose share of the remembered responses an owner's count against: its tenant's, for a tenant's
   * token (a tenant makes tokens at will, and spread over many its creates would each hold one
   * answer, no more than the tenant it pushes out), else the owner's own.
   */
  private static Object group(Owner owner) {
    return owner.tenant().isPresent() ? List.of("tenant", owner.tenant().get()) : owner;
  }

  /** Drops remembered responses whose retention has passed; called holding {@code slots}. */
  private void evictExpired(Instant now) {
    slots.values().removeIf(s -> s.expires != null && !now.isBefore(s.expires));
  }

  /**
   * Drops remembered responses beyond {@link #MAX_KEYS} (never one in flight, nor the one just
   * remembered): each time the oldest of the owner (a tenant's tokens together) that holds the
   * most, so that one owner's many creates push out its own keys first, never those of an owner
   * holding fewer (another tenant's retry would otherwise make a second webhook); called holding
   * {@code slots}.
   */
  private void evictOldest(Slot keep) {
    while (slots.size() > maxKeys) {
      Map<Object, Integer> held = new HashMap<>();
      for (Map.Entry<Key, Slot> e : slots.entrySet()) {
        if (e.getValue().expires != null && e.getValue() != keep) {
          held.merge(group(e.getKey().owner()), 1, Integer::sum);
        }
      }
      Object most = null;
      int count = 0;
      for (Map.Entry<Object, Integer> e : held.entrySet()) {
        if (e.getValue() > count) {
          most = e.getKey();
          count = e.getValue();
        }
      }
      if (most == null) {
        return; // only requests in flight (and the one just remembered) remain
      }
      for (Iterator<Map.Entry<Key, Slot>> it = slots.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Key, Slot> e = it.next();
        if (group(e.getKey().owner()).equals(most)
            && e.getValue().expires != null
            && e.getValue() != keep) {
          it.remove();
          break;
        }
      }
    }
  }

  private static byte[] sha256(byte[] body) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(body);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
