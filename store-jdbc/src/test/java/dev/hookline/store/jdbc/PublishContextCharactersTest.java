package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A publish context a capturer returns is kept when it is 1 to 512 characters (the capturer's
 * contract) and dropped, with the event still published, when it is not. A context with a NUL
 * character passed that check: the in-memory store kept it, and the PostgreSQL store (whose text
 * refuses U+0000) failed the whole publish with a {@code StoreException}, so a capturer passing on
 * such a value (baggage, a header a client sent) stopped every event from being published.
 */
class PublishContextCharactersTest {
  private static final String SCHEMA = "publish_context_chars";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"memory", "postgres"})
  void aContextNoStoreCanHoldIsDroppedAndTheEventStillPublished(String kind) {
    EmbeddedDb.truncate(DS, SCHEMA);
    try (Store store =
        kind.equals("postgres") ? EmbeddedDb.store(DS, SCHEMA) : new InMemoryStore()) {
      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(store)
              .clock(clock)
              .allowInsecureLoopbackForDevelopment(true)
              .build();
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("context")
                  .uri("http://127.0.0.1:9/hook")
                  .apiKey("publish-context-api-key-0123")
                  .events(UserEvents.CREATED)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .clock(clock)
              .publishContext(e -> Optional.of("baggage=a\u0000b"))
              .build()) {
        Event e =
            Event.builder(UserEvents.CREATED)
                .id("evt_ctx")
                .occurredAt(clock.instant())
                .subject(Subject.user("usr_1"))
                .build();
        assertEquals(1, d.publish(e).count(), kind);
        List<Delivery> queued = d.deliveries(DeliveryQuery.builder().event("evt_ctx").build());
        assertEquals(1, queued.size());
        assertFalse(
            queued.get(0).publishContext().filter(c -> c.indexOf('\u0000') >= 0).isPresent(),
            "the context with U+0000 was kept");
      }
    }
  }
}
