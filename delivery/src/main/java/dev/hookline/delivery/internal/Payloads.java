package dev.hookline.delivery.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  private Payloads() {}

  /**
   * Serialises an event's notification body.
   *
   * @param event the event
   * @return the exact bytes to send and sign
   */
  public static byte[] body(Event event) {
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
