package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.UserEvents;
import dev.hookline.delivery.internal.access.DispatcherAccess;
import dev.hookline.delivery.internal.access.DispatcherAccess.State;
import dev.hookline.testing.LoopbackSink;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review r105: the lifecycle state Hookline's own modules read through {@link DispatcherAccess}
 * (the starter's health indicator), whoever started or closed the dispatcher; and (r141) its
 * registry and that registry's Store.
 */
class DispatcherStateTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void notStartedThenRunningThenClosed() {
    Harness h = new Harness();
    Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(1)).build();
    try {
      assertEquals(State.NOT_STARTED, DispatcherAccess.state(dispatcher));
      dispatcher.runDueNow(); // driven by its host: still not started
      assertEquals(State.NOT_STARTED, DispatcherAccess.state(dispatcher));
      dispatcher.start();
      assertEquals(State.RUNNING, DispatcherAccess.state(dispatcher));
    } finally {
      dispatcher.close();
    }
    assertEquals(State.CLOSED, DispatcherAccess.state(dispatcher));
  }

  /** Review r141: the starter makes its registry bean the one an own dispatcher is built over. */
  @Test
  void theRegistryIsTheOneTheDispatcherWasBuiltOverAndItsStoreTheRegistrys() {
    Harness h = new Harness();
    try (Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(1)).build()) {
      assertSame(h.registry, DispatcherAccess.registry(dispatcher));
      assertSame(h.store, DispatcherAccess.store(h.registry));
    }
  }

  @Test
  void aDispatcherClosedUnstartedIsClosed() {
    Dispatcher dispatcher = new Harness().dispatcher(Duration.ofSeconds(1)).build();
    dispatcher.close();
    assertEquals(State.CLOSED, DispatcherAccess.state(dispatcher));
  }

  @Test
  void closingWhileAnAttemptInFlightDrains() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AttemptObserver holding =
        request -> {
          entered.countDown();
          try {
            release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return AttemptObserver.Scope.none();
        };
    Harness h = new Harness();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      h.receiving(sink.uri("/hooks"), null, UserEvents.CREATED);
      Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(5))
              .clock(Clock.systemUTC())
              .attemptObserver(holding)
              .shutdownTimeout(WAIT)
              .build()
              .start();
      dispatcher.publish(h.event(UserEvents.CREATED));
      assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the attempt began");
      Thread closer = new Thread(dispatcher::close, "test-closer");
      closer.start();
      try {
        Harness.await(WAIT, () -> DispatcherAccess.state(dispatcher) != State.RUNNING);
        // close() waits for the attempt held in the observer: it cannot have returned.
        assertEquals(State.CLOSING, DispatcherAccess.state(dispatcher));
      } finally {
        release.countDown();
        closer.join(WAIT.toMillis());
      }
      assertEquals(State.CLOSED, DispatcherAccess.state(dispatcher));
    }
  }
}
