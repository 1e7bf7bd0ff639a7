package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The circuit breaker policy value and a caller-owned worker executor. */
class DispatcherPoliciesTest {
  private static WireMockServer server;

  @BeforeAll
  static void startServer() {
    server = Harness.wireMock();
    server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(204)));
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @Test
  void theDefaultBreakerPolicyIsTwentyTenHalfAMinute() {
    CircuitBreakerPolicy p = CircuitBreakerPolicy.defaults();
    assertEquals(20, p.window());
    assertEquals(10, p.minimumAttempts());
    assertEquals(0.5, p.failureRate());
    assertEquals(Duration.ofMinutes(1), p.coolDown());
    assertEquals(p, p.toBuilder().build());
    assertFalse(p.equals(p.toBuilder().window(21).build()));
  }

  @Test
  void eachOutOfRangeBreakerSettingIsNamedWithItsRange() {
    assertMessage("window is 0; it must be 1 to 10000", CircuitBreakerPolicy.builder().window(0));
    assertMessage(
        "minimumAttempts is 30; it must be 1 to the window (20)",
        CircuitBreakerPolicy.builder().minimumAttempts(30));
    assertMessage(
        "failureRate is 1.5; it must be greater than 0 and at most 1",
        CircuitBreakerPolicy.builder().failureRate(1.5));
    assertMessage(
        "failureRate is NaN; it must be greater than 0 and at most 1",
        CircuitBreakerPolicy.builder().failureRate(Double.NaN));
    assertMessage(
        "coolDown is PT0S; it must be 1 ms to 1 day",
        CircuitBreakerPolicy.builder().coolDown(Duration.ZERO));
  }

  @Test
  void periodsThatWouldOverflowTheClockAreRefusedWhereTheyAreSet() {
    // "Never disable" as a huge period used to fail every later failed attempt as an internal
    // error once the endpoint had failed for a while (the instant overflowed).
    IllegalArgumentException forever =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Dispatcher.builder()
                    .disableAfter(java.time.temporal.ChronoUnit.FOREVER.getDuration()));
    assertTrue(
        forever.getMessage().startsWith("disableAfter is 106751991167300d")
            && forever.getMessage().endsWith("; it must be 1m to 3650d"),
        forever.getMessage());
    IllegalArgumentException lease =
        assertThrows(
            IllegalArgumentException.class,
            () -> Dispatcher.builder().leaseDuration(Duration.ofDays(2)));
    assertEquals("leaseDuration is 2d; it must be 1ms to 1d", lease.getMessage());
  }

  @Test
  void durationsInMessagesReadAsPeopleWriteThem() {
    IllegalArgumentException poll =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Harness()
                    .dispatcher(Duration.ofSeconds(1))
                    .pollInterval(Duration.ZERO)
                    .build());
    assertEquals("pollInterval is 0s; it must be 1ms to 1h", poll.getMessage());
    assertEquals("2m30s", Dispatcher.Builder.readable(Duration.ofSeconds(150)));
    assertEquals(
        "1d1h1m1s1ms1ns", Dispatcher.Builder.readable(Duration.parse("P1DT1H1M1.001000001S")));
    assertEquals("PT-1S", Dispatcher.Builder.readable(Duration.ofSeconds(-1)));
  }

  @Test
  void noMoreOfAResponseIsReadThanAnAttemptKeeps() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Harness().dispatcher(Duration.ofSeconds(1)).maxResponseBytes(16385).build());
    assertEquals("maxResponseBytes is 16385; it must be 0 to 16384", e.getMessage());
  }

  private static void assertMessage(String expected, CircuitBreakerPolicy.Builder b) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertEquals(expected, e.getMessage());
  }

  @Test
  void attemptsRunOnTheCallersExecutorWhichCloseLeavesRunning() throws Exception {
    Harness h = new Harness();
    h.receiving(server.baseUrl() + "/ok", null, UserEvents.CREATED);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    AtomicInteger ran = new AtomicInteger();
    try {
      Event e = h.event(UserEvents.CREATED);
      try (Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(2))
              .workerExecutor(
                  task ->
                      pool.execute(
                          () -> {
                            ran.incrementAndGet();
                            task.run();
                          }))
              .build()) {
        dispatcher.publish(e);
        dispatcher.runDueNow();
        assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
      }
      assertEquals(1, ran.get(), "the one attempt ran on the caller's executor");
      assertFalse(pool.isShutdown(), "the caller owns the executor");
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS));
    }
  }
}
