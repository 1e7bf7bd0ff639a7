package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-endpoint slots: a webhook is excluded from claims exactly while all its slots are taken. */
class EndpointSlotsTest {

  private static Set<String> full(EndpointSlots slots) {
    Set<String> excluded = new HashSet<>();
    slots.addFull(excluded);
    return excluded;
  }

  @Test
  void aWebhookIsFullWhileAllItsSlotsAreTakenAndNotAfterOneIsGivenBack() {
    EndpointSlots slots = new EndpointSlots(2);
    AtomicInteger a = slots.tryTake("a");
    assertNotNull(a);
    assertNotNull(slots.tryTake("b"));
    assertEquals(Set.of(), full(slots), "one of two slots taken is not full");
    assertNotNull(slots.tryTake("a"));
    assertEquals(Set.of("a"), full(slots));
    assertNull(slots.tryTake("a"), "no third slot");
    assertEquals(2, a.get(), "a refused take takes nothing");

    a.decrementAndGet();
    assertEquals(Set.of(), full(slots), "one slot given back: claimable again");
    assertEquals(Set.of(), full(slots));
    assertNotNull(slots.tryTake("a"));
    assertEquals(Set.of("a"), full(slots), "full again once the slot is taken again");
  }

  @Test
  void forgottenWebhooksAreNoLongerFull() {
    EndpointSlots slots = new EndpointSlots(1);
    AtomicInteger gone = slots.tryTake("gone");
    assertNotNull(gone);
    slots.retainOnly(Set.of("kept"));
    assertEquals(Set.of("gone"), full(slots), "still held by an attempt: kept until it ends");
    gone.decrementAndGet();
    slots.retainOnly(Set.of("kept"));
    assertEquals(Set.of(), full(slots));
    assertNotNull(slots.tryTake("gone"), "a fresh counter if it comes back");
  }
}
