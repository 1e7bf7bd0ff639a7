package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import org.junit.jupiter.api.Test;

/**
 * A {@code float} in event data ({@code data.put("price", 0.1f)}, or a POJO field of type float
 * turned into a tree) is written into the notification body as its shortest decimal, {@code 0.1},
 * but filters compared the float's exact binary value widened to double, 0.10000000149011612:
 * {@code data.price == 0.1} did not match an event whose body says {@code "price":0.1}, and {@code
 * data.price > 0.1} did.
 */
class FloatDataReviewTest {
  @Test
  void aFloatInDataComparesAsTheNumberTheBodySays() throws Exception {
    ObjectNode data = JsonNodeFactory.instance.objectNode().put("price", 0.1f).put("rate", 2.2f);
    Event e =
        Event.builder(UserEvents.UPDATED).occurredAt(Fixtures.T0).user("usr_1").data(data).build();
    // what the receiver reads
    assertEquals("{\"price\":0.1,\"rate\":2.2}", new ObjectMapper().writeValueAsString(e.data()));

    assertTrue(Filters.parse("data.price == 0.1").test(e), "== 0.1");
    assertTrue(Filters.parse("data.price in (0.1, 5)").test(e), "in (0.1, 5)");
    assertFalse(Filters.parse("data.price > 0.1").test(e), "> 0.1");
    assertTrue(Filters.parse("data.price <= 0.1").test(e), "<= 0.1");
    assertFalse(Filters.parse("data.rate < 2.2").test(e), "< 2.2");
    assertTrue(Filters.parseJson("{\"data.rate\": 2.2}").test(e), "JSON $eq 2.2");
  }
}
