package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.body;
import static dev.hookline.receiver.Requests.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Findings of the receiver review round. */
class ReviewRecvTest {
  private final ManualClock clock = ManualClock.at(NOW);
  private final WebhookVerifier verifier =
      WebhookVerifier.builder().apiKey(API_KEY).signingSecret(SECRET).clock(clock).build();

  private Map<String, List<String>> signedAt(String id, long timestamp, byte[] body) {
    return Requests.headers(
        API_KEY, id, Long.toString(timestamp), sign(SECRET, id, timestamp, body));
  }

  /**
   * A request that arrives late in its replay window (the listener's clock a few minutes ahead of
   * the sender's, within the tolerance) is being processed; the sender's retry 15 seconds later
   * must be told to come back (409), not handed to the application a second time while the first
   * run is still working.
   */
  @Test
  void aRetryWhileALateArrivingRequestIsStillBeingProcessedIsInProgress() {
    byte[] body = body("evt_late");
    long sentAt = NOW.getEpochSecond() - 290; // 290 s old: accepted (tolerance 300 s)
    Notification first = verifier.verify(signedAt("evt_late", sentAt, body), body);
    assertEquals("evt_late", first.id());
    // The application is still working on it 15 seconds later, when the sender's retry comes.
    clock.advance(Duration.ofSeconds(15));
    long retriedAt = clock.instant().getEpochSecond();
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class,
            () -> verifier.verify(signedAt("evt_late", retriedAt, body), body));
    assertEquals(Reason.IN_PROGRESS, e.reason());
  }

  /**
   * A run that outlives its in-progress entry may fail after the sender's retry began anew; its
   * release must not remove the retry's entry, or a third delivery would be processed beside the
   * retry.
   */
  @Test
  void aRunThatOutlivedItsEntryDoesNotReleaseTheEntryOfTheRetryBehindIt() {
    byte[] body = body("evt_slow");
    Notification slow =
        verifier.verify(signedAt("evt_slow", clock.instant().getEpochSecond(), body), body);
    // The application works past its entry's end (the tolerance, 300 s, and a second).
    clock.advance(Duration.ofSeconds(302));
    Notification retry =
        verifier.verify(signedAt("evt_slow", clock.instant().getEpochSecond(), body), body);
    verifier.release(slow); // the slow run fails at last
    clock.advance(Duration.ofSeconds(5));
    long thirdAt = clock.instant().getEpochSecond();
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class,
            () -> verifier.verify(signedAt("evt_slow", thirdAt, body), body));
    assertEquals(Reason.IN_PROGRESS, e.reason(), "the retry is still being processed");

    verifier.release(retry); // the retry's own release still frees the id
    assertEquals("evt_slow", verifier.verify(signedAt("evt_slow", thirdAt, body), body).id());
  }

  /**
   * A secret read from a file or an environment variable often ends with a line break; the message
   * said only "must be 'whsec_' followed by standard base64", which the value looks like.
   */
  @Test
  void aSecretWithATrailingLineBreakIsRefusedSayingSo() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WebhookVerifier.builder().signingSecret(SECRET + "\n"));
    assertTrue(e.getMessage().contains("whitespace"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET.substring(6)), "never the secret");
  }

  /** A sender that writes milliseconds is told so, not that it is 56 years in the future. */
  @Test
  void aTimestampInMillisecondsIsRefusedSayingItLooksLikeMilliseconds() {
    byte[] body = body("evt_ms");
    long millis = NOW.toEpochMilli();
    WebhookVerificationException e =
        assertThrows(
            WebhookVerificationException.class,
            () -> verifier.verify(signedAt("evt_ms", millis, body), body));
    assertEquals(Reason.TIMESTAMP_IN_FUTURE, e.reason());
    assertTrue(e.getMessage().contains("milliseconds"), e.getMessage());
  }
}
