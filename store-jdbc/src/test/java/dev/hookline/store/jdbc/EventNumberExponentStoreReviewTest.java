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
import java.math.BigInteger;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Event data may hold decimals of up to 1,000 characters, but a short one can still be unreadable:
 * a {@code BigDecimal} of scale {@code Integer.MIN_VALUE} ({@code 1E+2147483648}, or what {@code
 * new BigDecimal("10e2147483647")} gives a host reading its customers' JSON as decimals) is written
 * with an exponent beyond {@code int}, which neither {@code BigDecimal} nor Jackson reads back. The
 * builder took it, PostgreSQL stored it, and reading the row ({@code findDelivery}) threw {@code
 * NumberFormatException}. Now the builder refuses such a number, naming {@code data}; large
 * exponents that read back are kept whole.
 */
class EventNumberExponentStoreReviewTest {
  @Test
  void aNumberThatCannotBeReadBackIsRefusedByTheBuilder() throws Exception {
    DataSource ds = EmbeddedDb.dataSource();
    EmbeddedDb.dropSchema(ds, "event_number_exponent");
    PostgresStore store = EmbeddedDb.store(ds, "event_number_exponent");
    try {
      store.insertWebhook(webhook("wh_a", T0));
      BigDecimal[] numbers = {
        new BigDecimal("1E+200000"),
        new BigDecimal("1E-20000"),
        new BigDecimal(BigInteger.ONE, Integer.MIN_VALUE),
        new BigDecimal(BigInteger.ONE, Integer.MAX_VALUE),
        new BigDecimal(BigInteger.ONE, Integer.MIN_VALUE + 1), // 1E+2147483647: reads back
        new BigDecimal("10e2147483647"), // 1.0E+2147483648
        new BigDecimal(BigInteger.valueOf(123), Integer.MIN_VALUE + 2) // 1.23E+2147483648
      };
      for (int i = 0; i < numbers.length; i++) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("n", numbers[i]);
        Event e;
        try {
          e =
              Event.builder(UserEvents.UPDATED)
                  .id("evt_x" + i)
                  .occurredAt(T0)
                  .user("usr_1")
                  .data(data)
                  .build();
        } catch (EventValidationException refused) {
          assertEquals("data", refused.violations().get(0).field(), refused::getMessage);
          continue;
        }
        store.enqueue(List.of(Delivery.pending("dlv_x" + i, "wh_a", e, T0)));
        Event back = store.findDelivery("dlv_x" + i).orElseThrow().event();
        assertEquals(e.data(), back.data(), numbers[i] + " read back");
      }
    } finally {
      EmbeddedDb.dropSchema(ds, "event_number_exponent");
    }
  }
}
