package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A claim returns the very event object this store published (so its data is not parsed again and
 * the dispatcher's body cache hits), but only when the stored row says exactly what that object
 * says: a row changed behind the store's back, or written by another store instance, is read from
 * the database as before.
 */
class KnownEventsTest {
  private static final String SCHEMA = "known_events";
  private static final Instant NOW = Fixtures.T0;
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

  private PostgresStore store;

  @BeforeEach
  void setUp() {
    store = EmbeddedDb.store(POOL, SCHEMA);
    EmbeddedDb.truncate(POOL, SCHEMA);
    store.insertWebhook(Fixtures.webhook("wh_a", NOW));
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  private List<ClaimedDelivery> claimAll(PostgresStore s) {
    return s.claim(ClaimRequest.of("w", NOW, Duration.ofSeconds(30), 10));
  }

  @Test
  void aClaimReturnsThePublishedEventObject() {
    Event e = Fixtures.event("evt_1", NOW);
    store.enqueue(List.of(Delivery.pending("dlv_1", "wh_a", e, NOW)));
    List<ClaimedDelivery> claimed = claimAll(store);
    assertEquals(1, claimed.size());
    assertSame(e, claimed.get(0).delivery().event());
  }

  @Test
  void anotherStoreInstanceReadsTheEventFromTheRow() {
    Event e = Fixtures.event("evt_2", NOW);
    store.enqueue(List.of(Delivery.pending("dlv_2", "wh_a", e, NOW)));
    PostgresStore other = EmbeddedDb.store(POOL, SCHEMA);
    Event read = claimAll(other).get(0).delivery().event();
    assertNotSame(e, read);
    assertEquals(e, read, "the same event, read from its row");
  }

  @Test
  void aRowThatNoLongerSaysWhatWasWrittenIsReadFromTheDatabase() {
    Event e = Fixtures.event("evt_3", NOW);
    store.enqueue(List.of(Delivery.pending("dlv_3", "wh_a", e, NOW)));
    // Each event column in turn differs from what the store wrote; every claim must see the row.
    String[][] changes = {
      {"data", "'{\"email\":\"changed@example.com\"}'"},
      {"type_display_name", "'Renamed'"},
      {"occurred_at", "occurred_at + interval '1 microsecond'"},
      {"subject_user_id", "'someone-else'"},
      {"subject_app_id", "'app_1'"},
      {"subject_tenant", "'tenant_1'"},
      {"changed_attributes", "ARRAY['email']"},
    };
    for (String[] change : changes) {
      EmbeddedDb.execute(
          POOL,
          "UPDATE \""
              + SCHEMA
              + "\".events SET "
              + change[0]
              + " = "
              + change[1]
              + " WHERE id = 'evt_3'");
      EmbeddedDb.execute(
          POOL,
          "UPDATE \""
              + SCHEMA
              + "\".deliveries SET state = 'PENDING', lease_owner = NULL, lease_token = NULL,"
              + " lease_expires_at = NULL WHERE id = 'dlv_3'");
      Event read = claimAll(store).get(0).delivery().event();
      assertNotSame(e, read, change[0] + " changed: the row is read");
      EmbeddedDb.execute(POOL, "TRUNCATE \"" + SCHEMA + "\".events CASCADE");
      store.enqueue(List.of(Delivery.pending("dlv_3", "wh_a", e, NOW)));
    }
    Event read = claimAll(store).get(0).delivery().event();
    assertSame(e, read, "written again as it was: matched again");
  }

  @Test
  void anOccurrenceTimeFinerThanMicrosecondsIsReadFromTheRow() {
    Event e =
        Event.builder(UserEvents.CREATED)
            .id("evt_4")
            .occurredAt(NOW.plusNanos(1))
            .user("user-4")
            .data(JsonNodeFactory.instance.objectNode().put("k", "v"))
            .build();
    store.enqueue(List.of(Delivery.pending("dlv_4", "wh_a", e, NOW)));
    Event read = claimAll(store).get(0).delivery().event();
    assertNotSame(e, read);
    assertEquals(NOW, read.occurredAt(), "as PostgreSQL keeps it: microseconds");
  }
}
