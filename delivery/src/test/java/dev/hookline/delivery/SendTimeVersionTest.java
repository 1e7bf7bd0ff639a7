package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A send checks the webhook's current version: a change made after a delivery was claimed and
 * before its attempt starts (disabled, deleted, moved to another URI) is honoured by that attempt,
 * instead of sending to the endpoint the webhook had when its delivery was claimed.
 */
class SendTimeVersionTest {
  private static WireMockServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final AtomicBoolean changed = new AtomicBoolean();
  private Harness h = new Harness();

  @BeforeAll
  static void startServer() {
    server = Harness.wireMock();
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  @BeforeEach
  void setUp() {
    server.resetAll();
    server.stubFor(post(urlEqualTo("/old")).willReturn(aResponse().withStatus(204)));
    server.stubFor(post(urlEqualTo("/new")).willReturn(aResponse().withStatus(204)));
    h = new Harness();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    pool.shutdown();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  /** A dispatcher whose worker executor makes {@code change} between the claim and the attempt. */
  private Dispatcher dispatcherChangingBeforeTheAttempt(Runnable change) {
    return h.dispatcher(Duration.ofSeconds(2))
        .workerExecutor(
            task -> {
              if (changed.compareAndSet(false, true)) {
                change.run();
              }
              pool.execute(task);
            })
        .build();
  }

  @Test
  void aWebhookDisabledAfterTheClaimIsNotSentToAndItsDeliveryStaysQueued() {
    Webhook w = h.receiving(server.baseUrl() + "/old", null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    try (Dispatcher dispatcher =
        dispatcherChangingBeforeTheAttempt(() -> h.registry.disable(w.id()))) {
      dispatcher.publish(e);
      dispatcher.runDueNow();
      assertTrue(changed.get(), "the change was made between the claim and the attempt");
      server.verify(0, postRequestedFor(urlEqualTo("/old")));
      Delivery d = h.only(e.id());
      assertEquals(DeliveryState.PENDING, d.state(), "not sent, not failed: " + d);
      assertEquals(0, d.attempts().size());

      h.registry.enable(w.id());
      dispatcher.runDueNow();
      server.verify(1, postRequestedFor(urlEqualTo("/old")));
      assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    }
  }

  @Test
  void aWebhookMovedAfterTheClaimIsSentToItsNewUriOnly() {
    Webhook w = h.receiving(server.baseUrl() + "/old", null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    Runnable move =
        () -> {
          Webhook current = h.registry.require(w.id());
          h.registry.update(
              w.id(),
              current.version(),
              WebhookDefinition.builder()
                  .name(current.name())
                  .uri(server.baseUrl() + "/new")
                  .apiKey(Harness.API_KEY)
                  .events(UserEvents.CREATED)
                  .build());
          TestWebhooks.markVerified(h.registry, w.id());
        };
    try (Dispatcher dispatcher = dispatcherChangingBeforeTheAttempt(move)) {
      dispatcher.publish(e);
      dispatcher.runDueNow();
      assertTrue(changed.get(), "the change was made between the claim and the attempt");
      server.verify(0, postRequestedFor(urlEqualTo("/old")));
      server.verify(1, postRequestedFor(urlEqualTo("/new")));
      assertEquals(DeliveryState.SUCCEEDED, h.only(e.id()).state());
    }
  }

  @Test
  void aWebhookDeletedAfterTheClaimIsNotSentTo() {
    Webhook w = h.receiving(server.baseUrl() + "/old", null, UserEvents.CREATED);
    Event e = h.event(UserEvents.CREATED);
    try (Dispatcher dispatcher =
        dispatcherChangingBeforeTheAttempt(() -> h.registry.delete(w.id()))) {
      dispatcher.publish(e);
      dispatcher.runDueNow();
      assertTrue(changed.get(), "the change was made between the claim and the attempt");
      server.verify(0, postRequestedFor(urlEqualTo("/old")));
    }
  }
}
