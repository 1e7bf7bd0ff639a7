package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.filter.SubscriptionIndex;
import dev.hookline.spi.Store;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A publish on a running dispatcher claims the deliveries it can send as it enqueues them (the
 * hand-off): it reserves workers, writes, then hands the claimed deliveries to the claim loop. A
 * close() that begins anywhere in between must leave nothing this instance claimed under a lease it
 * will not honour, must not return before what it hands back is written (the host closes the Store
 * next), and must not keep a worker reserved for good.
 */
class HandoffCloseRaceReviewTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private final Harness h = new Harness();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  private final AtomicInteger claims = new AtomicInteger();
  private final List<Delivery> handedOff = new CopyOnWriteArrayList<>();

  /** Set once the test's close() returned: a Store call after it is the host's Store closed. */
  private volatile boolean closeReturned;

  private final List<String> callsAfterClose = new CopyOnWriteArrayList<>();

  private volatile boolean holdHandoffWrite;
  private final CountDownLatch handoffWriteEntered = new CountDownLatch(1);
  private final CountDownLatch handoffWriteGo = new CountDownLatch(1);
  private volatile @Nullable Throwable failHandoffWrite;

  private volatile boolean holdRelease;
  private final CountDownLatch releaseEntered = new CountDownLatch(1);
  private final CountDownLatch releaseGo = new CountDownLatch(1);

  private volatile boolean holdFindWebhook;
  private final CountDownLatch findWebhookEntered = new CountDownLatch(1);
  private final CountDownLatch findWebhookGo = new CountDownLatch(1);

  private final Store store =
      StoreSpy.around(
          h.store,
          (method, args) -> {
            if (closeReturned && !method.equals("findDelivery")) {
              callsAfterClose.add(method);
            }
            switch (method) {
              case "claim" -> claims.incrementAndGet();
              case "enqueueClaiming" -> {
                if (!((Set<?>) args[1]).isEmpty()) {
                  for (Object d : (List<?>) args[0]) {
                    handedOff.add((Delivery) d);
                  }
                  if (holdHandoffWrite) {
                    handoffWriteEntered.countDown();
                    await(handoffWriteGo);
                  }
                  Throwable fail = failHandoffWrite;
                  if (fail != null) {
                    throw fail;
                  }
                }
              }
              case "release" -> {
                if (holdRelease) {
                  releaseEntered.countDown();
                  await(releaseGo);
                }
              }
              case "findWebhook" -> {
                if (holdFindWebhook) {
                  findWebhookEntered.countDown();
                  await(findWebhookGo);
                }
              }
              default -> {}
            }
          });

  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(store)
          .clock(h.clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  @AfterEach
  void stopCallers() throws InterruptedException {
    callers.shutdownNow();
    assertTrue(callers.awaitTermination(10, TimeUnit.SECONDS));
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    if (!latch.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
      throw new AssertionError("the test never let this Store call go on");
    }
  }

  private Webhook receiving(WebhookRegistry on, String uri) {
    Webhook w =
        on.create(
            WebhookDefinition.builder()
                .name("handoff " + uri)
                .uri(uri)
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(on, w.id());
    return on.enable(w.id());
  }

  private Dispatcher.Builder dispatcher() {
    return Dispatcher.builder()
        .registry(registry)
        .clock(h.clock)
        .jitter(() -> 0.5)
        .workers(2)
        .pollInterval(Duration.ofHours(1)) // only the poll at start claims by itself
        .shutdownTimeout(Duration.ofSeconds(30)); // never what ends a wait here
  }

  /** Starts it and waits for the poll at start: both lanes found empty, publishes hand off. */
  private Dispatcher started(Dispatcher d) {
    d.start();
    Harness.await(BOUND, () -> claims.get() >= 2);
    return d;
  }

  /**
   * Whether close() has stopped claiming: start() throws once close() holds past its first step.
   */
  private static boolean closing(Dispatcher d) {
    try {
      d.start();
      return false;
    } catch (IllegalStateException closed) {
      return true;
    }
  }

  private static int busy(Dispatcher d) {
    String s = d.toString();
    return Integer.parseInt(s.substring(s.indexOf("busy=") + 5, s.length() - 1));
  }

  /** Closes on another thread, and reads the delivery's state as close() returns. */
  private CompletableFuture<DeliveryState> closeAsync(Dispatcher d, AtomicReference<String> id) {
    return CompletableFuture.supplyAsync(
        () -> {
          d.close();
          DeliveryState state =
              id.get() == null
                  ? null
                  : h.store.findDelivery(id.get()).map(Delivery::state).orElse(null);
          closeReturned = true;
          return state;
        },
        callers);
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  /**
   * The publish reserved a worker and is writing its claim when close() begins: its delivery is
   * handed back (due at once, nothing sent), and close() returns only once that is written. It
   * returned as soon as the worker was given back, before the hand-back reached the Store; a host
   * that closes its DataSource next then left the delivery in flight, claimed by nobody, for its
   * whole lease.
   */
  @Test
  void closeDuringTheHandoffWriteReturnsOnlyOnceTheDeliveryIsHandedBack() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      receiving(registry, sink.uri("/close-during-write"));
      Dispatcher d = started(dispatcher().build());
      holdHandoffWrite = true;
      holdRelease = true;
      Event e = h.event(UserEvents.CREATED);
      CompletableFuture<PublishResult> publish =
          CompletableFuture.supplyAsync(() -> d.publish(e), callers);
      await(handoffWriteEntered);
      AtomicReference<String> id = new AtomicReference<>(handedOff.get(0).id());
      CompletableFuture<DeliveryState> close = closeAsync(d, id);
      Harness.await(BOUND, () -> closing(d));
      handoffWriteGo.countDown();
      await(releaseEntered); // handed back, not sent
      // Either close() returns (it did not wait for the hand-back) or it still counts the delivery
      // as held; only then does the hand-back reach the Store.
      Harness.await(BOUND, () -> close.isDone() || busy(d) > 0);
      releaseGo.countDown();

      assertEquals(
          DeliveryState.PENDING,
          get(close),
          "handed back before close() returned, not left in flight under its lease");
      assertEquals(1, get(publish).count(), "the publish was written and succeeds");
      Delivery after = h.store.findDelivery(id.get()).orElseThrow();
      assertEquals(DeliveryState.PENDING, after.state(), after.toString());
      assertEquals(h.clock.instant(), after.nextAttemptAt().orElseThrow(), "due at once");
      assertEquals(Map.of(), sink.counts(), "nothing sent by a closing dispatcher");
      assertEquals(0, busy(d), d.toString());
      assertEquals(List.of(), callsAfterClose);
    }
  }

  /**
   * The publish looks up a webhook its view does not know yet (as during a reload) while close()
   * runs from start to end. It then claims nothing: what it claimed after close() returned, it
   * wrote and handed back after it, on a Store the host may have closed by then.
   */
  @Test
  void aPublishThatChoosesAfterCloseReturnedClaimsNothing() throws Exception {
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    try (LoopbackSink sink = LoopbackSink.recording()) {
      Dispatcher d = started(dispatcher().subscriptionIndex(index).build());
      // Made by another instance; this one's index has it, its view not yet.
      Webhook w = receiving(h.registry, sink.uri("/chosen-after-close"));
      index.put(w);
      holdFindWebhook = true;
      Event e = h.event(UserEvents.CREATED);
      CompletableFuture<PublishResult> publish =
          CompletableFuture.supplyAsync(() -> d.publish(e), callers);
      await(findWebhookEntered);
      get(closeAsync(d, new AtomicReference<>()));
      findWebhookGo.countDown();

      assertEquals(1, get(publish).count(), "the publish began before close() and is written");
      assertEquals(List.of(), handedOff, "nothing claimed on enqueue by a closed dispatcher");
      assertEquals(DeliveryState.PENDING, h.only(e.id()).state());
      assertEquals(0, busy(d), d.toString());
      assertEquals(Map.of(), sink.counts());
    }
  }

  /**
   * The hand-off's Store write fails while close() waits for it: the reserved worker is given back,
   * so close() returns at once rather than after its whole timeout, and the publish fails with the
   * Store's error, nothing enqueued.
   */
  @Test
  void aHandoffWriteThatFailsDuringCloseGivesItsWorkerBack() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      receiving(registry, sink.uri("/write-fails"));
      Dispatcher d = started(dispatcher().build());
      holdHandoffWrite = true;
      IllegalStateException lost = new IllegalStateException("connection lost (simulated)");
      failHandoffWrite = lost;
      Event e = h.event(UserEvents.CREATED);
      CompletableFuture<PublishResult> publish =
          CompletableFuture.supplyAsync(() -> d.publish(e), callers);
      await(handoffWriteEntered);
      CompletableFuture<DeliveryState> close = closeAsync(d, new AtomicReference<>());
      Harness.await(BOUND, () -> closing(d));
      handoffWriteGo.countDown();

      ExecutionException thrown = assertThrows(ExecutionException.class, () -> get(publish));
      assertSame(lost, thrown.getCause());
      get(close); // within the bound, not the 30 s shutdown timeout
      assertEquals(0, busy(d), d.toString());
      assertTrue(h.store.findDeliveries(DeliveryQuery.builder().build()).isEmpty());
      assertEquals(Map.of(), sink.counts());
    }
  }

  /**
   * A Store whose hand-off write throws an Error (a LinkageError from a driver of another version)
   * must not keep the reserved worker: with one worker, that dispatcher never claimed again.
   */
  @Test
  void aHandoffWriteThatThrowsAnErrorGivesItsWorkerBack() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      receiving(registry, sink.uri("/write-error"));
      try (Dispatcher d = started(dispatcher().workers(1).build())) {
        LinkageError broken = new LinkageError("a Store built against another version (simulated)");
        failHandoffWrite = broken;
        Event first = h.event(UserEvents.CREATED);
        assertSame(broken, assertThrows(LinkageError.class, () -> d.publish(first)));
        assertEquals(0, busy(d), d.toString());

        failHandoffWrite = null;
        Event second = h.event(UserEvents.CREATED);
        d.publish(second);
        Harness.await(BOUND, () -> sink.counts().containsKey(second.id()));
        assertEquals(Map.of(second.id(), 1), sink.counts());
      }
    }
  }

  /**
   * The hand-off's attempt reaches the worker executor as close() begins: it is sent, and close()
   * waits for its outcome to be recorded.
   */
  @Test
  void anAttemptHandedToTheExecutorAsCloseBeginsIsSentBeforeCloseReturns() throws Exception {
    CountDownLatch executeEntered = new CountDownLatch(1);
    CountDownLatch execute = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (LoopbackSink sink = LoopbackSink.recording()) {
      receiving(registry, sink.uri("/sent"));
      Dispatcher d =
          started(
              dispatcher()
                  .workerExecutor(
                      task -> {
                        if (executeEntered.getCount() > 0) {
                          executeEntered.countDown();
                          try {
                            await(execute);
                          } catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                          }
                        }
                        pool.execute(task);
                      })
                  .build());
      Event e = h.event(UserEvents.CREATED);
      CompletableFuture<PublishResult> publish =
          CompletableFuture.supplyAsync(() -> d.publish(e), callers);
      await(executeEntered);
      AtomicReference<String> id = new AtomicReference<>(handedOff.get(0).id());
      CompletableFuture<DeliveryState> close = closeAsync(d, id);
      Harness.await(BOUND, () -> closing(d));
      execute.countDown();

      assertEquals(DeliveryState.SUCCEEDED, get(close), "close() waited for the attempt");
      assertEquals(1, get(publish).count());
      assertEquals(Map.of(e.id(), 1), sink.counts());
      assertEquals(0, busy(d), d.toString());
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  /**
   * The worker executor refuses the hand-off's attempt (a caller's executor shutting down) as
   * close() begins: the delivery is handed back due at once, for the next instance to send; the
   * short delay after a refusal keeps a running dispatcher from claiming it straight back into the
   * same refusal, and a closing one claims nothing again.
   */
  @Test
  void anAttemptRefusedAsCloseBeginsIsHandedBackDueAtOnce() throws Exception {
    CountDownLatch executeEntered = new CountDownLatch(1);
    CountDownLatch refuse = new CountDownLatch(1);
    try (LoopbackSink sink = LoopbackSink.recording()) {
      receiving(registry, sink.uri("/refused"));
      Dispatcher d =
          started(
              dispatcher()
                  .workerExecutor(
                      task -> {
                        executeEntered.countDown();
                        try {
                          await(refuse);
                        } catch (InterruptedException ex) {
                          Thread.currentThread().interrupt();
                        }
                        throw new RejectedExecutionException("executor shut down (simulated)");
                      })
                  .build());
      Event e = h.event(UserEvents.CREATED);
      CompletableFuture<PublishResult> publish =
          CompletableFuture.supplyAsync(() -> d.publish(e), callers);
      await(executeEntered);
      AtomicReference<String> id = new AtomicReference<>(handedOff.get(0).id());
      CompletableFuture<DeliveryState> close = closeAsync(d, id);
      Harness.await(BOUND, () -> closing(d));
      refuse.countDown();

      assertEquals(DeliveryState.PENDING, get(close));
      assertEquals(1, get(publish).count());
      Delivery after = h.store.findDelivery(id.get()).orElseThrow();
      assertEquals(h.clock.instant(), after.nextAttemptAt().orElseThrow(), "due at once");
      assertEquals(0, busy(d), d.toString());
      assertEquals(Map.of(), sink.counts());
    }
  }
}
