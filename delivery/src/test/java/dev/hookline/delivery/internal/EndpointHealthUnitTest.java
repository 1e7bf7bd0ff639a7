package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.hookline.delivery.internal.EndpointHealth.Permit;
import dev.hookline.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The breaker's state machine and the failure clock's Store traffic, one call at a time. */
class EndpointHealthUnitTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private static final Duration COOL_DOWN = Duration.ofMinutes(1);
  private static final Duration DISABLE_AFTER = Duration.ofDays(5);

  private final Store store = mock(Store.class);

  private EndpointHealth health() {
    when(store.markEndpointFailing(anyString(), any()))
        .thenAnswer(i -> i.getArgument(1, Instant.class));
    when(store.endpointFailingSince(anyString())).thenReturn(Optional.empty());
    return new EndpointHealth(store, 10, 4, 0.5, COOL_DOWN, DISABLE_AFTER);
  }

  @Test
  void theBreakerOpensOnlyWithTheMinimumOfRequestsAndTheFailureRate() {
    EndpointHealth h = health();
    h.onFailure("w", T0);
    h.onFailure("w", T0);
    h.onFailure("w", T0);
    assertFalse(h.isOpen("w"), "3 failures are below the minimum of 4 requests");
    h.onSuccess("w", T0);
    assertFalse(h.isOpen("w"), "a success never opens the breaker");
    // 3 failures + 1 success = 75 % failure over 4 requests would open it on the next failure.
    h.onFailure("w", T0);
    assertTrue(h.isOpen("w"), "4 of 5 failed");
    assertEquals(Set.of("w"), h.blocked(T0));
    assertEquals(Permit.DENIED, h.tryAcquire("w", T0.plusSeconds(59)));
    assertEquals(Set.of(), h.blocked(T0.plus(COOL_DOWN)), "cool-down over: a probe may go");
  }

  @Test
  void aHealthyEndpointNeverOpens() {
    EndpointHealth h = health();
    for (int i = 0; i < 100; i++) {
      if (i % 4 == 0) {
        h.onFailure("w", T0);
      } else {
        h.onSuccess("w", T0);
      }
      assertFalse(h.isOpen("w"), "a quarter failing stays under the 50 % rate, at " + i);
    }
    assertEquals(Permit.GRANTED, h.tryAcquire("w", T0));
  }

  @Test
  void exactlyOneProbeAfterTheCoolDownAndAnAbandonedProbeCanBeRetried() {
    EndpointHealth h = health();
    for (int i = 0; i < 4; i++) {
      h.onFailure("w", T0);
    }
    Instant later = T0.plus(COOL_DOWN);
    assertEquals(Permit.PROBE, h.tryAcquire("w", later));
    assertEquals(Permit.DENIED, h.tryAcquire("w", later), "one probe at a time");
    assertEquals(Set.of("w"), h.blocked(later), "claims skip it while the probe is out");

    h.abandon("w", Permit.PROBE); // the probe was never sent (cancelled, shutdown)
    assertEquals(Set.of(), h.blocked(later));
    assertEquals(Permit.PROBE, h.tryAcquire("w", later), "a new probe may go");

    h.onFailure("w", later);
    assertEquals(Permit.DENIED, h.tryAcquire("w", later.plusSeconds(59)), "open again");
    Instant afterSecondCoolDown = later.plus(COOL_DOWN);
    assertEquals(Permit.PROBE, h.tryAcquire("w", afterSecondCoolDown));
    h.onSuccess("w", afterSecondCoolDown);
    assertFalse(h.isOpen("w"));
    assertEquals(Permit.GRANTED, h.tryAcquire("w", afterSecondCoolDown));
    h.onFailure("w", afterSecondCoolDown);
    assertFalse(h.isOpen("w"), "closing starts a fresh window: one failure does not reopen it");
  }

  @Test
  void abandoningAnOrdinaryPermitChangesNothing() {
    EndpointHealth h = health();
    assertEquals(Permit.GRANTED, h.tryAcquire("w", T0));
    h.abandon("w", Permit.GRANTED);
    assertFalse(h.isOpen("w"));
    assertEquals(Set.of(), h.blocked(T0));
  }

  @Test
  void theStoreIsMarkedOnTheFirstFailureAndConsultedOnlyWhenTheClockIsDue() {
    EndpointHealth h = health();
    assertTrue(h.onFailure("w", T0).isEmpty());
    for (int i = 1; i < 50; i++) {
      assertTrue(h.onFailure("w", T0.plus(Duration.ofHours(i))).isEmpty());
    }
    verify(store, times(1)).markEndpointFailing("w", T0);
    verify(store, never()).endpointFailingSince("w");

    when(store.endpointFailingSince("w")).thenReturn(Optional.of(T0));
    Instant due = T0.plus(DISABLE_AFTER);
    assertEquals(Optional.of(T0), h.onFailure("w", due));
    assertTrue(h.onFailure("w", due.plusSeconds(1)).isEmpty(), "reported once");
    h.disableFailed("w");
    assertEquals(Optional.of(T0), h.onFailure("w", due.plusSeconds(2)), "reported again");
  }

  @Test
  void aClockStoppedElsewhereIsRestartedInsteadOfDisabling() {
    EndpointHealth h = health();
    h.onFailure("w", T0);
    h.onFailure("w", T0.plus(Duration.ofHours(1))); // an hour of failure: marked from T0
    verify(store).markEndpointFailing("w", T0);
    Instant due = T0.plus(DISABLE_AFTER);
    // Another instance saw a success and cleared the Store's clock.
    when(store.endpointFailingSince("w")).thenReturn(Optional.empty());
    assertTrue(h.onFailure("w", due).isEmpty());
    verify(store).markEndpointFailing("w", due);
    assertTrue(h.onFailure("w", due.plus(Duration.ofDays(1))).isEmpty(), "a new clock from due");
  }

  @Test
  void aFlappingEndpointCostsNoStoreWrites() {
    EndpointHealth h = health();
    Instant t = T0;
    for (int i = 0; i < 1000; i++) {
      t = t.plusMillis(100); // 10 attempts a second, every tenth one failing
      if (i % 10 == 0) {
        h.onFailure("w", t);
      } else {
        h.onSuccess("w", t);
      }
    }
    verify(store, never()).markEndpointFailing(anyString(), any());
    verify(store, never()).endpointFailingSince(anyString());
    verify(store, times(1)).clearEndpointFailing("w"); // the first success; then hourly at most
  }

  @Test
  void successesClearTheStoreOnceAndThenAtMostHourly() {
    EndpointHealth h = health();
    h.onSuccess("w", T0);
    h.onSuccess("w", T0.plusSeconds(10));
    h.onSuccess("w", T0.plus(Duration.ofMinutes(59)));
    verify(store, times(1)).clearEndpointFailing("w");
    h.onSuccess("w", T0.plus(Duration.ofHours(1)));
    verify(store, times(2)).clearEndpointFailing("w");
    h.onFailure("w", T0.plus(Duration.ofHours(2)));
    h.onSuccess("w", T0.plus(Duration.ofHours(2)).plusSeconds(1));
    verify(store, times(3)).clearEndpointFailing("w");
  }

  @Test
  void storeErrorsNeverEscapeAndAreRetriedOnTheNextAttempt() {
    EndpointHealth h = health();
    when(store.markEndpointFailing(anyString(), any()))
        .thenThrow(new IllegalStateException("database down"))
        .thenAnswer(i -> i.getArgument(1, Instant.class));
    Instant hour = T0.plus(Duration.ofHours(1));
    assertTrue(h.onFailure("w", T0).isEmpty());
    assertTrue(h.onFailure("w", hour).isEmpty(), "the mark fails: no exception");
    assertTrue(h.onFailure("w", hour.plusSeconds(1)).isEmpty());
    verify(store, times(2)).markEndpointFailing("w", T0);

    org.mockito.Mockito.doThrow(new IllegalStateException("database down"))
        .doNothing()
        .when(store)
        .clearEndpointFailing("w");
    h.onSuccess("w", hour.plusSeconds(2)); // the clear fails...
    h.onSuccess("w", hour.plusSeconds(3)); // ...and is retried
    verify(store, times(2)).clearEndpointFailing("w");
  }

  @Test
  void aClearThatFailedIsDoneBeforeTheNextMark() {
    EndpointHealth h = health();
    Instant hour = T0.plus(Duration.ofHours(1));
    h.onFailure("w", T0);
    h.onFailure("w", hour); // marked from T0
    org.mockito.Mockito.doThrow(new IllegalStateException("database down"))
        .doNothing()
        .when(store)
        .clearEndpointFailing("w");
    h.onSuccess("w", hour.plusSeconds(1)); // recovered, but the clear fails
    Instant later = hour.plus(Duration.ofMinutes(10));
    h.onFailure("w", later);
    h.onFailure("w", later.plus(Duration.ofHours(1))); // a new run, long enough to mark
    org.mockito.InOrder order = org.mockito.Mockito.inOrder(store);
    order.verify(store).markEndpointFailing("w", T0);
    order.verify(store, times(2)).clearEndpointFailing("w");
    order.verify(store).markEndpointFailing("w", later);
  }
}
