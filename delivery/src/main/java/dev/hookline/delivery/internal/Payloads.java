package dev.hookline.delivery.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hookline.Event;
import dev.hookline.HooklineException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The notification body: {@code {"id","type","timestamp","data"}} as compact UTF-8 JSON, with the
 * timestamp in UTC with milliseconds ({@code 2026-11-22T10:15:30.123Z}).
 *
 * <p>Thread-safe.
 */
public final class Payloads {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /**
   * Bodies of recent events, by event identity: {@code publish} serialises an event to check its
   * size, and every attempt of every delivery of it needs the same bytes again (with the in-memory
   * store, the very same {@link Event} object). Weak keys, so an event no longer referenced leaves;
   * bounded by bytes, so large payloads cannot pile up. A miss (an event read back from a database)
   * just serialises again: the bytes are a pure function of the event.
   */
  private static final Cache<Event, byte[]> BODIES =
      Caffeine.newBuilder()
          .weakKeys()
          .maximumWeight(16L * 1024 * 1024)
          .<Event, byte[]>weigher((e, bytes) -> bytes.length)
          .build();

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
    root.put("timestamp", TIMESTAMP.format(event.occurredAt()));
    root.set("data", event.data());
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new HooklineException("could not serialise event " + event.id(), e);
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
