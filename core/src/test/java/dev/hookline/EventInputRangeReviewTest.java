package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Values that {@code Event.build()} accepted but that cannot travel: the in-memory store takes
 * them, the PostgreSQL store refuses the enqueue with a {@code StoreException} (or silently changes
 * them), and the notification body breaks docs/notification.schema.json. See store-jdbc's {@code
 * EventInputRangeStoreTest} for what PostgreSQL does with them.
 */
class EventInputRangeReviewTest {
  private static Event.Builder event() {
    return Event.builder(UserEvents.UPDATED)
        .id("evt_1")
        .user("usr_1")
        .occurredAt(Instant.parse("2026-11-22T10:15:30Z"));
  }

  /**
   * The body's {@code timestamp} is {@code yyyy-MM-ddTHH:mm:ss.SSSZ} (schema pattern {@code
   * ^[0-9]{4}-...}) and PostgreSQL's timestamptz takes years 1 to 9999 written that way: year 0,
   * negative years and years past 9999 failed the PostgreSQL enqueue with SQLState
   * 22008/22007/22009 (a StoreException, which reads as an outage) and went out in a body the
   * schema refuses.
   */
  @Test
  void anOccurredAtOutsideYears1To9999IsRefusedNamingTheField() {
    for (String t :
        List.of(
            "0000-12-31T23:59:59Z",
            "-0001-01-01T00:00:00Z",
            "+10000-01-01T00:00:00Z",
            "+1000000000-01-01T00:00:00Z")) {
      EventValidationException e =
          assertThrows(
              EventValidationException.class,
              () -> event().occurredAt(Instant.parse(t)).build(),
              t);
      assertTrue(e.hasViolation("occurredAt"), e.getMessage());
    }
    assertDoesNotThrow(() -> event().occurredAt(Instant.parse("0001-01-01T00:00:00Z")).build());
    assertDoesNotThrow(
        () -> event().occurredAt(Instant.parse("9999-12-31T23:59:59.999999999Z")).build());
  }

  /**
   * An unpaired UTF-16 surrogate is no Unicode character: PostgreSQL's driver writes it as '?', so
   * the stored event (and every notification body sent from it after a read-back) says something
   * else than the one published, while the in-memory store keeps it. Strict JSON parsers (Rust's
   * serde_json, Go's in strict mode) refuse the escaped lone surrogate in the body.
   */
  @Test
  void anUnpairedSurrogateInDataOrSubjectIsRefused() {
    ObjectNode value = JsonNodeFactory.instance.objectNode();
    value.putObject("profile").put("name", "Ada\uD800");
    EventValidationException inValue =
        assertThrows(EventValidationException.class, () -> event().data(value).build());
    assertTrue(inValue.hasViolation("data"), inValue.getMessage());

    ObjectNode key = JsonNodeFactory.instance.objectNode();
    key.putArray("list").addObject().put("k\uDC00", 1);
    EventValidationException inKey =
        assertThrows(EventValidationException.class, () -> event().data(key).build());
    assertTrue(inKey.hasViolation("data"), inKey.getMessage());

    EventValidationException inUser =
        assertThrows(EventValidationException.class, () -> event().user("usr\uD83D").build());
    assertTrue(inUser.hasViolation("subject.user_id"), inUser.getMessage());

    EventValidationException inApp =
        assertThrows(
            EventValidationException.class,
            () -> event().subject(Subject.user("usr_1").withApp("\uDE00app")).build());
    assertTrue(inApp.hasViolation("subject.app_id"), inApp.getMessage());

    // a proper pair (an emoji) is fine
    ObjectNode emoji = JsonNodeFactory.instance.objectNode().put("mood", "\uD83D\uDE00");
    assertDoesNotThrow(() -> event().user("usr_\uD83D\uDE00").data(emoji).build());
  }

  /**
   * JSON has no NaN or infinity (RFC 8259, section 6): Jackson writes a double NaN as the string
   * {@code "NaN"}, so a listener expecting a number got a string, and a receiver whose parser
   * refuses non-numbers in a numeric field failed on every attempt.
   */
  @Test
  void nanAndTheInfinitiesInDataAreRefusedNamingWhere() {
    for (double bad :
        new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      ObjectNode data = JsonNodeFactory.instance.objectNode();
      data.putObject("stats").put("ratio", bad);
      EventValidationException e =
          assertThrows(EventValidationException.class, () -> event().data(data).build());
      assertTrue(e.hasViolation("data"), e.getMessage());
      assertTrue(e.getMessage().contains("/stats/ratio"), e.getMessage());
    }
    ObjectNode floats = JsonNodeFactory.instance.objectNode();
    floats.putArray("list").add(Float.NaN);
    assertThrows(EventValidationException.class, () -> event().data(floats).build());
    ObjectNode finite = JsonNodeFactory.instance.objectNode();
    finite.put("max", Double.MAX_VALUE).put("min", -Float.MAX_VALUE).put("tiny", Double.MIN_VALUE);
    assertDoesNotThrow(() -> event().data(finite).build());
  }
}
