package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Review (obs): an observer's Error (a LinkageError from a tracing library of another version, the
 * case the CHANGELOG's fix covers for attempts) escapes {@code webhookDeleted}: the dispatcher's
 * {@code tellDeleted} and the registry's listener loop catch RuntimeException only. The caller of
 * {@code WebhookRegistry.delete} gets the Error although the webhook is deleted; a reload (run
 * periodically on a ScheduledExecutorService, whose {@code safely} wrapper also catches only
 * RuntimeException) is cut off, and a periodic task that throws is never run again.
 */
class ObserverDeletionErrorReviewTest {
  private final Harness h = new Harness();
  private Dispatcher dispatcher;

  @AfterEach
  void tearDown() {
    if (dispatcher != null) {
      dispatcher.close();
    }
  }

  private static final AttemptObserver LINKAGE_BROKEN =
      new AttemptObserver() {
        @Override
        public Scope beforeAttempt(AttemptRequest request) {
          return Scope.none();
        }

        @Override
        public void webhookDeleted(String webhookId) {
          throw new NoClassDefFoundError("io/micrometer/core/instrument/Meter$Id (other version)");
        }
      };

  @Test
  void anObserversErrorOnADeletionDoesNotFailTheDeletion() {
    dispatcher = h.dispatcher(Duration.ofSeconds(2)).attemptObserver(LINKAGE_BROKEN).build();
    Webhook w = h.receiving("http://127.0.0.1:9/hook", null, UserEvents.CREATED);
    dispatcher.reloadWebhooks();

    assertDoesNotThrow(
        () -> h.registry.delete(w.id()),
        "the webhook is deleted; the observer's failure must be logged, not thrown at the caller");
    assertFalse(h.registry.get(w.id()).isPresent());
  }

  @Test
  void anObserversErrorOnADeletionSeenByAReloadDoesNotAbortTheReload() {
    dispatcher = h.dispatcher(Duration.ofSeconds(2)).attemptObserver(LINKAGE_BROKEN).build();
    Webhook w = h.receiving("http://127.0.0.1:9/hook", null, UserEvents.CREATED);
    dispatcher.reloadWebhooks();
    h.store.deleteWebhook(w.id()); // another instance's deletion: only the Store shows it

    assertDoesNotThrow(
        () -> dispatcher.reloadWebhooks(),
        "a reload (periodic, on a scheduler that drops a task once it throws) must not be cut off");
  }
}
