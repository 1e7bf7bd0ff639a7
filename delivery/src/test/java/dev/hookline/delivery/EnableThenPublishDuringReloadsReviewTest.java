package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Without any hook into the Store: while reloads run back to back (as the periodic reload and the
 * change feed's resyncs do), a host creates, verifies and enables a webhook and publishes at once.
 * Every such event must be enqueued for the webhook just enabled.
 */
class EnableThenPublishDuringReloadsReviewTest {

  @RepeatedTest(3)
  void everyEventPublishedAfterEnableReachesTheNewWebhookWhileReloadsRun() throws Exception {
    Harness h = new Harness();
    // Enough webhooks that a reload takes a moment after replacing the index.
    for (int i = 0; i < 300; i++) {
      h.receiving("http://127.0.0.1:9/old" + i, "data.user_id == \"nobody\"", UserEvents.CREATED);
    }
    AtomicBoolean reloading = new AtomicBoolean(true);
    List<String> missed = new ArrayList<>();
    try (Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(2)).build()) {
      Thread reloader =
          new Thread(
              () -> {
                while (reloading.get()) {
                  dispatcher.reloadWebhooks();
                }
              },
              "reloader");
      reloader.start();
      try {
        for (int i = 0; i < 400; i++) {
          Webhook w = h.registered("http://127.0.0.1:9/new" + i, null, UserEvents.CREATED);
          TestWebhooks.markVerified(h.registry, w.id());
          h.registry.enable(w.id());
          PublishResult r = dispatcher.publish(h.event(UserEvents.CREATED));
          if (!r.webhookIds().contains(w.id())) {
            missed.add(w.id());
          }
          h.registry.disable(w.id()); // only the newest receives the next event
        }
      } finally {
        reloading.set(false);
        reloader.join(TimeUnit.SECONDS.toMillis(30));
      }
    }
    assertEquals(List.of(), missed, "events not enqueued for the webhook enabled just before");
  }
}
