package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.EventValidationException;
import dev.hookline.UserEvents;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * An event that {@code Event.build()} accepts must be stored by PostgreSQL as it was published (the
 * in-memory store keeps it as it is): either the builder refuses it, or the store keeps it whole.
 * Before, some such events failed the enqueue with a StoreException (which reads as an outage, so a
 * publisher retries for ever), and others were stored changed, so a claim that reads the row back
 * (another instance, a restart) sent a different notification under the same webhook-id.
 */
class EventInputRangeStoreTest {

  /** Builds the event; null if the builder refuses it (which is fine). */
  private static Event buildOrNull(Supplier<Event> build) {
    try {
      return build.get();
    } catch (EventValidationException refused) {
      return null;
    }
  }

  private static void assertStoredAsPublished(PostgresStore store, String n, Event e) {
    if (e == null) {
      return; // refused up front: nothing to store
    }
    store.enqueue(List.of(Delivery.pending("dlv_" + n, "wh_a", e, T0)));
    Event back = store.findDelivery("dlv_" + n).orElseThrow().event();
    assertEquals(e.data(), back.data(), n + ": data read back");
    assertEquals(e.subject(), back.subject(), n + ": subject read back");
  }

  private static Event.Builder event(String id) {
    return Event.builder(UserEvents.UPDATED).id(id).occurredAt(T0).user("usr_1");
  }

  @Test
  void anOccurredAtPostgresCannotStoreIsRefusedByTheBuilderNotByTheEnqueue() throws Exception {
    DataSource ds = EmbeddedDb.dataSource();
    EmbeddedDb.dropSchema(ds, "event_range_time");
    PostgresStore store = EmbeddedDb.store(ds, "event_range_time");
    try {
      store.insertWebhook(webhook("wh_a", T0));
      String[] times = {"0000-06-01T00:00:00Z", "-0001-01-01T00:00:00Z", "+10000-01-01T00:00:00Z"};
      for (int i = 0; i < times.length; i++) {
        Instant at = Instant.parse(times[i]);
        String id = "evt_t" + i;
        // fails now with StoreException: SQLState 22008 / 22007 / 22009
        assertStoredAsPublished(
            store, "t" + i, buildOrNull(() -> event(id).occurredAt(at).build()));
      }
    } finally {
      EmbeddedDb.dropSchema(ds, "event_range_time");
    }
  }

  @Test
  void anUnpairedSurrogateIsNotStoredAsAQuestionMark() throws Exception {
    DataSource ds = EmbeddedDb.dataSource();
    EmbeddedDb.dropSchema(ds, "event_range_surrogate");
    PostgresStore store = EmbeddedDb.store(ds, "event_range_surrogate");
    try {
      store.insertWebhook(webhook("wh_a", T0));
      ObjectNode data = JsonNodeFactory.instance.objectNode().put("name", "Ada\uD800");
      // stored as {"name":"Ada?"}
      assertStoredAsPublished(store, "s1", buildOrNull(() -> event("evt_s1").data(data).build()));
      // stored as user id "usr?"
      assertStoredAsPublished(
          store, "s2", buildOrNull(() -> event("evt_s2").user("usr\uD800").build()));
    } finally {
      EmbeddedDb.dropSchema(ds, "event_range_surrogate");
    }
  }

  /**
   * The store reads data back with a default ObjectMapper, which makes every non-integer number a
   * double: a decimal with more than 17 significant digits loses them (an amount of
   * 12345678901234567.89 comes back as 1.2345678901234568E16), and one beyond a double's range
   * comes back as Infinity, which the notification body then writes as the string "Infinity". A
   * claim that reads the row (another instance, after a restart) sends those numbers instead of the
   * published ones, under the same webhook-id.
   */
  @Test
  void decimalNumbersReadBackAsPublished() throws Exception {
    DataSource ds = EmbeddedDb.dataSource();
    EmbeddedDb.dropSchema(ds, "event_range_numbers");
    PostgresStore store = EmbeddedDb.store(ds, "event_range_numbers");
    try {
      store.insertWebhook(webhook("wh_a", T0));
      ObjectNode amount =
          JsonNodeFactory.instance
              .objectNode()
              .put("amount", new BigDecimal("12345678901234567.89"));
      assertStoredAsPublished(store, "n1", buildOrNull(() -> event("evt_n1").data(amount).build()));
      ObjectNode huge = JsonNodeFactory.instance.objectNode().put("x", new BigDecimal("1e400"));
      assertStoredAsPublished(store, "n2", buildOrNull(() -> event("evt_n2").data(huge).build()));
    } finally {
      EmbeddedDb.dropSchema(ds, "event_range_numbers");
    }
  }
}
