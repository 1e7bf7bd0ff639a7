package dev.hookline.filter;

import dev.hookline.InvalidFilterException;
import dev.hookline.filter.internal.Compare;
import dev.hookline.filter.internal.Exists;
import dev.hookline.filter.internal.FieldPath;
import dev.hookline.filter.internal.Literal;
import dev.hookline.filter.internal.Op;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A field of an event, from {@link Filters#field(String)}, on which to build a condition: {@code
 * Filters.field("subject.app_id").in("app1", "app2")}.
 *
 * <p>Every method checks that the operator suits the field (for example, {@code type} takes only
 * event type names, ordering operators take numbers or timestamps) and throws {@link
 * dev.hookline.InvalidFilterException} if not. Immutable and thread-safe.
 */
public final class Field {
  private final FieldPath path;

  Field(FieldPath path) {
    this.path = path;
  }

  /**
   * Returns the field's canonical path, such as {@code data.items[0].name}.
   *
   * @return the path
   */
  public String path() {
    return path.text();
  }

  /**
   * Matches when the field is the string {@code value}.
   *
   * @param value the string
   * @return the filter
   */
  public Filter eq(String value) {
    return compare(Op.EQ, Literal.of(Objects.requireNonNull(value, "value")));
  }

  /**
   * Matches when the field is a number equal to {@code value}.
   *
   * @param value the number
   * @return the filter
   */
  public Filter eq(long value) {
    return compare(Op.EQ, Literal.of(BigDecimal.valueOf(value)));
  }

  /**
   * Matches when the field is a number equal to {@code value} (compared by value: 1.0 equals 1).
   *
   * @param value the number
   * @return the filter
   */
  public Filter eq(BigDecimal value) {
    return compare(Op.EQ, Literal.of(Objects.requireNonNull(value, "value")));
  }

  /**
   * Matches when the field is the boolean {@code value}.
   *
   * @param value the boolean
   * @return the filter
   */
  public Filter eq(boolean value) {
    return compare(Op.EQ, Literal.of(value));
  }

  /**
   * Matches when the field is JSON {@code null} (not when it is missing: see {@link #exists()}).
   *
   * @return the filter
   */
  public Filter isNull() {
    return compare(Op.EQ, Literal.nullValue());
  }

  /**
   * Matches when the field is not the string {@code value}, including when it is missing.
   *
   * @param value the string
   * @return the filter
   */
  public Filter ne(String value) {
    return compare(Op.NE, Literal.of(Objects.requireNonNull(value, "value")));
  }

  /**
   * Matches when the field is not a number equal to {@code value}, including when it is missing.
   *
   * @param value the number
   * @return the filter
   */
  public Filter ne(long value) {
    return compare(Op.NE, Literal.of(BigDecimal.valueOf(value)));
  }

  /**
   * Matches when the field is not the boolean {@code value}, including when it is missing.
   *
   * @param value the boolean
   * @return the filter
   */
  public Filter ne(boolean value) {
    return compare(Op.NE, Literal.of(value));
  }

  /**
   * Matches when the field is one of the strings.
   *
   * @param values one or more strings
   * @return the filter
   */
  public Filter in(String... values) {
    return compare(Op.IN, strings(values));
  }

  /**
   * Matches when the field is a number equal to one of the values.
   *
   * @param values one or more numbers
   * @return the filter
   */
  public Filter in(long... values) {
    return compare(Op.IN, numbers(values));
  }

  /**
   * Matches when the field is none of the strings, including when it is missing.
   *
   * @param values one or more strings
   * @return the filter
   */
  public Filter notIn(String... values) {
    return compare(Op.NOT_IN, strings(values));
  }

  /**
   * Matches when the field is a number equal to none of the values, or is missing.
   *
   * @param values one or more numbers
   * @return the filter
   */
  public Filter notIn(long... values) {
    return compare(Op.NOT_IN, numbers(values));
  }

  /**
   * Matches when the field is a number greater than {@code value}.
   *
   * @param value the bound
   * @return the filter
   */
  public Filter gt(long value) {
    return compare(Op.GT, Literal.of(BigDecimal.valueOf(value)));
  }

  /**
   * Matches when the field is a number greater than {@code value}.
   *
   * @param value the bound
   * @return the filter
   */
  public Filter gt(BigDecimal value) {
    return compare(Op.GT, Literal.of(Objects.requireNonNull(value, "value")));
  }

  /**
   * Matches when the field is an ISO-8601 timestamp after {@code value}.
   *
   * @param value the bound, in the years 0000 to 9999 (those filter text can write)
   * @return the filter
   * @throws dev.hookline.InvalidFilterException if {@code value} lies outside those years
   */
  public Filter gt(Instant value) {
    return compare(Op.GT, timestamp(value));
  }

  /**
   * Matches when the field is a number at least {@code value}.
   *
   * @param value the bound
   * @return the filter
   */
  public Filter gte(long value) {
    return compare(Op.GTE, Literal.of(BigDecimal.valueOf(value)));
  }

