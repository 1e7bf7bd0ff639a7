package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.InvalidFilterException;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * An {@link Instant} bound outside the years 0000 to 9999 ({@code +10000-01-01T00:00:00Z}, {@code
 * -0001-01-01T00:00:00Z}) was refused with "gt compares numbers or ISO-8601 timestamps ...; ... is
 * neither": the caller had passed a timestamp, and filter text writes four-digit years only. The
 * message now says which years a bound may have.
 */
class InstantOutsideFourDigitYearsReviewTest {
  private static final List<Function<Field, Function<Instant, Filter>>> BOUNDS =
      List.of(f -> f::gt, f -> f::gte, f -> f::lt, f -> f::lte);

  @Test
  void aBoundOutsideFourDigitYearsNamesTheYearsAllowed() {
    for (String path : List.of("data.last_login", "occurred_at")) {
      Field field = Filters.field(path);
      for (Instant bound :
          List.of(
              Instant.parse("+10000-01-01T00:00:00Z"),
              Instant.parse("-0001-12-31T23:59:59Z"),
              Instant.MAX,
              Instant.MIN)) {
        for (Function<Field, Function<Instant, Filter>> op : BOUNDS) {
          InvalidFilterException e =
              assertThrows(InvalidFilterException.class, () -> op.apply(field).apply(bound));
          assertEquals(
              path
                  + " compares timestamps in the years 0000 to 9999 (as filter text writes them); "
                  + bound
                  + " is outside them",
              e.problem());
        }
      }
    }
  }

  @Test
  void theFirstAndLastInstantsOfFourDigitYearsAreBounds() {
    Instant first = Instant.parse("0000-01-01T00:00:00Z");
    Instant last = Instant.parse("9999-12-31T23:59:59.999999999Z");
    assertEquals("data.t > \"0000-01-01T00:00:00Z\"", Filters.field("data.t").gt(first).toString());
    assertEquals(
        "occurred_at <= \"9999-12-31T23:59:59.999999999Z\"",
        Filters.field("occurred_at").lte(last).toString());
  }
}
