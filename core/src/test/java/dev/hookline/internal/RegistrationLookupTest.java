package dev.hookline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.AddressPolicy;
import dev.hookline.EventCatalogue;
import dev.hookline.UserEvents;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookValidationException;
import dev.hookline.spi.HostResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Registration waits a bounded time for DNS; a name that does not answer is checked at send. */
class RegistrationLookupTest {
  private static WebhookDefinition pointingAt(String host) {
    return WebhookDefinition.builder()
        .name("n")
        .uri("https://" + host + "/hook")
        .apiKey("k3y-0123456789-abcdef")
        .events(UserEvents.CREATED)
        .build();
  }

  /**
   * How long registration waits for a lookup that never answers: the caller is held this long, so
   * it is short.
   */
  private static final Duration GIVE_UP_AFTER = Duration.ofMillis(200);

  /**
   * How long registration waits for a lookup that answers at once (in microseconds, on another
   * thread): long enough that a loaded machine, which may not run that thread for a while, still
   * gets the answer before the caller gives up and accepts the name unchecked.
   */
  private static final Duration AMPLE = Duration.ofSeconds(30);

  private static WebhookRules rules(HostResolver resolver, Duration lookupTimeout) {
    return new WebhookRules(
        EventCatalogue.standard(), null, false, AddressPolicy.defaults(), resolver, lookupTimeout);
  }

  @Test
  void aLookupThatNeverAnswersDoesNotHoldTheCallerAndTheNameIsAccepted() {
    CountDownLatch release = new CountDownLatch(1);
    HostResolver hanging =
        host -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          throw new UnknownHostException(host);
        };
    try {
      WebhookRules.Valid valid =
          rules(hanging, GIVE_UP_AFTER).validate(pointingAt("slow-dns.example"));
      assertEquals("slow-dns.example", valid.uri().getHost(), "accepted, checked again at send");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aNameThatResolvesToAPrivateAddressIsStillRefused() {
    HostResolver privateDns =
        host -> List.of(InetAddress.getByAddress(host, new byte[] {10, 0, 0, 7}));
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () -> rules(privateDns, AMPLE).validate(pointingAt("intranet.example")));
    assertTrue(e.getMessage().contains("private"), e.getMessage());
  }
}
