package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.TestWebhooks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A webhook created and enabled here while a reload reads the Store receives every event published
 * after {@code enable} returned, also one published while that reload is still finishing: the
 * reload's snapshot lacks the new webhook, and replacing the subscription index with it must not
 * take the webhook out of routing, not even for a moment. Nor is the new webhook reported deleted.
 */
class PublishDuringReloadReviewTest {

  @Test
  void aPublishWhileAReloadFinishesReachesAWebhookEnabledDuringIt() throws Exception {
    InMemoryStore store = spy(new InMemoryStore());
    Harness h = new Harness(store);
    // Deleted on another instance (in the Store, past this registry): the reload finds it gone and
    // tells the observer, after it has replaced the index and before it re-applies the changes it
    // was told of meanwhile. The observer publishes there, as another thread could at that moment.
    Webhook elsewhere = h.receiving("http://127.0.0.1:9/elsewhere", null, UserEvents.CREATED);
    AtomicReference<Webhook> created = new AtomicReference<>();
    List<String> reportedDeleted = new CopyOnWriteArrayList<>();
    AtomicReference<PublishResult> duringReload = new AtomicReference<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Dispatcher[] dispatcher = new Dispatcher[1];
    AttemptObserver observer =
        new AttemptObserver() {
          @Override
          public Scope beforeAttempt(AttemptRequest request) {
            return Scope.none();
          }

          @Override
          public void webhookDeleted(String webhookId) {
            reportedDeleted.add(webhookId);
            if (!webhookId.equals(elsewhere.id()) || created.get() == null) {
              return;
            }
            Thread publisher =
                new Thread(
                    () -> {
                      try {
                        duringReload.set(dispatcher[0].publish(h.event(UserEvents.CREATED)));
                      } catch (Throwable e) {
                        failures.add(e);
                      }
                    },
                    "publisher");
            publisher.start();
            try {
              publisher.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    try (Dispatcher d = h.dispatcher(Duration.ofSeconds(2)).attemptObserver(observer).build()) {
      dispatcher[0] = d;
      store.deleteWebhook(elsewhere.id());
      // While the reload reads the webhook list, this process creates, verifies and enables one.
      doAnswer(
              inv -> {
                @SuppressWarnings("unchecked")
                List<Webhook> snapshot = new ArrayList<>((List<Webhook>) inv.callRealMethod());
                if (created.get() == null) {
                  Webhook w = h.registered("http://127.0.0.1:9/new", null, UserEvents.CREATED);
                  TestWebhooks.markVerified(h.registry, w.id());
                  created.set(h.registry.enable(w.id()));
                }
                return snapshot;
              })
          .when(store)
          .listWebhooks();
      d.reloadWebhooks();
      assertEquals(List.of(), failures);
      assertTrue(duringReload.get() != null, "the observer published during the reload");
      String newId = created.get().id();
      assertEquals(
          List.of(newId),
          duringReload.get().webhookIds(),
          "an event published after enable() returned goes to the enabled webhook");
      assertEquals(
          List.of(elsewhere.id()), reportedDeleted, "only the webhook deleted elsewhere is gone");
      // and once the reload is over, as before
      assertEquals(List.of(newId), d.publish(h.event(UserEvents.CREATED)).webhookIds());
    }
  }
}
