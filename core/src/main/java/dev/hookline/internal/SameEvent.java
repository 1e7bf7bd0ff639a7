package dev.hookline.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Event;
import java.math.BigDecimal;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;

/**
 * When two events published under one id are the same event, for the Stores' check that an event id
 * names one event ({@code Store#enqueue}). Stateless.
 */
public final class SameEvent {
  /**
   * Numbers by the value they are written as (a float 0.1 is written 0.1, and equals a decimal 0.1,
   * as in the stored JSON); NaN and the infinities, which have no decimal value, only equal
   * themselves; everything else by Jackson's equality.
   */
  private static final Comparator<JsonNode> NUMBERS_BY_VALUE =
      (x, y) -> {
        if (x.isNumber() && y.isNumber() && finite(x) && finite(y)) {
          return new BigDecimal(x.asText()).compareTo(new BigDecimal(y.asText()));
        }
        return x.equals(y) ? 0 : 1;
      };

  private static boolean finite(JsonNode number) {
    return !number.isFloatingPointNumber() || Double.isFinite(number.doubleValue());
  }

  private SameEvent() {}

  /**
   * Whether {@code a} and {@code b} are the same event as the PostgreSQL store compares them: the
   * type by its wire name, the time to the microsecond it keeps, the subject and the changed
   * attributes, and the data with numbers by the value they are written as (5, 5.0 and a long 5
   * alike, as jsonb compares them). Called with events of one id.
   *
   * @param a an event
   * @param b an event of the same id
   * @return whether they are the same event
   */
  @SuppressWarnings("ReferenceEquality") // the same object: one event fanned out to many webhooks
  public static boolean of(Event a, Event b) {
    return a == b
        || (a.type().wireName().equals(b.type().wireName())
            && a.occurredAt()
                .truncatedTo(ChronoUnit.MICROS)
                .equals(b.occurredAt().truncatedTo(ChronoUnit.MICROS))
            && a.subject().equals(b.subject())
            && a.changedAttributes().equals(b.changedAttributes())
            && a.data().equals(NUMBERS_BY_VALUE, b.data()));
  }
}