  /**
   * Matches when the field is a number at least {@code value}.
   *
   * @param value the bound
   * @return the filter
   */
  public Filter gte(BigDecimal value) {
    return compare(Op.GTE, Literal.of(Objects.requireNonNull(value, "value")));
  }

  /**
   * Matches when the field is an ISO-8601 timestamp at or after {@code value}.
   *
   * @param value the bound, in the years 0000 to 9999 (those filter text can write)
   * @return the filter
   * @throws dev.hookline.InvalidFilterException if {@code value} lies outside those years
   */
  public Filter gte(Instant value) {
    return compare(Op.GTE, timestamp(value));
  }

  /**
   * Matches when the field is a number less than {@code value}.
   *
   * @param value the bound
   * @return the filter
   */
  public Filter lt(long value) {
    return compare(Op.LT, Literal.of(BigDecimal.valueOf(value)));
  }

  /**
   * Matches when the field is a number less than {@code value}.
   *
   * @param value the bound
   * @return the filter
   */
  public Filter lt(BigDecimal value) {
    return compare(Op.LT, Literal.of(Objects.requireNonNull(value, "value")));
  }

  /**
   * Matches when the field is an ISO-8601 timestamp before {@code value}.
   *
   * @param value the bound, in the years 0000 to 9999 (those filter text can write)
   * @return the filter
   * @throws dev.hookline.InvalidFilterException if {@code value} lies outside those years
   */
  public Filter lt(Instant value) {
    return compare(Op.LT, timestamp(value));
  }

  /**
   * Matches when the field is a number at most {@code value}.
   *
   * @param value the bound
   * @return the filter
   */
  public Filter lte(long value) {
    return compare(Op.LTE, Literal.of(BigDecimal.valueOf(value)));
  }

  /**
   * Matches when the field is a number at most {@code value}.
   *
   * @param value the bound
   * @return the filter
   */
  public Filter lte(BigDecimal value) {
    return compare(Op.LTE, Literal.of(Objects.requireNonNull(value, "value")));
  }

  /**
   * Matches when the field is an ISO-8601 timestamp at or before {@code value}.
   *
   * @param value the bound, in the years 0000 to 9999 (those filter text can write)
   * @return the filter
   * @throws dev.hookline.InvalidFilterException if {@code value} lies outside those years
   */
  public Filter lte(Instant value) {
    return compare(Op.LTE, timestamp(value));
  }

  /**
   * Matches when the event has a value at this field (JSON {@code null} counts as a value).
   *
   * @return the filter
   */
  public Filter exists() {
    return new Filter(Exists.of(path));
  }

  /**
   * Matches when the field is a string starting with {@code prefix}.
   *
   * @param prefix the prefix
   * @return the filter
   */
  public Filter startsWith(String prefix) {
    return compare(Op.STARTS_WITH, Literal.of(Objects.requireNonNull(prefix, "prefix")));
  }

  /**
   * Matches when the field is a string in which the regular expression finds a match (anchor it
   * with {@code ^...$} to match the whole string). Patterns that can backtrack catastrophically are
   * rejected; matching is bounded (see docs/filters.md).
   *
   * @param regex a {@link java.util.regex.Pattern} expression
   * @return the filter
   */
  public Filter matches(String regex) {
    return compare(Op.MATCHES, Literal.of(Objects.requireNonNull(regex, "regex")));
  }

  /** The years filter text can write: ISO-8601 with four digits, 0000 to 9999. */
  private static final Instant FIRST_INSTANT = Instant.parse("0000-01-01T00:00:00Z");

  private static final Instant AFTER_LAST_INSTANT = Instant.parse("+10000-01-01T00:00:00Z");

  /** A timestamp bound as filter text writes it, refused outside the four-digit years. */
  private Literal timestamp(Instant value) {
    Objects.requireNonNull(value, "value");
    if (value.isBefore(FIRST_INSTANT) || !value.isBefore(AFTER_LAST_INSTANT)) {
      throw new InvalidFilterException(
          path.text()
              + " compares timestamps in the years 0000 to 9999 (as filter text writes them); "
              + value
              + " is outside them",
          0,
          0);
    }
    return Literal.of(value.toString());
  }

  private Filter compare(Op op, Literal value) {
    return compare(op, List.of(value));
  }

  private Filter compare(Op op, List<Literal> values) {
    return new Filter(Compare.of(path, op, values));
  }

  private static List<Literal> strings(String... values) {
    List<Literal> out = new ArrayList<>(values.length);
    for (String v : values) {
      out.add(Literal.of(Objects.requireNonNull(v, "value")));
    }
    return out;
  }

  private static List<Literal> numbers(long... values) {
    List<Literal> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(Literal.of(BigDecimal.valueOf(v)));
    }
    return out;
  }

  @Override
  public String toString() {
    return path.text();
  }
}
