package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Seventh review round: a replay guard that fails to forget a refused notification. */
class AbandonFailureReviewTest {
  private final ManualClock clock = ManualClock.at(NOW);

  /**
   * A signed request whose body is not a notification is refused 400 and its id forgotten. When a
   * shared guard cannot forget it (its store failed just then), the guard's exception replaced the
   * refusal: the listener answered 500, which blames the listener, and logged only the store
   * failure, so the real cause (the body) was lost.
   */
  @Test
  void aGuardThatCannotForgetAMalformedBodyDoesNotHideWhyItWasRefused() {
    Map<String, Instant> entries = new ConcurrentHashMap<>();
    ReplayGuard failingAbandon =
        new ReplayGuard() {
          @Override
          public State begin(String webhookId, Instant until) {
            return entries.putIfAbsent(webhookId, until) == null ? State.NEW : State.IN_PROGRESS;
          }

          @Override
          public void complete(String webhookId, Instant until) {
            entries.put(webhookId, until);
          }

          @Override
          public void abandon(String webhookId) {
            throw new IllegalStateException("store unreachable");
          }
        };
    WebhookVerifier verifier =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(SECRET)
            .clock(clock)
            .replayGuard(failingAbandon)
            .build();
    byte[] body = "{\"id\":\"evt_bad\",\"type\":\"user.created\"}".getBytes(StandardCharsets.UTF_8);
    long ts = NOW.getEpochSecond();
    Map<String, List<String>> headers =
        Requests.headers(API_KEY, "evt_bad", Long.toString(ts), sign(SECRET, "evt_bad", ts, body));

    WebhookVerificationException e =
        assertThrows(WebhookVerificationException.class, () -> verifier.verify(headers, body));
    assertEquals(Reason.MALFORMED_BODY, e.reason());
    assertEquals(1, e.getSuppressed().length, "the guard's failure is kept, suppressed");
    assertTrue(e.getSuppressed()[0].getMessage().contains("store unreachable"));

    VerifyingHandler handler = VerifyingHandler.create(verifier, n -> {});
    entries.clear();
    assertEquals(400, handler.respond("POST", headers, body).status());
  }
}
