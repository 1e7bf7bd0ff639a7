package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.delivery.internal.EndpointSlots.Admission;
import dev.hookline.delivery.internal.EndpointSlots.Exchange;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Per-endpoint slots and queues: a webhook runs at most its limit at once, holds at most its queue
 * limit waiting, passes a freed slot to the head of its queue, and is excluded from claims exactly
 * while it can take nothing more.
 */
class EndpointSlotsTest {

  private static Set<String> full(EndpointSlots<String> slots) {
    Set<String> excluded = new HashSet<>();
    slots.addFull(excluded);
    return excluded;
  }

  @Test
  void slotsThenQueueThenFullAndAFreedSlotGoesToTheQueuesHead() {
    EndpointSlots<String> slots = new EndpointSlots<>(2, 2, Integer.MAX_VALUE);
    slots.refillInBatches(true); // as the claim loop sets it while one webhook's backlog leads
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    assertEquals(Admission.RUN, a.admit("a1"));
    assertEquals(Admission.RUN, slots.endpoint("b", null).admit("b1"));
    assertEquals(Admission.RUN, a.admit("a2"));
    assertEquals(Set.of(), full(slots), "slots taken but the queue has room: still claimable");
    assertEquals(Admission.QUEUED, a.admit("a3"));
    assertEquals(
        Set.of("a"),
        full(slots),
        "room for less than half its slots and queue: left out of claims, which would bring back"
            + " more than it takes");
    assertEquals(Admission.QUEUED, a.admit("a4"), "but it still takes what comes");
    assertEquals(Set.of("a"), full(slots));
    assertEquals(Admission.FULL, a.admit("a5"), "queue full: refused");
    assertEquals(3, slots.taken());
    assertEquals(2, slots.queued());

    assertEquals("a3", a.free(), "the slot passes to the first waiting, in order");
    assertEquals(3, slots.taken(), "passed on, not freed");
    assertEquals(1, slots.queued());
    assertEquals(Set.of("a"), full(slots), "one place free: still left out");
    assertEquals("a4", a.free());
    assertEquals(Set.of(), full(slots), "room for half its slots and queue again");
    assertNull(a.free(), "nothing waits: the slot is freed");
    assertEquals(2, slots.taken());
    assertEquals(0, slots.queued());
    assertEquals(Admission.RUN, a.admit("a6"), "a freed slot is taken at once");
  }

  @Test
  void anEndpointWhoseLastExchangesWentUnansweredHandsBackItsQueueAndQueuesNothing() {
    EndpointSlots<String> slots = new EndpointSlots<>(2, 4, Integer.MAX_VALUE);
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    assertEquals(Admission.RUN, a.admit("a1"));
    assertEquals(Admission.RUN, a.admit("a2"));
    assertEquals(Admission.QUEUED, a.admit("a3"));
    assertEquals(Admission.QUEUED, a.admit("a4"));
    assertEquals(Admission.QUEUED, a.admit("a5"));

    assertEquals(List.of(), a.ended(Exchange.UNANSWERED), "one of the last two: not yet");
    assertEquals("a3", a.free());
    assertEquals(
        List.of("a4", "a5"), a.ended(Exchange.UNANSWERED), "the last two unanswered: handed back");
    assertEquals(0, slots.queued());
    assertNull(a.free(), "nothing waits: the slot is freed");
    assertEquals(1, slots.taken());
    assertEquals(Set.of("a"), full(slots), "left out of claims while an attempt runs");
    assertEquals(1, a.room(), "its free slots only");
    assertEquals(Admission.RUN, a.admit("a6"), "a free slot is still taken");
    assertEquals(Admission.FULL, a.admit("a7"), "but nothing queues behind the slots");

    assertEquals(List.of(), a.ended(Exchange.UNANSWERED));
    assertNull(a.free());
    assertEquals(List.of(), a.ended(Exchange.UNANSWERED));
    assertNull(a.free());
    assertEquals(Set.of(), full(slots), "nothing runs: claims may bring it its slots' worth");

    assertEquals(Admission.RUN, a.admit("a8"));
    assertEquals(Admission.RUN, a.admit("a9"));
    assertEquals(List.of(), a.ended(Exchange.ANSWERED), "one answer, of any status, ends it");
    assertEquals("a10", queueAndFree(a, "a10"));
    assertEquals(Admission.QUEUED, a.admit("a11"), "it queues again");
  }

  private static String queueAndFree(EndpointSlots<String>.Endpoint e, String item) {
    assertEquals(Admission.QUEUED, e.admit(item));
    return e.free();
  }

  @Test
  void withoutAQueueAWebhookIsFullWhileAllItsSlotsAreTaken() {
    EndpointSlots<String> slots = new EndpointSlots<>(1, 0, Integer.MAX_VALUE);
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    assertEquals(Admission.RUN, a.admit("a1"));
    assertEquals(Set.of("a"), full(slots));
    assertEquals(Admission.FULL, a.admit("a2"));
    assertNull(a.free());
    assertEquals(Set.of(), full(slots));
  }

