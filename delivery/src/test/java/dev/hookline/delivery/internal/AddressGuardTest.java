package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.AddressPolicy;
import dev.hookline.ErrorKind;
import dev.hookline.spi.HostResolver;
import dev.hookline.testing.HostileUris;
import dev.hookline.testing.Poll;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The send-time guard refuses the same hostile table as registration, with the same reasons. */
class AddressGuardTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  static Stream<Arguments> cases() {
    return HostileUris.CASES.stream().map(c -> Arguments.of(c.uri(), c.expected()));
  }

  @Test
  void theTableHoldsAtLeastFortyHostileUris() {
    assertTrue(HostileUris.CASES.size() >= 40);
  }

  @ParameterizedTest(name = "{0} is refused before sending as {1}")
  @MethodSource("cases")
  void refusedAtSendTime(String uri, dev.hookline.AddressBlock expected)
      throws InterruptedException {
    AddressGuard guard = new AddressGuard(AddressPolicy.defaults(), HostileUris.RESOLVER);
    URI parsed = URI.create(uri);
    Optional<DestinationCheck.Refusal> refusal = guard.refusal(parsed, TIMEOUT);
    assertTrue(refusal.isPresent(), uri);
    assertEquals(ErrorKind.BLOCKED_ADDRESS, refusal.get().kind(), uri);
    if (parsed.getHost() == null) {
      // forms like https://127.1/ have no host for java.net.URI: nothing can be sent there
      assertEquals("the URI has no host", refusal.get().detail());
    } else {
      assertTrue(
          refusal.get().detail().contains(expected.describe()),
          () -> uri + " gave " + refusal.get());
    }
  }

  @ParameterizedTest(name = "{0} passes when allow-listed")
  @MethodSource("cases")
  void allowListedPassesAtSendTime(String uri, dev.hookline.AddressBlock expected)
      throws InterruptedException {
    URI parsed = URI.create(uri);
    if (parsed.getHost() == null) {
      return; // covered above: never sendable
    }
    AddressPolicy allowAll =
        AddressPolicy.builder()
            .allowCidr("0.0.0.0/0")
            .allowCidr("::/0")
            .allowHost(parsed.getHost())
            .build();
    assertEquals(
        Optional.empty(),
        new AddressGuard(allowAll, HostileUris.RESOLVER).refusal(parsed, TIMEOUT),
        uri);
  }

  /** A resolver that never answers until the test ends (a blackholed authoritative server). */
  private static HostResolver hanging(CountDownLatch release) {
    return host -> {
      boolean interrupted = false;
      while (true) {
        try {
          release.await(); // like the JDK's lookup: an interrupt does not end it
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      throw new UnknownHostException(host);
    };
  }

  @Test
  void aLookupThatNeverAnswersEndsAtTheAttemptsDeadline() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    try {
      AddressGuard guard = new AddressGuard(AddressPolicy.defaults(), hanging(release));
      Optional<DestinationCheck.Refusal> r =
          guard.refusal(URI.create("https://blackholed.example/hook"), Duration.ofMillis(200));
      assertTrue(r.isPresent());
      assertEquals(ErrorKind.TIMEOUT, r.get().kind(), r.get().detail());
      assertTrue(r.get().detail().contains("DNS lookup of blackholed.example"), r.get().detail());
    } finally {
      release.countDown();
    }
  }

  @Test
  void aNameThatDoesNotResolveIsNotLetThrough() throws InterruptedException {
    AddressGuard guard =
        new AddressGuard(
            AddressPolicy.defaults(),
            host -> {
              throw new UnknownHostException(host);
            });
    Optional<DestinationCheck.Refusal> r =
        guard.refusal(URI.create("https://nowhere.example/hook"), TIMEOUT);
    assertTrue(r.isPresent(), "fail closed");
    assertEquals(ErrorKind.CONNECT_FAILED, r.get().kind());
  }

  @Test
  void attemptsToOneHangingHostShareOneLookup() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger lookups =
        new java.util.concurrent.atomic.AtomicInteger();
    HostResolver counting =
        host -> {
          lookups.incrementAndGet();
          return hanging(release).resolve(host);
        };
    try {
      AddressGuard guard = new AddressGuard(AddressPolicy.defaults(), counting);
      URI uri = URI.create("https://blackholed.example/hook");
      for (int i = 0; i < 2 * AddressGuard.MAX_LOOKUPS; i++) {
        assertEquals(
            ErrorKind.TIMEOUT, guard.refusal(uri, Duration.ofMillis(1)).orElseThrow().kind());
      }
      Poll.until(
          Duration.ofSeconds(5), () -> lookups.get() > 0, "the shared lookup's thread starts");
      assertEquals(1, lookups.get(), "every attempt waited on the same lookup");
    } finally {
      release.countDown();
    }
  }

  @Test
  void whenOtherHostsHoldEveryLookupThreadTheAttemptIsNotMadeAndNotCounted()
      throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    try {
      AddressGuard guard = new AddressGuard(AddressPolicy.defaults(), hanging(release));
      for (int i = 0; i < AddressGuard.MAX_LOOKUPS; i++) {
        URI hanging = URI.create("https://blackholed-" + i + ".example/hook");
        assertEquals(
            ErrorKind.TIMEOUT, guard.refusal(hanging, Duration.ofMillis(1)).orElseThrow().kind());
      }
      DestinationCheck.Refusal r =
          guard.refusal(URI.create("https://healthy.example/hook"), TIMEOUT).orElseThrow();
      assertTrue(r.local(), "not the healthy endpoint's doing: " + r);
      assertTrue(r.detail().contains("DNS lookups of other hosts"), r.detail());
    } finally {
      release.countDown();
    }
  }

  @Test
  void anInterruptedAttemptLeavesTheLookupItSharesRunningForTheOthers() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch resolving = new CountDownLatch(1);
    HostResolver slow =
        host -> {
          resolving.countDown();
          hanging(release).resolve(host); // throws UnknownHostException once released
          return List.of();
        };
    HostResolver answering =
        host -> {
          try {
            return slow.resolve(host);
          } catch (java.net.UnknownHostException e) {
            return List.of(
                InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 215, 14}));
          }
        };
    AddressGuard guard = new AddressGuard(AddressPolicy.defaults(), answering);
    URI uri = URI.create("https://shared.example/hook");
    java.util.concurrent.ExecutorService callers =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.Future<Optional<DestinationCheck.Refusal>> first =
          callers.submit(() -> guard.refusal(uri, Duration.ofSeconds(30)));
      assertTrue(resolving.await(10, java.util.concurrent.TimeUnit.SECONDS));
      java.util.concurrent.Future<Optional<DestinationCheck.Refusal>> second =
          callers.submit(() -> guard.refusal(uri, Duration.ofSeconds(30)));
      first.cancel(true); // the first attempt's thread is interrupted (a close(), a shutdownNow)
      release.countDown();
      assertEquals(
          Optional.empty(),
          second.get(10, java.util.concurrent.TimeUnit.SECONDS),
          "the second attempt gets the shared lookup's answer, not a cancellation");
    } finally {
      release.countDown();
      callers.shutdownNow();
    }
  }

  @Test
  void literalsAndPublicNamesPass() throws InterruptedException {
    HostResolver publicDns =
        host ->
            List.of(InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 215, 14}));
    AddressGuard guard = new AddressGuard(AddressPolicy.defaults(), publicDns);
    assertEquals(Optional.empty(), guard.refusal(URI.create("https://hooks.example/x"), TIMEOUT));
    assertEquals(Optional.empty(), guard.refusal(URI.create("https://93.184.215.14/x"), TIMEOUT));
  }
}
