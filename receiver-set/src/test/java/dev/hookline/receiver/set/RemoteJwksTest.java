package dev.hookline.receiver.set;

import static dev.hookline.receiver.set.Tokens.AUDIENCE;
import static dev.hookline.receiver.set.Tokens.ISSUER;
import static dev.hookline.receiver.set.Tokens.RSA;
import static dev.hookline.receiver.set.Tokens.bearer;
import static dev.hookline.receiver.set.Tokens.bytes;
import static dev.hookline.receiver.set.Tokens.claims;
import static dev.hookline.receiver.set.Tokens.header;
import static dev.hookline.receiver.set.Tokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.set.internal.RemoteKeys;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * A key set from a URL is fetched once and cached, fetched again for an unknown kid (a rotation) at
 * most every refetch interval, and again when the cache expires; a key set that cannot be had is
 * its own reason. A failed fetch is not repeated within the refetch interval, one fetch runs at a
 * time, a fetch ends within its timeout even when the body stalls, and the last good set carries
 * the verifier through an outage for an hour past its expiry.
 */
class RemoteJwksTest {
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));

  private SecurityEventTokenVerifier verifier(URI uri, HttpClient client) {
    return builder(uri, client).build();
  }

  private SecurityEventTokenVerifier.Builder builder(URI uri, HttpClient client) {
    return SecurityEventTokenVerifier.builder()
        .allowWithoutApiKey()
        .jwksUri(uri, client)
        .allowInsecureLoopbackJwksForDevelopment(true) // the test server is http on loopback
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(clock)
        .jwksCacheFor(Duration.ofMinutes(5))
        .jwksRefetchAtMostEvery(Duration.ofSeconds(30));
  }

  private String signedBy(RSAKey key, String jti) throws Exception {
    return sign(
        header(JWSAlgorithm.RS256, key.getKeyID()).build(),
        claims(jti, clock.instant()).build(),
        new RSASSASigner(key));
  }

  private Reason refused(SecurityEventTokenVerifier v, String token) {
    return assertThrows(WebhookVerificationException.class, () -> v.verify(bearer(), bytes(token)))
        .reason();
  }

  @Test
  void anUnknownKidFetchesAgainAtMostOncePerInterval() throws Exception {
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      SecurityEventTokenVerifier v = verifier(server.uri(), server.client());
      v.verify(bearer(), bytes(signedBy(RSA, "evt_1")));
      v.verify(bearer(), bytes(signedBy(RSA, "evt_2")));
      assertEquals(1, server.fetches(), "cached");

      RSAKey next = Tokens.generateRsa("rsa-2");
      String made = signedBy(next, "evt_3");
      // made-up kids right after a fetch do not reach the sender
      assertEquals(Reason.UNKNOWN_KEY, refused(v, made));
      assertEquals(1, server.fetches(), "fetched a moment ago: not a rotation");

      server.publish(Tokens.jwks(next, RSA)); // the sender rotates
      clock.advance(Duration.ofSeconds(30));
      assertEquals("evt_3", v.verify(bearer(), bytes(signedBy(next, "evt_3"))).jti());
      assertEquals(2, server.fetches());
      for (int i = 0; i < 5; i++) {
        assertEquals(Reason.UNKNOWN_KEY, refused(v, signedBy(Tokens.RSA_OTHER, "evt_x" + i)));
      }
      assertEquals(2, server.fetches(), "unknown kids are rate-limited");

      clock.advance(Duration.ofMinutes(5));
      v.verify(bearer(), bytes(signedBy(next, "evt_4")));
      assertEquals(3, server.fetches(), "the cached set expired");
    }
  }

  @Test
  void aKeySetThatCannotBeFetchedIsItsOwnReason() throws Exception {
    URI nowhere;
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      nowhere = server.uri();
    }
    SecurityEventTokenVerifier v = verifier(nowhere, HttpClient.newHttpClient());
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class,
            () -> v.verify(bearer(), bytes(signedBy(RSA, "evt_down"))));
    assertEquals(Reason.KEY_SET_UNAVAILABLE, e.reason());
    assertEquals(503, e.reason().httpStatus());

    try (JwksServer garbage = new JwksServer("{\"keys\": 42}")) {
      assertEquals(
          Reason.KEY_SET_UNAVAILABLE,
          refused(verifier(garbage.uri(), garbage.client()), signedBy(RSA, "evt_garbage")));
    }
  }

  @Test
  void aFailedFetchIsNotRepeatedWithinTheRefetchInterval() throws Exception {
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      server.answer(500);
      SecurityEventTokenVerifier v = verifier(server.uri(), server.client());
      for (int i = 0; i < 3; i++) {
        assertEquals(Reason.KEY_SET_UNAVAILABLE, refused(v, signedBy(RSA, "evt_" + i)));
      }
      assertEquals(1, server.fetches(), "the failure is remembered, not fetched again per token");

      clock.advance(Duration.ofSeconds(30).minusMillis(1));
      assertEquals(Reason.KEY_SET_UNAVAILABLE, refused(v, signedBy(RSA, "evt_3")));
      assertEquals(1, server.fetches());
      clock.advance(Duration.ofMillis(1));
      server.answer(200);
      assertEquals("evt_4", v.verify(bearer(), bytes(signedBy(RSA, "evt_4"))).jti());
      assertEquals(2, server.fetches(), "tried again once the interval has passed");
    }
  }

  @Test
  void aBodyThatStallsEndsTheFetchAtItsTimeout() throws Exception {
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      // The headers must arrive well within the timeout, or the HTTP client's own request timeout
      // (which stops at the headers) may end the fetch first, with another message: a connection
      // opened and used once already, and a timeout of seconds, not a cold connection and 500 ms.
      server
          .client()
          .send(
              HttpRequest.newBuilder(server.uri()).build(), HttpResponse.BodyHandlers.discarding());
      int warmUp = server.fetches();
      server.stallInTheBody();
      Duration timeout = Duration.ofSeconds(2);
      SecurityEventTokenVerifier v =
          builder(server.uri(), server.client()).jwksFetchTimeout(timeout).build();
      String token = signedBy(RSA, "evt_stall");
      // the guard: without a deadline on the body, verify would wait as long as the server stalls
      // (a minute)
      WebhookVerificationException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30),
              () ->
                  assertThrows(
                      WebhookVerificationException.class, () -> v.verify(bearer(), bytes(token))));
      assertEquals(Reason.KEY_SET_UNAVAILABLE, e.reason());
      assertTrue(
          e.getMessage().contains(" was not received within " + timeout + ";"), e.getMessage());
      assertEquals(warmUp + 1, server.fetches());
    }
  }

  @Test
  void theLastGoodSetIsUsedForAnHourPastItsExpiryWhileFetchesFail() throws Exception {
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      SecurityEventTokenVerifier v = verifier(server.uri(), server.client());
      v.verify(bearer(), bytes(signedBy(RSA, "evt_1"))); // fetched at T0, cached until T0+5m
      server.answer(503);

      clock.advance(Duration.ofMinutes(5));
      assertEquals("evt_2", v.verify(bearer(), bytes(signedBy(RSA, "evt_2"))).jti());
      assertEquals(2, server.fetches(), "the expired set was refreshed, and that failed");
      assertEquals("evt_3", v.verify(bearer(), bytes(signedBy(RSA, "evt_3"))).jti());
      assertEquals(2, server.fetches(), "no new fetch within the refetch interval");

      clock.advance(Duration.ofHours(1).minusMillis(1)); // T0+5m+1h-1ms: the last moment of grace
      assertEquals("evt_4", v.verify(bearer(), bytes(signedBy(RSA, "evt_4"))).jti());
      assertEquals(3, server.fetches());
      // a kid the last good set lacks could be a rotation it missed: not "unknown", unavailable
      assertEquals(Reason.KEY_SET_UNAVAILABLE, refused(v, signedBy(Tokens.RSA_OTHER, "evt_x")));
      assertEquals(3, server.fetches());

      clock.advance(Duration.ofMillis(1)); // T0+5m+1h: grace is over
      assertEquals(Reason.KEY_SET_UNAVAILABLE, refused(v, signedBy(RSA, "evt_5")));
      clock.advance(Duration.ofSeconds(30));
      assertEquals(Reason.KEY_SET_UNAVAILABLE, refused(v, signedBy(RSA, "evt_6")));
      assertEquals(4, server.fetches());

      server.answer(200);
      clock.advance(Duration.ofSeconds(30));
      assertEquals("evt_7", v.verify(bearer(), bytes(signedBy(RSA, "evt_7"))).jti());
      assertEquals(5, server.fetches(), "a good fetch ends the outage");
    }
  }

  @Test
  void concurrentCallersShareOneFailedFetch() throws Exception {
    try (JwksServer server = new JwksServer(Tokens.jwks(RSA))) {
      server.holdAnswers();
      server.answer(500);
      // no refetch interval: only the single flight keeps the waiters from fetching in turn
      SecurityEventTokenVerifier v =
          builder(server.uri(), server.client()).jwksRefetchAtMostEvery(Duration.ZERO).build();
      Queue<Reason> reasons = new ConcurrentLinkedQueue<>();
      List<Thread> callers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String token = signedBy(RSA, "evt_c" + i);
        callers.add(new Thread(() -> reasons.add(refused(v, token)), "jwks-caller-" + i));
      }
      callers.forEach(Thread::start);
      Poll.until(
          Duration.ofSeconds(10),
          () ->
              server.fetches() == 1
                  && callers.stream().allMatch(RemoteJwksTest::parkedInTheKeySource),
          () -> "one caller fetches and three wait for it; fetches: " + server.fetches());
      server.release();
      for (Thread t : callers) {
        t.join(Duration.ofSeconds(10).toMillis());
      }
      assertEquals(
          List.of(
              Reason.KEY_SET_UNAVAILABLE,
              Reason.KEY_SET_UNAVAILABLE,
              Reason.KEY_SET_UNAVAILABLE,
              Reason.KEY_SET_UNAVAILABLE),
          List.copyOf(reasons));
      assertEquals(1, server.fetches(), "the waiters took the fetch's outcome");
    }
  }

  /** Parked inside the key source: waiting for the fetch, or (the fetching one) for its answer. */
  private static boolean parkedInTheKeySource(Thread t) {
    Thread.State state = t.getState();
    return (state == Thread.State.WAITING
            || state == Thread.State.TIMED_WAITING
            || state == Thread.State.BLOCKED)
        && Arrays.stream(t.getStackTrace())
            .anyMatch(f -> f.getClassName().equals(RemoteKeys.class.getName()));
  }
}
