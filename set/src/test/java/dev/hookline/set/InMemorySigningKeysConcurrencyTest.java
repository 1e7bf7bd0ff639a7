package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.ManualClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Rotations from many threads at once lose no key, and readers meanwhile always see a consistent
 * key set: the signing key first, no id twice.
 */
class InMemorySigningKeysConcurrencyTest {
  private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

  @Test
  void concurrentRotationsKeepEveryReplacedKeyPublished() throws Exception {
    int rotators = 4;
    int perRotator = 100;
    SecureRandom random = new SecureRandom();
    SigningKey initial = SigningKey.generate("k-init", SigningAlgorithm.ES256, random);
    List<List<SigningKey>> next = new ArrayList<>();
    Set<String> allIds = new HashSet<>(Set.of(initial.keyId()));
    for (int t = 0; t < rotators; t++) {
      List<SigningKey> mine = new ArrayList<>();
      for (int i = 0; i < perRotator; i++) {
        SigningKey k = SigningKey.generate("k-" + t + "-" + i, SigningAlgorithm.ES256, random);
        mine.add(k);
        allIds.add(k.keyId());
      }
      next.add(mine);
    }
    ManualClock clock = ManualClock.at(T0);
    // the overlap outlasts the test: every replaced key stays published
    InMemorySigningKeys keys = InMemorySigningKeys.of(initial, clock, Duration.ofDays(7));

    CyclicBarrier start = new CyclicBarrier(rotators + 2);
    AtomicBoolean rotating = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(rotators + 2);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (List<SigningKey> mine : next) {
        writers.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (SigningKey k : mine) {
                    keys.rotate(k);
                  }
                  return null;
                }));
      }
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  int inconsistent = 0;
                  do {
                    List<SigningKey> published = keys.publishedKeys(clock.instant());
                    Set<String> ids = new HashSet<>();
                    published.forEach(k -> ids.add(k.keyId()));
                    SigningKey signing = keys.signingKey(clock.instant());
                    if (ids.size() != published.size() || !allIds.containsAll(ids)) {
                      inconsistent++;
                    }
                    // a key that signed once stays published: the one signing now is among
                    // those published after it
                    if (!keys.publishedKeys(clock.instant()).contains(signing)) {
                      inconsistent++;
                    }
                  } while (rotating.get());
                  return inconsistent;
                }));
      }
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
      rotating.set(false);
      for (Future<Integer> r : readers) {
        assertEquals(0, r.get(60, TimeUnit.SECONDS), "inconsistent key sets read");
      }
    } finally {
      pool.shutdownNow();
    }

    List<SigningKey> published = keys.publishedKeys(clock.instant());
    Set<String> ids = new HashSet<>();
    published.forEach(k -> ids.add(k.keyId()));
    assertEquals(allIds, ids, "every key rotated in or out is still published");
    assertEquals(1 + rotators * perRotator, published.size());
    assertEquals(published.get(0), keys.signingKey(clock.instant()));
    boolean lastOfSomeRotator = false;
    for (List<SigningKey> mine : next) {
      lastOfSomeRotator |= mine.get(perRotator - 1).equals(published.get(0));
    }
    assertTrue(lastOfSomeRotator, "the signing key is the last rotation of one of the threads");
  }
}
