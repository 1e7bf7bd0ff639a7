package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.Subject;
import org.junit.jupiter.api.Test;

/**
 * ISO-8601 (and {@code DateTimeFormatter.ISO_OFFSET_DATE_TIME}, which filters read timestamps with)
 * lets the seconds be left out: {@code 2026-11-22T10:15Z}. A length check before parsing wanted at
 * least 20 characters, so {@code "2026-11-22T10:15+01:00"} was a timestamp and {@code
 * "2026-11-22T10:15Z"}, the same form in UTC, was not: {@code occurred_at > "2026-11-22T10:15Z"}
 * was refused as "needs ISO-8601 timestamps with an offset", and a {@code data} value written so
 * never matched an ordering.
 */
class TimestampWithoutSecondsReviewTest {
  private static final Event AT_10_15_30 =
      Fixtures.event(
          Fixtures.UPDATED, Subject.user("usr_1"), "{\"renewsAt\": \"2026-11-22T10:15Z\"}");

  @Test
  void occurredAtComparesWithATimestampWithoutSeconds() {
    Filter after = Filters.parse("occurred_at > \"2026-11-22T10:15Z\"");
    assertEquals("occurred_at > \"2026-11-22T10:15Z\"", after.canonicalText());
    assertTrue(after.test(AT_10_15_30), "10:15:30 is after 10:15");
    assertTrue(Filters.parse("occurred_at < \"2026-11-22T10:16Z\"").test(AT_10_15_30));
    assertFalse(Filters.parse("occurred_at == \"2026-11-22T10:15Z\"").test(AT_10_15_30));
    assertTrue(
        Filters.parseJson("{\"occurred_at\": {\"$gte\": \"2026-11-22T10:15Z\"}}")
            .test(AT_10_15_30));
  }

  @Test
  void aDataTimestampWithoutSecondsIsOrdered() {
    assertTrue(Filters.parse("data.renewsAt > \"2026-11-22T10:14:59Z\"").test(AT_10_15_30));
    assertTrue(Filters.parse("data.renewsAt <= \"2026-11-22T10:15Z\"").test(AT_10_15_30));
    assertFalse(Filters.parse("data.renewsAt < \"2026-11-22T11:15+01:00\"").test(AT_10_15_30));
  }
}
