package dev.hookline.admin.internal;

import dev.hookline.admin.AdminResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Remembers the response to each {@code Idempotency-Key} (per principal) for a while: the same key
 * with the same body gets the same response again, with another body a 409. Only successful
 * responses are remembered, so a failed create may be retried with its key. In memory, at most
 * {@link #MAX_KEYS} keys: one instance's memory, not shared between instances. Thread-safe.
 */
final class Idempotency {
  static final int MAX_KEYS = 10_000;

  private record Entry(String bodyHash, AdminResponse response, Instant expires) {}

  private final Duration retention;
  private final Clock clock;
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  Idempotency(Duration retention, Clock clock) {
    this.retention = retention;
    this.clock = clock;
  }

  /** Runs {@code action} once per key and body; serialised, so a concurrent retry waits. */
  synchronized AdminResponse run(String key, byte[] body, Supplier<AdminResponse> action) {
    Instant now = clock.instant();
    evict(now);
    String hash = java.util.HexFormat.of().formatHex(sha256(body));
    Entry e = entries.get(key);
    if (e != null) {
      if (!e.bodyHash.equals(hash)) {
        throw Problem.conflict(
            "idempotency-key-reused",
            "this Idempotency-Key was used with another body: use a new key for a new request");
      }
      return e.response.withHeader("Idempotent-Replayed", "true");
    }
    AdminResponse response = action.get();
    if (response.status() < 300) {
      if (entries.size() >= MAX_KEYS) {
        Iterator<String> oldest = entries.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
      entries.put(key, new Entry(hash, response, now.plus(retention)));
    }
    return response;
  }

  private void evict(Instant now) {
    entries.values().removeIf(e -> !now.isBefore(e.expires));
  }

  private static byte[] sha256(byte[] body) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(body);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
