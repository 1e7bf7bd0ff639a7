package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.EventType;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code path op value} or {@code path in (values)}. What each operator may compare is checked when
 * the node is built; everything evaluation needs (parsed timestamps, compiled regexes, type
 * patterns) is prepared then, so {@link #test} does no parsing.
 */
public final class Compare extends Node {
  private static final Pattern TYPE_WILDCARD =
      Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*\\.\\*");

  private final FieldPath path;
  private final Op op;
  private final List<Literal> values;

  // Prepared for evaluation; derived from the three fields above.
  private final Set<String> exactTypes;
  private final String[] typePrefixes;
  private final @Nullable BigDecimal number;
  private final @Nullable Instant instant;
  private final Instant[] instants;
  private final @Nullable Pattern regex;

  private Compare(FieldPath path, Op op, List<Literal> values) {
    this.path = path;
    this.op = op;
    this.values = values;
    Set<String> exact = new HashSet<>();
    List<String> prefixes = new ArrayList<>();
    BigDecimal num = null;
    Instant inst = null;
    List<Instant> insts = new ArrayList<>();
    Pattern re = null;
    switch (path.root()) {
      case TYPE -> {
        for (Literal v : values) {
          String t = v.string();
          if (t.endsWith(".*")) {
            prefixes.add(t.substring(0, t.length() - 1));
          } else {
            exact.add(t);
          }
        }
      }
      case OCCURRED_AT -> {
        for (Literal v : values) {
          insts.add(requireTimestamp(v, op));
        }
        inst = insts.get(0);
      }
      default -> {
        Literal first = values.get(0);
        if (op.ordering()) {
          if (first.kind() == Literal.Kind.NUMBER) {
            num = first.number();
          } else {
            inst = requireTimestamp(first, op);
          }
        } else if (op == Op.MATCHES) {
          re = RegexGuard.compile(first.string());
        }
      }
    }
    this.exactTypes = Set.copyOf(exact);
    this.typePrefixes = prefixes.toArray(new String[0]);
    this.number = num;
    this.instant = inst;
    this.instants = insts.toArray(new Instant[0]);
    this.regex = re;
  }

  /**
   * Builds a comparison, checking that the operator suits the field and the values.
   *
   * @throws dev.hookline.InvalidFilterException without a position, if they do not
   */
  public static Compare of(FieldPath path, Op op, List<Literal> values) {
    if (values.isEmpty()) {
      throw Problem.of(op.text() + " needs at least one value");
    }
    if (!op.takesList() && values.size() != 1) {
      throw Problem.of(op.text() + " takes exactly one value");
    }
    if (values.size() > Limits.MAX_LIST_SIZE) {
      throw Problem.of(
          op.text()
              + " lists "
              + values.size()
              + " values; at most "
              + Limits.MAX_LIST_SIZE
              + " allowed");
    }
    String field = path.text();
    switch (path.root()) {
      case TYPE -> {
        if (op != Op.EQ && op != Op.NE && op != Op.IN && op != Op.NOT_IN) {
          throw Problem.of(
              "type supports ==, !=, in and not in (with wildcards such as \"user.*\"), not "
                  + op.text());
        }
        for (Literal v : values) {
          if (!v.isString() || !isTypePattern(v.string())) {
            throw Problem.of(
                "type is compared with event type names such as \"user.updated\" or wildcards"
                    + " such as \"user.*\"; "
                    + v
                    + " is neither");
          }
        }
      }
      case OCCURRED_AT -> {
        if (op == Op.STARTS_WITH || op == Op.MATCHES) {
          throw Problem.of(
              "occurred_at supports ==, !=, in, not in, >, >=, <, <= with ISO-8601 timestamps,"
                  + " not "
                  + op.text());
        }
      }
      case USER_ID, APP_ID, TENANT -> {
        if (op.ordering()) {
          throw Problem.of(field + " holds text; " + op.text() + " compares numbers or timestamps");
        }
        for (Literal v : values) {
          if (!v.isString()) {
            throw Problem.of(field + " holds text; compare it with a string, not " + v);
          }
        }
      }
      case DATA -> {
        if ((op == Op.STARTS_WITH || op == Op.MATCHES) && !values.get(0).isString()) {
          throw Problem.of(op.text() + " needs a string, not " + values.get(0));
        }
        if (op.ordering()
            && values.get(0).kind() != Literal.Kind.NUMBER
            && !(values.get(0).isString() && Values.timestamp(values.get(0).string()) != null)) {
          throw Problem.of(
              op.text()
                  + " compares numbers or ISO-8601 timestamps (such as"
                  + " \"2026-01-31T12:00:00Z\"); "
                  + values.get(0)
                  + " is neither");
        }
      }
    }
    return new Compare(path, op, List.copyOf(values));
  }

  private static Instant requireTimestamp(Literal v, Op op) {
    Instant t = v.isString() ? Values.timestamp(v.string()) : null;
    if (t == null) {
      throw Problem.of(
          "occurred_at "
              + op.text()
              + " needs ISO-8601 timestamps with an offset (such as \"2026-01-31T12:00:00Z\"); "
              + v
              + " is not one");
    }
    return t;
  }

  /** Whether {@code s} is an event type name or a wildcard such as {@code user.*}. */
  public static boolean isTypePattern(String s) {
    return EventType.isWellFormed(s) || (s.length() <= 100 && TYPE_WILDCARD.matcher(s).matches());
  }

  /** Whether a type name or wildcard covers a wire name. */
  public static boolean typePatternMatches(String pattern, String wireName) {
    return pattern.endsWith(".*")
        ? wireName.startsWith(pattern.substring(0, pattern.length() - 1))
        : pattern.equals(wireName);
  }

  public FieldPath path() {
    return path;
  }

  public Op op() {
    return op;
  }

  public List<Literal> values() {
    return values;
  }

  @Override
  public boolean test(Event event) {
    return switch (path.root()) {
      case TYPE -> testType(event.type().wireName());
      case OCCURRED_AT -> testInstant(event.occurredAt());
      default -> testValue(path.resolve(event));
    };
  }

  private boolean testType(String wireName) {
    boolean any = exactTypes.contains(wireName);
    for (int i = 0; !any && i < typePrefixes.length; i++) {
      any = wireName.startsWith(typePrefixes[i]);
    }
    return (op == Op.EQ || op == Op.IN) == any;
  }

  private boolean testInstant(Instant at) {
    Instant ref = instant;
    if (ref == null) {
      return false;
    }
    return switch (op) {
      case EQ -> at.equals(ref);
      case NE -> !at.equals(ref);
      case IN, NOT_IN -> {
        boolean any = false;
        for (Instant i : instants) {
          any |= at.equals(i);
        }
        yield (op == Op.IN) == any;
      }
      case GT -> at.isAfter(ref);
      case GTE -> !at.isBefore(ref);
      case LT -> at.isBefore(ref);
      case LTE -> !at.isAfter(ref);
      case STARTS_WITH, MATCHES -> false;
    };
  }

  private boolean testValue(@Nullable JsonNode v) {
    if (v == null) {
      // a missing value equals nothing: != and not in hold, everything else fails
      return op == Op.NE || op == Op.NOT_IN;
    }
    return switch (op) {
      case EQ -> equal(v, values.get(0));
      case NE -> !equal(v, values.get(0));
      case IN, NOT_IN -> (op == Op.IN) == anyEqual(v);
      case STARTS_WITH -> v.isTextual() && v.textValue().startsWith(values.get(0).string());
      case MATCHES -> {
        Pattern p = regex;
        yield p != null && v.isTextual() && RegexGuard.find(p, v.textValue());
      }
      case GT, GTE, LT, LTE -> testOrder(v);
    };
  }

  private boolean anyEqual(JsonNode v) {
    for (Literal l : values) {
      if (equal(v, l)) {
        return true;
      }
    }
    return false;
  }

  private boolean testOrder(JsonNode v) {
    int c;
    BigDecimal n = number;
    Instant t = instant;
    if (n != null) {
      BigDecimal d = Values.decimalOrNull(v);
      if (d == null) {
        return false;
      }
      c = d.compareTo(n);
    } else if (t != null && v.isTextual()) {
      Instant at = Values.timestamp(v.textValue());
      if (at == null) {
        return false;
      }
      c = at.compareTo(t);
    } else {
      return false;
    }
    return switch (op) {
      case GT -> c > 0;
      case GTE -> c >= 0;
      case LT -> c < 0;
      default -> c <= 0;
    };
  }

  private static boolean equal(JsonNode v, Literal l) {
    return switch (l.kind()) {
      case STRING -> v.isTextual() && v.textValue().equals(l.string());
      case NUMBER -> {
        BigDecimal d = Values.decimalOrNull(v);
        yield d != null && d.compareTo(l.number()) == 0;
      }
      case BOOLEAN -> v.isBoolean() && v.booleanValue() == l.bool();
      case NULL -> v.isNull();
    };
  }

  @Override
  public int depth() {
    return 1;
  }

  @Override
  int precedence() {
    return PREC_ATOM;
  }

  @Override
  void print(StringBuilder b) {
    b.append(path.text()).append(' ').append(op.text()).append(' ');
    if (op.takesList()) {
      b.append('(');
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          b.append(", ");
        }
        values.get(i).print(b);
      }
      b.append(')');
    } else {
      values.get(0).print(b);
    }
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ObjectNode ops = o.putObject(path.text());
    if (op.takesList()) {
      ArrayNode a = ops.putArray(op.json());
      values.forEach(v -> a.add(v.toJson()));
    } else {
      ops.set(op.json(), values.get(0).toJson());
    }
    return o;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Compare c && path.equals(c.path) && op == c.op && values.equals(c.values);
  }

  @Override
  public int hashCode() {
    return (path.hashCode() * 31 + op.hashCode()) * 31 + values.hashCode();
  }
}
