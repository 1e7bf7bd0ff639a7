package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.Event;
import dev.hookline.EventConflictException;
import dev.hookline.UserEvents;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.math.BigDecimal;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An event id names one event: publishing it again with other content is refused with {@link
 * EventConflictException}, and the same content adds only the new deliveries. The PostgreSQL store
 * compared data that differs as text through jsonb, which refuses numbers beyond PostgreSQL's
 * numeric range (1E+200000, 1E-20000: the builder takes them, and the store keeps them as written)
 * and escaped NUL characters. A republish of such an event failed with a StoreException (SQLState
 * 22003) instead, other content or not; and with an escaped NUL, the same content written in
 * another key order was refused as a conflict, where the in-memory store adds its deliveries.
 */
class RepublishBeyondJsonbReviewTest {
  private static final String SCHEMA = "republish_beyond_jsonb";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

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

  private static Store store(String kind) {
    if (kind.equals("memory")) {
      return new InMemoryStore();
    }
    EmbeddedDb.truncate(DS, SCHEMA);
    return EmbeddedDb.store(DS, SCHEMA);
  }

  private static Event event(ObjectNode data) {
    return Event.builder(UserEvents.UPDATED)
        .id("evt_1")
        .occurredAt(T0)
        .user("usr_1")
        .data(data)
        .build();
  }

  private static ObjectNode data(String name, Object value, int n, boolean valueFirst) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    if (!valueFirst) {
      o.put("n", n);
    }
    if (value instanceof BigDecimal b) {
      o.put(name, b);
    } else {
      o.put(name, (String) value);
    }
    if (valueFirst) {
      o.put("n", n);
    }
    return o;
  }

  private static final Object[] UNREPRESENTABLE = {
    "a\u0000b", new BigDecimal("1E+200000"), new BigDecimal("1E-20000")
  };

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"memory", "postgres"})
  void otherContentIsAConflict(String kind) {
    Store store = store(kind);
    store.insertWebhook(webhook("wh_a", T0));
    store.insertWebhook(webhook("wh_b", T0));
    for (int k = 0; k < UNREPRESENTABLE.length; k++) {
      int i = k;
      Object value = UNREPRESENTABLE[i];
      String name = "v" + i;
      String id = "evt_" + i;
      Event first = event(data(name, value, 1, true)).toBuilder().id(id).build();
      store.enqueue(List.of(Delivery.pending("dlv_a" + i, "wh_a", first, T0)));
      Event other = event(data(name, value, 2, true)).toBuilder().id(id).build();
      // fails now on PostgreSQL with StoreException (SQLState 22003) for the two numbers
      EventConflictException e =
          assertThrows(
              EventConflictException.class,
              () -> store.enqueue(List.of(Delivery.pending("dlv_b" + i, "wh_b", other, T0))),
              value::toString);
      assertEquals(id, e.eventId());
      assertEquals(
          List.of("dlv_a" + i),
          store.findDeliveries(DeliveryQuery.builder().event(id).build()).stream()
              .map(Delivery::id)
              .toList());
    }
  }

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"memory", "postgres"})
  void theSameContentInAnotherKeyOrderAddsOnlyTheNewDeliveries(String kind) {
    Store store = store(kind);
    store.insertWebhook(webhook("wh_a", T0));
    store.insertWebhook(webhook("wh_b", T0));
    for (int i = 0; i < UNREPRESENTABLE.length; i++) {
      Object value = UNREPRESENTABLE[i];
      String name = "v" + i;
      String id = "evt_" + i;
      Event first = event(data(name, value, 1, true)).toBuilder().id(id).build();
      store.enqueue(List.of(Delivery.pending("dlv_a" + i, "wh_a", first, T0)));
      Event same = event(data(name, value, 1, false)).toBuilder().id(id).build();
      // fails now on PostgreSQL: StoreException (22003) for the numbers, a conflict for the NUL
      List<Delivery> added =
          store.enqueue(
              List.of(
                  Delivery.pending("dlv_a" + i + "_again", "wh_a", same, T0),
                  Delivery.pending("dlv_b" + i, "wh_b", same, T0)));
      assertEquals(
          List.of("dlv_b" + i), added.stream().map(Delivery::id).toList(), value::toString);
    }
  }

  /** On the caller's transaction too, and the transaction goes on. */
  @ParameterizedTest(name = "conflict: {0}")
  @ValueSource(booleans = {true, false})
  void onTheCallersTransaction(boolean conflict) throws Exception {
    PostgresStore store = (PostgresStore) store("postgres");
    store.insertWebhook(webhook("wh_a", T0));
    store.insertWebhook(webhook("wh_b", T0));
    BigDecimal huge = new BigDecimal("1E+200000");
    store.enqueue(List.of(Delivery.pending("dlv_a", "wh_a", event(data("v", huge, 1, true)), T0)));
    Event again = event(data("v", huge, conflict ? 2 : 1, false));
    Event fresh = event(data("w", "x", 1, true)).toBuilder().id("evt_fresh").build();
    List<Delivery> batch =
        List.of(
            Delivery.pending("dlv_fresh", "wh_b", fresh, T0),
            Delivery.pending("dlv_b", "wh_b", again, T0));
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      if (conflict) {
        assertThrows(EventConflictException.class, () -> store.enqueue(c, batch));
      } else {
        assertEquals(
            List.of("dlv_fresh", "dlv_b"),
            store.enqueue(c, batch).stream().map(Delivery::id).toList());
      }
      c.commit();
    }
    assertEquals(
        conflict ? 0 : 1,
        EmbeddedDb.count(DS, "SELECT count(*) FROM " + SCHEMA + ".events WHERE id = 'evt_fresh'"));
    assertEquals(
        conflict ? 1 : 3, EmbeddedDb.count(DS, "SELECT count(*) FROM " + SCHEMA + ".deliveries"));
  }
}
