package dev.hookline.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.admin.AdminResponse;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Idempotency-Key memory on its own: what it remembers, for whom, and for how long. */
class IdempotencyTest {
  private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);
  private static final Idempotency.Owner ALICE_ACME =
      new Idempotency.Owner(false, Optional.empty(), Optional.of("acme"), "alice");
  private static final Idempotency.Owner ALICE_GLOBEX =
      new Idempotency.Owner(false, Optional.empty(), Optional.of("globex"), "alice");

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-30T10:00:00Z"));
  private final Idempotency memory = new Idempotency(Duration.ofHours(24), clock);
  private final AtomicInteger runs = new AtomicInteger();

  private AdminResponse answer(int status) {
    runs.incrementAndGet();
    return new AdminResponse(status, Map.of(), new byte[0]);
  }

  @Test
  void aSuccessIsReplayedUntilItsRetentionEnds() {
    memory.run(ALICE_ACME, "k", BODY, () -> answer(201));
    clock.advance(Duration.ofHours(24).minusMillis(1));
    AdminResponse replay = memory.run(ALICE_ACME, "k", BODY, () -> answer(201));
    assertEquals(Optional.of("true"), replay.header("Idempotent-Replayed"));
    assertEquals(1, runs.get());
    clock.advance(Duration.ofMillis(1));
    memory.run(ALICE_ACME, "k", BODY, () -> answer(201));
    assertEquals(2, runs.get(), "forgotten after 24 h");
  }

  @Test
  void ownersDoNotShareKeys() {
    memory.run(ALICE_ACME, "k", BODY, () -> answer(201));
    AdminResponse other = memory.run(ALICE_GLOBEX, "k", BODY, () -> answer(201));
    assertEquals(Optional.empty(), other.header("Idempotent-Replayed"));
    assertEquals(2, runs.get());
  }

  @Test
  void failuresAreNotRemembered() {
    memory.run(ALICE_ACME, "k", BODY, () -> answer(400));
    assertThrows(
        Problem.class,
        () ->
            memory.run(
                ALICE_ACME,
                "k",
                BODY,
                () -> {
                  throw Problem.notFound("x");
                }));
    memory.run(ALICE_ACME, "k", BODY, () -> answer(201));
    assertEquals(2, runs.get(), "each failed request left the key free");
  }

  @Test
  void aRetryWaitingForAFailedRequestRunsItself() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<AdminResponse> first = new CompletableFuture<>();
    Thread firstThread =
        new Thread(
            () ->
                first.complete(
                    memory.run(
                        ALICE_ACME,
                        "k",
                        BODY,
                        () -> {
                          started.countDown();
                          await(release);
                          return answer(500);
                        })));
    firstThread.start();
    await(started);
    CompletableFuture<AdminResponse> retry = new CompletableFuture<>();
    Thread waiter =
        new Thread(() -> retry.complete(memory.run(ALICE_ACME, "k", BODY, () -> answer(201))));
    waiter.start();
    Poll.until(
        Duration.ofSeconds(10),
        () -> waiter.getState() == Thread.State.WAITING,
        "the retry waits for the first request");
    assertEquals(0, runs.get());
    release.countDown();
    assertEquals(500, first.get(10, TimeUnit.SECONDS).status());
    AdminResponse r = retry.get(10, TimeUnit.SECONDS);
    assertEquals(201, r.status());
    assertEquals(Optional.empty(), r.header("Idempotent-Replayed"));
    assertEquals(2, runs.get());
  }

  @Test
  void atMostMaxKeysAreRemembered() {
    for (int i = 0; i <= Idempotency.MAX_KEYS; i++) {
      memory.run(ALICE_ACME, "k" + i, BODY, () -> answer(201));
    }
    memory.run(ALICE_ACME, "k" + Idempotency.MAX_KEYS, BODY, () -> answer(201));
    assertEquals(Idempotency.MAX_KEYS + 1, runs.get(), "the newest is still remembered");
    memory.run(ALICE_ACME, "k0", BODY, () -> answer(201));
    assertEquals(Idempotency.MAX_KEYS + 2, runs.get(), "the oldest was dropped");
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void anotherTenantsManyKeysDoNotPushOutATenantsRememberedAnswer() {
    Idempotency small = new Idempotency(Duration.ofHours(24), clock, 50);
    Idempotency.Owner bob =
        new Idempotency.Owner(true, Optional.of("tok_b"), Optional.of("b"), "b");
    Idempotency.Owner mallory =
        new Idempotency.Owner(true, Optional.of("tok_m"), Optional.of("m"), "m");
    small.run(bob, "create-1", BODY, () -> answer(201));
    for (int i = 0; i < 500; i++) { // far past the bound, oldest first out
      small.run(mallory, "m-" + i, BODY, () -> answer(201));
    }
    int before = runs.get();
    small.run(bob, "create-1", BODY, () -> answer(201));
    assertEquals(before, runs.get(), "bob's retry is replayed, not run again");
  }

  @Test
  void aTenantSpreadingItsKeysOverManyTokensCountsAsOne() {
    Idempotency small = new Idempotency(Duration.ofHours(24), clock, 50);
    Idempotency.Owner bob =
        new Idempotency.Owner(true, Optional.of("tok_b"), Optional.of("b"), "b");
    small.run(bob, "create-1", BODY, () -> answer(201));
    for (int i = 0; i < 30_000; i++) { // one token per request, each holding one answer, as bob
      Idempotency.Owner token =
          new Idempotency.Owner(true, Optional.of("tok_m" + i), Optional.of("m"), "m" + i);
      small.run(token, "m", BODY, () -> answer(201));
    }
    int before = runs.get();
    small.run(bob, "create-1", BODY, () -> answer(201));
    assertEquals(before, runs.get(), "bob's retry is replayed, not run again");
  }
}
