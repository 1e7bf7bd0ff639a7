package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The wire body: exact fields, the hand-written timestamp, and the memo by event identity. */
class PayloadsTest {
  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  @Test
  void theTimestampMatchesTheReferenceFormatterForAnyInstant() {
    SplittableRandom random = new SplittableRandom(42);
    long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 100_000; i++) {
      Instant t = Instant.ofEpochSecond(random.nextLong(min, max), random.nextInt(1_000_000_000));
      assertEquals(REFERENCE.format(t), Payloads.timestamp(t), t.toString());
    }
    for (String edge :
        new String[] {
          "1970-01-01T00:00:00Z",
          "2026-11-22T10:15:30.123456789Z",
          "-0001-12-31T23:59:59.999Z",
          "+10000-01-01T00:00:00Z"
        }) {
      Instant t = Instant.parse(edge);
      assertEquals(REFERENCE.format(t), Payloads.timestamp(t), edge);
    }
  }

  @Test
  void theBodyHoldsIdTypeTimestampSubjectAndDataAndIsMemoisedPerEvent() throws Exception {
    ObjectNode data = JsonNodeFactory.instance.objectNode().put("email", "ada@example.com");
    Event e =
        Event.builder(UserEvents.UPDATED)
            .id("evt_1")
            .occurredAt(Instant.parse("2026-11-22T10:15:30.123Z"))
            .user("usr_1")
            .data(data)
            .build();
    byte[] body = Payloads.body(e);
    JsonNode parsed = Payloads.mapper().readTree(body);
    assertEquals(
        "{\"id\":\"evt_1\",\"type\":\"user.updated\",\"timestamp\":\"2026-11-22T10:15:30.123Z\","
            + "\"subject\":{\"user_id\":\"usr_1\"},\"data\":{\"email\":\"ada@example.com\"}}",
        new String(body, StandardCharsets.UTF_8),
        "no app_id, tenant or changed when the event has none");
    assertEquals(5, parsed.size());
    assertSame(body, Payloads.body(e), "the same event object: the same bytes, not re-serialised");
    Event twin =
        Event.builder(UserEvents.UPDATED)
            .id("evt_1")
            .occurredAt(Instant.parse("2026-11-22T10:15:30.123Z"))
            .user("usr_1")
            .data(data)
            .build();
    assertArrayEquals(body, Payloads.body(twin), "an equal event read back: equal bytes");
  }

  @Test
  void theSubjectsAppAndTenantAndTheChangedAttributesAreSentWhenPresent() {
    Event e =
        Event.builder(UserEvents.UPDATED)
            .id("evt_2")
            .occurredAt(Instant.parse("2026-11-22T10:15:30Z"))
            .subject(Subject.user("usr_1").withApp("app_console").withTenant("acme"))
            .changed("password", "email")
            .build();
    assertEquals(
        "{\"id\":\"evt_2\",\"type\":\"user.updated\",\"timestamp\":\"2026-11-22T10:15:30.000Z\","
            + "\"subject\":{\"user_id\":\"usr_1\",\"app_id\":\"app_console\",\"tenant\":\"acme\"},"
            + "\"changed\":[\"email\",\"password\"],\"data\":{}}",
        new String(Payloads.body(e), StandardCharsets.UTF_8));
  }
}
