package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/** Conversions used when comparing event values. */
final class Values {
  private Values() {}

  /**
   * The exact decimal a JSON number means as written: a double is read through its shortest decimal
   * form, so {@code 0.1} equals the literal {@code 0.1}; a float likewise through its own shortest
   * form ({@code 0.1f} is written {@code 0.1}, not as the double it widens to).
   */
  static BigDecimal decimal(JsonNode node) {
    if (node.isBigDecimal()) {
      return node.decimalValue();
    }
    if (node.isIntegralNumber()) {
      return new BigDecimal(node.bigIntegerValue());
    }
    if (node.isFloat()) {
      float f = node.floatValue();
      if (!Float.isFinite(f)) {
        throw Problem.of("number " + f + " is not finite");
      }
      return new BigDecimal(Float.toString(f));
    }
    double d = node.doubleValue();
    if (!Double.isFinite(d)) {
      throw Problem.of("number " + d + " is not finite");
    }
    return new BigDecimal(Double.toString(d));
  }

  /** Reads a JSON number as a decimal, or null if it is not a finite number. */
  static @Nullable BigDecimal decimalOrNull(JsonNode node) {
    if (!node.isNumber()) {
      return null;
    }
    if (node.isFloatingPointNumber()
        && !node.isBigDecimal()
        && !Double.isFinite(node.doubleValue())) {
      return null;
    }
    return decimal(node);
  }

  /**
   * Parses an ISO-8601 timestamp with an offset ({@code 2026-01-02T03:04:05Z}, seconds optional as
   * ISO-8601 allows: {@code 2026-01-02T03:04Z}), or null. The length check only spares the parser
   * what cannot be one: the shortest is 17 characters.
   */
  static @Nullable Instant timestamp(String s) {
    if (s.length() < 17 || s.length() > 40 || s.charAt(4) != '-') {
      return null;
    }
    try {
      return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
