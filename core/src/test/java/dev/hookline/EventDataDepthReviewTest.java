package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Event data was accepted at any nesting depth. JSON parsers bound it (Jackson: 1,000 levels, for
 * reading and writing), and the notification body adds a level around the data, so:
 *
 * <ul>
 *   <li>data 1,000 levels deep made a body that a listener's Jackson (WebhookVerifier's included)
 *       cannot read: every attempt failed at the listener, for as long as the retries lasted;
 *   <li>deeper data could not be written at all, and {@code publish} failed with an
 *       IllegalStateException ("could not serialise event") instead of an EventValidationException;
 *   <li>a few thousand levels made {@code Event.build()} itself throw StackOverflowError.
 * </ul>
 */
class EventDataDepthReviewTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An object nested {@code depth} levels deep in all (the outer object is level 1). */
  private static ObjectNode nested(int depth) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    JsonNode cur = root;
    for (int level = 2; level <= depth; level++) {
      // alternate objects and arrays: both count as a level
      cur =
          cur instanceof ObjectNode o
              ? (level % 2 == 0 ? o.putArray("a") : o.putObject("o"))
              : ((ArrayNode) cur).addObject();
    }
    return root;
  }

  private static Event.Builder event(ObjectNode data) {
    return Event.builder(UserEvents.UPDATED)
        .user("usr_1")
        .occurredAt(Instant.parse("2026-11-22T10:15:30Z"))
        .data(data);
  }

  @Test
  void dataTooDeepForTheBodyToBeReadIsRefusedNamingTheField() {
    EventValidationException e =
        assertThrows(EventValidationException.class, () -> event(nested(901)).build());
    assertTrue(e.hasViolation("data"), e.getMessage());
  }

  @Test
  void veryDeepDataIsAValidationErrorNotAStackOverflow() {
    ObjectNode deep = nested(200_000);
    EventValidationException e =
        assertThrows(EventValidationException.class, () -> event(deep).build());
    assertTrue(e.hasViolation("data"), e.getMessage());
  }

  @Test
  void dataAsDeepAsABodyCanCarryIsAcceptedAndItsBodyReads() throws Exception {
    Event e = assertDoesNotThrow(() -> event(nested(900)).build());
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("id", e.id());
    body.set("data", e.data());
    JSON.readTree(JSON.writeValueAsBytes(body)); // the body a listener reads, one level more
  }
}
