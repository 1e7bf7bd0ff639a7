package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.filter.internal.Changed;
import dev.hookline.filter.internal.Compare;
import dev.hookline.filter.internal.Exists;
import dev.hookline.filter.internal.FieldPath;
import dev.hookline.filter.internal.Junction;
import dev.hookline.filter.internal.Literal;
import dev.hookline.filter.internal.Node;
import dev.hookline.filter.internal.Not;
import dev.hookline.filter.internal.Op;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: for generated filters f, {@code parse(print(f)) == f}, the JSON form reads back equal,
 * and a differently spaced, over-parenthesised spelling of f parses to f too. Seeded, so a failure
 * reproduces; the seed and the case are in the message.
 */
class RoundTripPropertyTest {
  private static final long SEED = 20261123L;
  private static final int CASES = 3000;

  private static final String[] TYPES = {
    "user.created", "user.updated", "user.logged_in", "user.*", "user.password_locked", "org.team.*"
  };
  private static final String[] REGEXES = {
    "^usr_[0-9]+$", "@example\\.com$", "(?i)admin", "a|b|c", "[\\w.-]+@[\\w-]+\\.org", "x{2,3}y?"
  };
  private static final String[] TIMESTAMPS = {
    "2026-01-01T00:00:00Z", "2026-11-22T10:15:30.123+01:00", "1999-12-31T23:59:59-08:00"
  };
  private static final String CHARS = "abcXYZ019 _-.*\"\\\n\t\u0001é€😀/$[](),=";

  private final Random random = new Random(SEED);

  @Test
  void printedTextAndJsonParseBackToTheSameFilter() {
    for (int i = 0; i < CASES; i++) {
      Filter f = new Filter(node(1 + random.nextInt(5)));
      String text = f.canonicalText();
      String where = "case " + i + " (seed " + SEED + "): " + text;
      Filter parsed = Filters.parse(text);
      assertEquals(f, parsed, where);
      assertEquals(text, parsed.canonicalText(), where);
      assertEquals(f, Filters.fromJson(f.toJson()), where);
      assertEquals(f, Filters.parseJson(f.toJson().toString()), where);
      assertEquals(f, Filters.parseJson(f.toJson().toPrettyString()), where);
      String noisy = noisy(f.node());
      assertEquals(f, Filters.parse(noisy), where + "\nnoisy: " + noisy);
    }
  }

  private Node node(int depth) {
    if (depth <= 1) {
      return leaf();
    }
    return switch (random.nextInt(3)) {
      case 0 -> Not.of(node(depth - 1));
      case 1 -> Junction.and(children(depth));
      default -> Junction.or(children(depth));
    };
  }

  private List<Node> children(int depth) {
    int n = 2 + random.nextInt(2);
    List<Node> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(node(1 + random.nextInt(depth - 1)));
    }
    return out;
  }

  private Node leaf() {
    int kind = random.nextInt(10);
    if (kind == 0) {
      List<String> attributes = new ArrayList<>();
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
        attributes.add(pick("email", "password", "phone", "name.given", "x-1"));
      }
      return Changed.of(attributes);
    }
    if (kind == 1) {
      return Exists.of(path());
    }
    FieldPath path = path();
    switch (path.root()) {
      case TYPE -> {
        Op op = pick(Op.EQ, Op.NE, Op.IN, Op.NOT_IN);
        return Compare.of(path, op, values(op, () -> Literal.of(pick(TYPES))));
      }
      case OCCURRED_AT -> {
        Op op = pick(Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.GT, Op.GTE, Op.LT, Op.LTE);
        return Compare.of(path, op, values(op, () -> Literal.of(pick(TIMESTAMPS))));
      }
      case USER_ID, APP_ID, TENANT -> {
        Op op = pick(Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.STARTS_WITH, Op.MATCHES);
        return Compare.of(path, op, values(op, () -> stringFor(op)));
      }
      default -> {
        Op op = pick(Op.values());
        if (op == Op.STARTS_WITH || op == Op.MATCHES) {
          return Compare.of(path, op, List.of(stringFor(op)));
        }
        if (op == Op.GT || op == Op.GTE || op == Op.LT || op == Op.LTE) {
          Literal bound =
              random.nextBoolean() ? Literal.of(number()) : Literal.of(pick(TIMESTAMPS));
          return Compare.of(path, op, List.of(bound));
        }
        return Compare.of(path, op, values(op, this::anyLiteral));
      }
    }
  }

  private List<Literal> values(Op op, java.util.function.Supplier<Literal> value) {
    int n = op.takesList() ? 1 + random.nextInt(4) : 1;
    List<Literal> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(value.get());
    }
    return out;
  }

  private Literal stringFor(Op op) {
    return op == Op.MATCHES ? Literal.of(pick(REGEXES)) : Literal.of(string());
  }

  private Literal anyLiteral() {
    return switch (random.nextInt(5)) {
      case 0 -> Literal.of(random.nextBoolean());
      case 1 -> Literal.nullValue();
      case 2 -> Literal.of(number());
      default -> Literal.of(string());
    };
  }

  private BigDecimal number() {
    long unscaled = random.nextLong() >> random.nextInt(63);
    return BigDecimal.valueOf(unscaled, random.nextInt(61) - 30);
  }

  private String string() {
    StringBuilder b = new StringBuilder();
    for (int i = 0, n = random.nextInt(12); i < n; i++) {
      b.appendCodePoint(
          CHARS.codePointAt(
              CHARS.offsetByCodePoints(
                  0, random.nextInt(CHARS.codePointCount(0, CHARS.length())))));
    }
    return b.toString();
  }

  private FieldPath path() {
    return switch (random.nextInt(8)) {
      case 0 -> FieldPath.of(FieldPath.Root.TYPE);
      case 1 -> FieldPath.of(FieldPath.Root.USER_ID);
      case 2 -> FieldPath.of(FieldPath.Root.APP_ID);
      case 3 -> FieldPath.of(FieldPath.Root.TENANT);
      case 4 -> FieldPath.of(FieldPath.Root.OCCURRED_AT);
      default -> {
        List<Object> segments = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
          segments.add(
              i > 0 && random.nextInt(4) == 0
                  ? (Object) random.nextInt(20)
                  : pick(
                      "email", "plan", "in", "and", "not", "first-name", "a b", "x\"y", "_9", "é"));
        }
        yield FieldPath.data(segments);
      }
    };
  }

  /** The same filter spelled with extra spaces, line breaks and parentheses. */
  private String noisy(Node node) {
    String space = pick(" ", "  ", "\n", "\t ", " \r\n ");
    if (node instanceof Not n) {
      return "not" + space + "(" + noisy(n.operand()) + ")";
    }
    if (node instanceof Junction j) {
      StringBuilder b = new StringBuilder();
      for (Node c : j.children()) {
        if (b.length() > 0) {
          b.append(space).append(j.isAnd() ? "and" : "or").append(space);
        }
        b.append('(').append(noisy(c)).append(')');
      }
      return b.toString();
    }
    String text = node.text();
    return random.nextBoolean() ? text : "(" + space + text + space + ")";
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }
}
