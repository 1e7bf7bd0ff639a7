package dev.hookline.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Event;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;

/**
 * When two events published under one id are the same event, for the Stores' check that an event id
 * names one event ({@code Store#enqueue}). Stateless.
 */
public final class SameEvent {
  private static final Comparator<JsonNode> NUMBERS_BY_VALUE =
      (x, y) -> {
        if (x.isNumber() && y.isNumber()) {
          return x.decimalValue().compareTo(y.decimalValue());
        }
        return x.equals(y) ? 0 : 1;
      };

  private SameEvent() {}

  /**
   * Whether {@code a} and {@code b} are the same event as the PostgreSQL store compares them: the
   * type by its wire name, the time to the microsecond it keeps, the subject and the changed
   * attributes, and the data with numbers by value (5, 5.0 and a long 5 alike, as jsonb does).
   * Called with events of one id.
   *
   * @param a an event
   * @param b an event of the same id
   * @return whether they are the same event
   */
  public static boolean of(Event a, Event b) {
    return a.type().wireName().equals(b.type().wireName())
        && a.occurredAt()
            .truncatedTo(ChronoUnit.MICROS)
            .equals(b.occurredAt().truncatedTo(ChronoUnit.MICROS))
        && a.subject().equals(b.subject())
        && a.changedAttributes().equals(b.changedAttributes())
        && a.data().equals(NUMBERS_BY_VALUE, b.data());
  }
}