  @Test
  void drainingTheQueuesReturnsEveryWaitingDelivery() {
    EndpointSlots<String> slots = new EndpointSlots<>(1, 3, Integer.MAX_VALUE);
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    a.admit("a1");
    a.admit("a2");
    a.admit("a3");
    slots.endpoint("b", null).admit("b1");
    slots.endpoint("b", null).admit("b2");
    List<String> drained = slots.drainQueues();
    assertEquals(Set.of("a2", "a3", "b2"), new HashSet<>(drained));
    assertEquals(0, slots.queued());
    assertNull(a.free(), "the running attempt's slot is freed, nothing waits");
  }

  @Test
  void forgottenWebhooksAreDroppedOnlyOnceNoAttemptHoldsThem() {
    EndpointSlots<String> slots = new EndpointSlots<>(1, 1, Integer.MAX_VALUE);
    EndpointSlots<String>.Endpoint gone = slots.endpoint("gone", null);
    gone.admit("g1");
    gone.admit("g2");
    slots.retainOnly(Set.of("kept"));
    assertEquals(Set.of("gone"), full(slots), "still held by an attempt: kept until it ends");
    assertEquals("g2", gone.free());
    assertNull(gone.free());
    slots.retainOnly(Set.of("kept"));
    assertEquals(Set.of(), full(slots));
    assertTrue(slots.endpoint("gone", null) != gone, "a fresh endpoint if it comes back");
  }

  @Test
  void refusesLimitsOutOfRange() {
    assertThrows(
        IllegalArgumentException.class, () -> new EndpointSlots<String>(0, 1, Integer.MAX_VALUE));
    assertThrows(
        IllegalArgumentException.class, () -> new EndpointSlots<String>(1, -1, Integer.MAX_VALUE));
  }

  @Test
  void aTenantsEndpointsHoldNoMoreThanTheTenantLimitTogether() {
    EndpointSlots<String> slots = new EndpointSlots<>(2, 2, 5);
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", "acme");
    EndpointSlots<String>.Endpoint b = slots.endpoint("b", "acme");
    EndpointSlots<String>.Endpoint host = slots.endpoint("host", null);
    EndpointSlots<String>.Endpoint other = slots.endpoint("other", "globex");
    assertEquals(Admission.RUN, a.admit("a1"));
    assertEquals(Admission.RUN, a.admit("a2"));
    assertEquals(Admission.QUEUED, a.admit("a3"));
    assertEquals(Admission.RUN, b.admit("b1"));
    assertEquals(1, b.room(), "b's own room is 3, but acme has 1 left of 5");
    assertEquals(Admission.RUN, b.admit("b2"));
    assertEquals(5, slots.heldByTenant("acme"));
    assertEquals(0, b.room());
    assertEquals(Admission.FULL, b.admit("b3"), "acme holds its limit");
    assertEquals(Admission.FULL, a.admit("a4"));
    assertEquals(Set.of("a", "b"), full(slots), "both are excluded from claims");
    // Other tenants and the host's own webhooks are not held back by acme.
    for (int i = 0; i < 4; i++) {
      assertEquals(i < 2 ? Admission.RUN : Admission.QUEUED, host.admit("h" + i));
      assertEquals(i < 2 ? Admission.RUN : Admission.QUEUED, other.admit("o" + i));
    }
    // A delivery that leaves gives acme's share back; a queued one taking over a slot does not.
    assertEquals("a3", a.free());
    assertEquals(4, slots.heldByTenant("acme"));
    assertEquals(Admission.QUEUED, b.admit("b3"));
    assertEquals(5, slots.heldByTenant("acme"));
    // Draining the queues (shutdown) gives their shares back too.
    assertEquals(Set.of("b3", "h2", "h3", "o2", "o3"), Set.copyOf(slots.drainQueues()));
    assertEquals(4, slots.heldByTenant("acme"));
    for (EndpointSlots<String>.Endpoint e : List.of(a, a, b, b)) {
      assertEquals(null, e.free());
    }
    assertEquals(0, slots.heldByTenant("acme"));
    assertEquals(Set.of(), full(slots), "room again: no longer excluded");
    assertEquals(Admission.RUN, b.admit("b4"));
  }

