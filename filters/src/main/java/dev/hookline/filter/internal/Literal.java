package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A constant in a filter: a string, a number, a boolean or null. Numbers are held without trailing
 * zeros, so {@code 1.0} and {@code 1} are the same literal. Immutable.
 */
public final class Literal {
  /** The kinds of literal. */
  public enum Kind {
    STRING,
    NUMBER,
    BOOLEAN,
    NULL
  }

  private static final Literal NULL = new Literal(Kind.NULL, "null");
  private static final Literal TRUE = new Literal(Kind.BOOLEAN, true);
  private static final Literal FALSE = new Literal(Kind.BOOLEAN, false);

  private final Kind kind;
  private final Object value;

  private Literal(Kind kind, Object value) {
    this.kind = kind;
    this.value = value;
  }

  /** A string literal. */
  public static Literal of(String s) {
    if (s.length() > Limits.MAX_STRING_LENGTH) {
      throw Problem.of(
          "string is "
              + s.length()
              + " characters long; at most "
              + Limits.MAX_STRING_LENGTH
              + " allowed");
    }
    return new Literal(Kind.STRING, s);
  }

  /** A number literal. */
  public static Literal of(BigDecimal n) {
    if (n.signum() == 0) {
      return new Literal(Kind.NUMBER, BigDecimal.ZERO);
    }
    // The exponent is checked in long before the trailing zeros are dropped: dropping them moves
    // the scale down by up to the precision, which overflows an int near its end (100e2147483647
    // threw ArithmeticException), and Math.abs(Integer.MIN_VALUE) is negative.
    long scale = n.scale();
    if (scale > MAX_EXPONENT + n.precision() || scale < -MAX_EXPONENT - n.precision()) {
      throw outOfRange(n);
    }
    BigDecimal stripped = n.stripTrailingZeros();
    if (stripped.precision() > 40 || Math.abs((long) stripped.scale()) > MAX_EXPONENT) {
      throw outOfRange(n);
    }
    return new Literal(Kind.NUMBER, stripped);
  }

  private static final long MAX_EXPONENT = 1000;

  private static dev.hookline.InvalidFilterException outOfRange(BigDecimal n) {
    return Problem.of(
        "number "
            + Problem.clip(n.toString())
            + " is out of range: at most 40 significant digits times a power of ten within"
            + " 10^±1000");
  }

  /** A boolean literal. */
  public static Literal of(boolean b) {
    return b ? TRUE : FALSE;
  }

  /** The null literal. */
  public static Literal nullValue() {
    return NULL;
  }

  /** Converts a JSON scalar; returns null if the node is not a scalar. */
  public static @Nullable Literal fromJson(JsonNode node) {
    if (node.isTextual()) {
      return of(node.textValue());
    } else if (node.isNumber()) {
      return of(Values.decimal(node));
    } else if (node.isBoolean()) {
      return of(node.booleanValue());
    } else if (node.isNull()) {
      return NULL;
    }
    return null;
  }

  public Kind kind() {
    return kind;
  }

  public boolean isString() {
    return kind == Kind.STRING;
  }

  /** The string value; only for string literals. */
  public String string() {
    return (String) value;
  }

  /** The number value; only for number literals. */
  public BigDecimal number() {
    return (BigDecimal) value;
  }

  /** The boolean value; only for boolean literals. */
  public boolean bool() {
    return (Boolean) value;
  }

  /** Appends the canonical text form. */
  void print(StringBuilder b) {
    switch (kind) {
      case STRING -> quoteTo(b, string());
      case NUMBER -> {
        // plain digits unless that would be long (1e+999): one spelling per value
        String plain = number().toPlainString();
        b.append(plain.length() <= 40 ? plain : number().toString().toLowerCase(Locale.ROOT));
      }
      case BOOLEAN -> b.append(bool() ? "true" : "false");
      case NULL -> b.append("null");
    }
  }

  JsonNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (kind) {
      case STRING -> f.textNode(string());
      case NUMBER -> {
        BigDecimal n = number();
        // integers print as integers ("36", not "3.6E+1")
        yield n.scale() <= 0 && n.precision() - n.scale() <= 18
            ? f.numberNode(n.longValueExact())
            : f.numberNode(n);
      }
      case BOOLEAN -> f.booleanNode(bool());
      case NULL -> f.nullNode();
    };
  }

  /** Appends {@code s} as a double-quoted string with JSON-style escapes. */
  static void quoteTo(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || (Character.isSurrogate(c) && !validSurrogate(s, i))) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static boolean validSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Literal l && kind == l.kind && value.equals(l.value);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + value.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    print(b);
    return b.toString();
  }
}
