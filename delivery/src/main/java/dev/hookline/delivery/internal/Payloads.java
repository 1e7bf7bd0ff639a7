package dev.hookline.delivery.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hookline.Event;
import dev.hookline.Subject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The notification body, as compact UTF-8 JSON: {@code {"id","type","timestamp","subject":
 * {"user_id","app_id"?,"tenant"?},"changed":[...]?,"data"}}, with the timestamp in UTC with
 * milliseconds ({@code 2026-11-22T10:15:30.123Z}); {@code app_id}, {@code tenant} and {@code
 * changed} only when the event has them. docs/notification.schema.json is its JSON Schema.
 *
 * <p>Thread-safe.
 */
public final class Payloads {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Bodies of recent events, by event identity: {@code publish} serialises an event to check its
   * size, and every attempt of every delivery of it needs the same bytes again (with the in-memory
   * store, the very same {@link Event} object). Weak keys, so an event no longer referenced leaves;
   * bounded by bytes, so large payloads cannot pile up. A miss (an event read back from a database)
   * just serialises again: the bytes are a pure function of the event. The cache's upkeep
   * (eviction, cleared keys) runs on the calling thread: by default Caffeine hands it to the common
   * pool after writes, and with an event written per publish that woke a pool thread for nearly
   * every delivery (profiled: ~6 us of CPU per delivery, more than the upkeep itself).
   */
  private static final Cache<Event, byte[]> BODIES =
      Caffeine.newBuilder()
          .executor(Runnable::run)
          .weakKeys()
          .maximumWeight(16L * 1024 * 1024)
          .<Event, byte[]>weigher((e, bytes) -> bytes.length)
          .build();

  private static final DateTimeFormatter SLOW_TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private Payloads() {}

  /**
   * Serialises an event's notification body.
   *
   * @param event the event
   * @return the exact bytes to send and sign
   */
  public static byte[] body(Event event) {
    return BODIES.get(event, Payloads::serialize);
  }

  private static byte[] serialize(Event event) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", event.id());
    root.put("type", event.type().wireName());
    root.put("timestamp", timestamp(event.occurredAt()));
    Subject subject = event.subject();
    ObjectNode s = root.putObject("subject");
    s.put("user_id", subject.userId());
    subject.appId().ifPresent(a -> s.put("app_id", a));
    subject.tenant().ifPresent(t -> s.put("tenant", t));
    if (!event.changedAttributes().isEmpty()) {
      ArrayNode changed = root.putArray("changed");
      event.changedAttributes().forEach(changed::add);
    }
    root.set("data", event.data());
    // Into one growing array: Jackson's writeValueAsBytes keeps a linked list of segments that
    // measured as a visible share of publish() for 1 KB bodies.
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try {
      MAPPER.writeValue(out, root);
    } catch (IOException e) {
      throw new IllegalStateException("could not serialise event " + event.id(), e);
    }
    return out.toByteArray();
  }

  /**
   * Formats an instant as {@code uuuu-MM-dd'T'HH:mm:ss.SSS'Z'} in UTC, by hand: {@code
   * DateTimeFormatter} measured as a visible share of publish().
   *
   * @param t the instant
   * @return the text
   */
  static String timestamp(Instant t) {
    LocalDateTime d = LocalDateTime.ofEpochSecond(t.getEpochSecond(), t.getNano(), ZoneOffset.UTC);
    if (d.getYear() < 0 || d.getYear() > 9999) {
      return SLOW_TIMESTAMP.format(t); // the same pattern, for years the fast path cannot write
    }
    char[] c = new char[24];
    put(c, 0, d.getYear(), 4);
    c[4] = '-';
    put(c, 5, d.getMonthValue(), 2);
    c[7] = '-';
    put(c, 8, d.getDayOfMonth(), 2);
    c[10] = 'T';
    put(c, 11, d.getHour(), 2);
    c[13] = ':';
    put(c, 14, d.getMinute(), 2);
    c[16] = ':';
    put(c, 17, d.getSecond(), 2);
    c[19] = '.';
    put(c, 20, t.getNano() / 1_000_000, 3);
    c[23] = 'Z';
    return new String(c);
  }

  private static void put(char[] c, int at, int value, int digits) {
    int v = value;
    for (int i = at + digits - 1; i >= at; i--) {
      c[i] = (char) ('0' + v % 10);
      v /= 10;
    }
  }

  /**
   * Returns the shared, thread-safe JSON mapper.
   *
   * @return the mapper
   */
  public static ObjectMapper mapper() {
    return MAPPER;
  }
}
