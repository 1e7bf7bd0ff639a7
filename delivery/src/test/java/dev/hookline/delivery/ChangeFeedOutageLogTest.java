package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.spi.Store;
import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.InMemoryStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.mockito.stubbing.Answer;

/**
 * The Store down while its change feed still reports webhook changes (notifications already on
 * their way, a feed that outlives the pool's connections): each change it cannot read logged a
 * WARN, one per change reported, and CI saw five for one outage. An outage now reads as one WARN
 * when it starts, the rest at DEBUG until a read succeeds; the next outage is warned about again.
 */
class ChangeFeedOutageLogTest {

  @Test
  void anOutageLogsOneWarningNotOnePerReportedChange() throws Exception {
    InMemoryStore store = spy(new InMemoryStore());
    AtomicBoolean down = new AtomicBoolean();
    AtomicReference<@Nullable WebhookWatcher> watcher = new AtomicReference<>();
    doAnswer(
            inv -> {
              watcher.set(inv.getArgument(0));
              return Store.Watch.NONE;
            })
        .when(store)
        .watchWebhooks(any());
    Answer<Object> unlessDown =
        inv -> {
          if (down.get()) {
            throw new IllegalStateException("store unreachable (test)");
          }
          return inv.callRealMethod();
        };
    doAnswer(unlessDown).when(store).findWebhook(anyString());
    doAnswer(unlessDown).when(store).listWebhooks();
    Harness h = new Harness(store);
    Webhook w = h.receiving("http://127.0.0.1:9/hook", null, UserEvents.CREATED);
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(1)).build()) {
      dispatcher.start();
      WebhookWatcher feed = watcher.get();
      assertTrue(feed != null, "the dispatcher watches the store's webhooks");
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        down.set(true);
        for (int i = 0; i < 6; i++) {
          feed.changed(w.id());
        }
        down.set(false);
        feed.changed(w.id()); // read: the outage is over
        down.set(true);
        for (int i = 0; i < 3; i++) {
          feed.changed(w.id());
        }
        down.set(false);
      } finally {
        System.setErr(originalErr);
      }
    }
    List<String> feedLines =
        captured
            .toString(StandardCharsets.UTF_8)
            .lines()
            .filter(l -> l.contains("change feed"))
            .toList();
    assertEquals(
        2,
        feedLines.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).count(),
        () -> "one WARN per outage: " + String.join("\n", feedLines));
    assertTrue(
        feedLines.stream().filter(l -> l.contains(" DEBUG ")).count() >= 7,
        () -> "the other failed reads at DEBUG: " + String.join("\n", feedLines));
  }
}