  /**
   * Many threads admit and free at once: never more than the limit run, nothing is lost or run
   * twice, and at the end nothing is taken or waiting.
   */
  @Test
  void concurrentAdmitsAndFreesKeepTheLimitAndLoseNothing() throws Exception {
    int limit = 3;
    EndpointSlots<Integer> slots = new EndpointSlots<>(limit, 5, Integer.MAX_VALUE);
    EndpointSlots<Integer>.Endpoint e = slots.endpoint("w", null);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Integer> refused = new ConcurrentLinkedQueue<>();
    int threads = 4;
    int perThread = 5_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * perThread;
      Thread th =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException ex) {
                  return;
                }
                for (int i = 0; i < perThread; i++) {
                  Integer item = base + i;
                  switch (e.admit(item)) {
                    case RUN -> {
                      Integer current = item;
                      while (current != null) {
                        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                        ran.add(current);
                        running.decrementAndGet();
                        current = e.free();
                      }
                    }
                    case QUEUED -> {
                      // run by whichever thread frees a slot next
                    }
                    case FULL -> refused.add(item);
                    case RETIRED -> throw new AssertionError("nothing forgets this endpoint");
                  }
                }
              });
      all.add(th);
      th.start();
    }
    go.countDown();
    for (Thread th : all) {
      th.join();
    }
    assertTrue(maxRunning.get() <= limit, "ran at most the limit at once: " + maxRunning.get());
    assertEquals(threads * perThread, ran.size() + refused.size(), "every item ran or was refused");
    assertEquals(ran.size(), new HashSet<>(ran).size(), "none ran twice");
    assertEquals(0, slots.taken());
    assertEquals(0, slots.queued());
  }

  @Test
  void anEndpointForgottenByAReloadBetweenItsLookupAndAnAdmitTakesNothing() {
    EndpointSlots<String> slots = new EndpointSlots<>(1, 0, Integer.MAX_VALUE);
    // A claim round looks the endpoint up (idle)...
    EndpointSlots<String>.Endpoint looked = slots.endpoint("a", null);
    // ...a reload whose snapshot lacks the webhook forgets it...
    slots.retainOnly(Set.of());
    // ...and the round admits to what it looked up, while the next round gets a fresh endpoint.
    Admission first = looked.admit("a1");
    Admission second = slots.endpoint("a", null).admit("a2");
    int running = (first == Admission.RUN ? 1 : 0) + (second == Admission.RUN ? 1 : 0);
    assertTrue(running <= 1, "two attempts at once with a limit of 1: " + first + ", " + second);
    assertEquals(1, slots.taken());
  }

  private static final long MS = 1_000_000L;

  /** Limit 2, queue 4, at most 16 for a fast endpoint, a drain budget of 100 ms. */
  private static EndpointSlots<String> deepening() {
    return new EndpointSlots<>(2, 4, 16, 100 * MS, Integer.MAX_VALUE);
  }

  @Test
  void aFastEndpointsQueueDeepensAndItsRoomCountsInTheTotal() {
    EndpointSlots<String> slots = deepening();
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    EndpointSlots<String>.Endpoint b = slots.endpoint("b", null);
    assertEquals(4, a.depth());
    assertEquals(6, a.room());
    a.served(20 * MS, Exchange.ANSWERED); // 2 slots drain 10 in 100 ms at 20 ms each
    assertEquals(10, a.depth());
    assertEquals(6, slots.deepened());
    assertEquals(12, a.room());
    a.served(
        MS / 10, Exchange.ANSWERED); // far faster: the mean moves an eighth of the way (to 17.5 ms)
    assertEquals(10, a.depth(), "a quicker attempt deepens it only gradually");
    for (int i = 0; i < 30; i++) {
      a.served(MS / 10, Exchange.ANSWERED);
    }
    assertEquals(16, a.depth(), "no deeper than deepQueueLimit");
    assertEquals(12, slots.deepened());
    assertEquals(4, b.depth(), "one endpoint's pace is its own");

    for (int i = 0; i < 18; i++) {
      assertEquals(i < 2 ? Admission.RUN : Admission.QUEUED, a.admit("a" + i));
    }
    assertEquals(Admission.FULL, a.admit("a18"), "slots and the deeper queue full");
    assertEquals(16, slots.queued());
  }

  @Test
  void anEndpointThatSlowsDownLosesItsDepthWithinAFewAttempts() {
    EndpointSlots<String> slots = deepening();
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    a.served(MS / 10, Exchange.ANSWERED);
    assertEquals(16, a.depth());
    int attempts = 0;
    while (a.depth() > 4) {
      a.served(500 * MS, Exchange.ANSWERED); // the endpoint now takes half a second
      attempts++;
    }
    assertTrue(attempts <= 4, "shallow again after " + attempts + " slow attempts");
    assertEquals(0, slots.deepened());
    // One quick answer after that moves the mean an eighth of the way: no deeper at once.
    a.served(MS / 10, Exchange.ANSWERED);
    assertEquals(4, a.depth());
  }

  @Test
  void aQueueThatGotShallowerTakesNothingMoreUntilItDrainsBelowItsDepth() {
    EndpointSlots<String> slots = deepening();
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    a.served(MS, Exchange.ANSWERED);
    for (int i = 0; i < 18; i++) {
      a.admit("a" + i);
    }
    assertEquals(16, a.waiting());
    a.served(10_000 * MS, Exchange.ANSWERED); // an attempt that took ten seconds
    assertEquals(4, a.depth());
    assertEquals(Admission.FULL, a.admit("late"), "16 waiting behind a queue of 4 now");
    assertEquals(0, a.room());
    assertEquals(Set.of("a"), full(slots));
    assertEquals(16, slots.queued(), "what waits stays (handed back only once too old to send)");
  }

  @Test
  void aTenantsFastEndpointHoldsAtMostHalfItsTenantsShare() {
    EndpointSlots<String> slots = new EndpointSlots<>(2, 4, 16, 100 * MS, 20);
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", "acme");
    EndpointSlots<String>.Endpoint host = slots.endpoint("h", null);
    a.served(MS, Exchange.ANSWERED);
    host.served(MS, Exchange.ANSWERED);
    assertEquals(8, a.depth(), "2 slots and 8 waiting: half the tenant's 20");
    assertEquals(16, host.depth(), "the host's own webhook has no tenant share to keep");
    for (int i = 0; i < 10; i++) {
      assertTrue(a.admit("a" + i) != Admission.FULL);
    }
    assertEquals(Admission.FULL, a.admit("a10"));
    assertEquals(10, slots.heldByTenant("acme"));
    EndpointSlots<String>.Endpoint b = slots.endpoint("b", "acme");
    assertEquals(Admission.RUN, b.admit("b0"), "the tenant's other endpoint still has room");
  }

  @Test
  void aRetiredEndpointGivesBackItsDeepenedRoom() {
    EndpointSlots<String> slots = deepening();
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    a.served(MS, Exchange.ANSWERED);
    assertEquals(12, slots.deepened());
    slots.retainOnly(Set.of());
    assertEquals(0, slots.deepened());
    a.served(MS, Exchange.ANSWERED);
    assertEquals(0, slots.deepened(), "a retired endpoint deepens no more");
  }

  @Test
  void withoutADeeperLimitQueuesKeepTheirDepth() {
    EndpointSlots<String> slots = new EndpointSlots<>(2, 4, Integer.MAX_VALUE);
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    a.served(1, Exchange.ANSWERED);
    assertEquals(4, a.depth());
    assertEquals(0, slots.deepened());
    assertThrows(
        IllegalArgumentException.class, () -> new EndpointSlots<>(2, 4, 3, MS, Integer.MAX_VALUE));
  }

  @Test
  void anEndpointThatRefusesFastDoesNotDeepen() {
    EndpointSlots<String> slots = deepening();
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    // Connections refused in a tenth of a millisecond: fast, but nothing was delivered. Counted, it
    // deepened the queue of an endpoint that queues nothing, and that room counted in the total.
    for (int i = 0; i < 3; i++) {
      a.served(MS / 10, Exchange.UNANSWERED);
      a.ended(Exchange.UNANSWERED);
    }
    assertEquals(4, a.depth());
    assertEquals(0, slots.deepened());
    // Timeouts still count: an endpoint that answered fast and then times out gets shallower.
    EndpointSlots<String>.Endpoint b = slots.endpoint("b", null);
    b.served(MS / 10, Exchange.ANSWERED);
    b.ended(Exchange.ANSWERED);
    assertEquals(16, b.depth());
    b.served(10_000 * MS, Exchange.UNANSWERED);
    b.ended(Exchange.UNANSWERED);
    assertEquals(4, b.depth(), "a ten-second timeout slows the mean as a slow answer does");
    assertEquals(0, slots.deepened());
  }

  @Test
  void anEndpointThatStopsAnsweringGivesBackItsDeepenedRoom() {
    EndpointSlots<String> slots = deepening();
    EndpointSlots<String>.Endpoint a = slots.endpoint("a", null);
    a.served(MS / 10, Exchange.ANSWERED);
    a.ended(Exchange.ANSWERED);
    assertEquals(12, slots.deepened());
    // Two refusals in a row (its limit): unanswered, it queues nothing, so its deeper queue is no
    // room the claims may count on.
    for (int i = 0; i < 2; i++) {
      a.served(MS / 10, Exchange.UNANSWERED);
      a.ended(Exchange.UNANSWERED);
    }
    assertEquals(2, a.room());
    assertEquals(0, slots.deepened(), "an unanswered endpoint's depth is no room");
    // It answers again, as fast as before: deep again from the answer after.
    a.served(MS / 10, Exchange.ANSWERED);
    a.ended(Exchange.ANSWERED);
    a.served(MS / 10, Exchange.ANSWERED);
    a.ended(Exchange.ANSWERED);
    assertEquals(16, a.depth());
    assertEquals(12, slots.deepened());
  }
}
