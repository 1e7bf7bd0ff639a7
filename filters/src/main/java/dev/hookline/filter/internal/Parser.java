package dev.hookline.filter.internal;

import dev.hookline.InvalidFilterException;
import dev.hookline.filter.internal.Lexer.Kind;
import dev.hookline.filter.internal.Lexer.Token;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Recursive-descent parser for the text form. Grammar (see docs/filters.md):
 *
 * <pre>
 * filter     = or EOF
 * or         = and { "or" and }
 * and        = unary { "and" unary }
 * unary      = "not" unary | primary
 * primary    = "(" or ")" | "changed" "(" string { "," string } ")" | "exists" "(" path ")"
 *            | "true" | "false" | path op value | path ("in" | "not" "in") "(" value { "," value } ")"
 * op         = "==" | "!=" | ">" | ">=" | "<" | "<=" | "startsWith" | "matches"
 * path       = "type" | "occurred_at" | "subject" "." ("user_id" | "app_id" | "tenant")
 *            | "data" segment { segment }
 * segment    = "." identifier | "[" integer "]" | "[" string "]"
 * value      = string | number | "true" | "false" | "null"
 * </pre>
 *
 * Not thread-safe; one instance per parse.
 */
public final class Parser {
  private static final String CONDITION =
      "a condition (a field such as subject.app_id or data.email, changed(...), exists(...),"
          + " 'not', or '(')";
  private static final String OPERATORS =
      "an operator (==, !=, in, not in, >, >=, <, <=, startsWith, matches)";
  private static final String VALUE = "a value (a string, a number, true, false or null)";

  /** A type name or wildcard the filter mentions, with where it is. */
  public record TypeRef(String pattern, int line, int column) {}

  /** A parsed filter and the event types it names. */
  public record Result(Node node, List<TypeRef> typeRefs) {}

  private final List<Token> tokens;
  private final List<TypeRef> typeRefs = new ArrayList<>();
  private int p;
  private int nesting;

  private Parser(List<Token> tokens) {
    this.tokens = tokens;
  }

  /**
   * Parses filter text.
   *
   * @throws InvalidFilterException with line and column, if the text is not a valid filter
   */
  public static Result parse(String text) {
    if (text.length() > Limits.MAX_TEXT_LENGTH) {
      throw new InvalidFilterException(
          "filter is "
              + text.length()
              + " characters long; at most "
              + Limits.MAX_TEXT_LENGTH
              + " allowed",
          0,
          0);
    }
    Parser parser = new Parser(Lexer.tokenize(text));
    if (parser.peek().kind() == Kind.EOF) {
      throw parser.expected(CONDITION);
    }
    Node node = parser.or();
    if (parser.peek().kind() != Kind.EOF) {
      throw parser.expected("'and', 'or' or the end of the filter");
    }
    return new Result(node, List.copyOf(parser.typeRefs));
  }

  /** Parses a field path such as {@code data.items[0].name}. */
  static FieldPath parsePath(String text) {
    if (text.length() > Limits.MAX_TEXT_LENGTH) {
      throw Problem.of("field path is too long");
    }
    Parser parser = new Parser(Lexer.tokenize(text));
    FieldPath path = parser.path();
    if (parser.peek().kind() != Kind.EOF) {
      throw parser.expected("'.', '[' or the end of the field path");
    }
    return path;
  }

  private Node or() {
    Token start = peek();
    List<Node> nodes = new ArrayList<>();
    nodes.add(and());
    while (isWord(peek(), "or")) {
      p++;
      nodes.add(and());
    }
    return at(start, () -> Junction.or(nodes));
  }

  private Node and() {
    Token start = peek();
    List<Node> nodes = new ArrayList<>();
    nodes.add(unary());
    while (isWord(peek(), "and")) {
      p++;
      nodes.add(unary());
    }
    return at(start, () -> Junction.and(nodes));
  }

  private Node unary() {
    Token t = peek();
    if (isWord(t, "not")) {
      enter(t);
      p++;
      Node operand = unary();
      nesting--;
      return at(t, () -> Not.of(operand));
    }
    return primary();
  }

  private Node primary() {
    Token t = peek();
    if (t.kind() == Kind.LPAREN) {
      enter(t);
      p++;
      Node inner = or();
      if (peek().kind() != Kind.RPAREN) {
        throw expected(
            "'and', 'or', or ')' to close the '(' at line " + t.line() + ", column " + t.column());
      }
      p++;
      nesting--;
      return inner;
    }
    if (t.kind() != Kind.IDENT) {
      throw expected(CONDITION);
    }
    Token after = tokens.get(Math.min(p + 1, tokens.size() - 1));
    if (t.text().equals("changed") && after.kind() == Kind.LPAREN) {
      p += 2;
      List<String> attributes = new ArrayList<>();
      do {
        Token a = peek();
        if (a.kind() != Kind.STRING) {
          throw expected("an attribute name in double quotes, such as \"email\"");
        }
        p++;
        attributes.add(a.text());
      } while (comma());
      closeList();
      return at(t, () -> Changed.of(attributes));
    }
    if (t.text().equals("true") || t.text().equals("false")) {
      p++;
      return Constant.of(t.text().equals("true"));
    }
    if (t.text().equals("exists") && after.kind() == Kind.LPAREN) {
      p += 2;
      FieldPath path = path();
      if (peek().kind() != Kind.RPAREN) {
        throw expected("')' after the field");
      }
      p++;
      return Exists.of(path);
    }
    FieldPath path = path();
    Token opToken = peek();
    Op op = operator(path);
    List<Literal> values = new ArrayList<>();
    if (op.takesList()) {
      if (peek().kind() != Kind.LPAREN) {
        throw expected("'(' to start the list of values after '" + op.text() + "'");
      }
      p++;
      do {
        values.add(value(path));
      } while (comma());
      closeList();
    } else {
      values.add(value(path));
    }
    return at(opToken, () -> Compare.of(path, op, values));
  }

  private Op operator(FieldPath path) {
    Token t = peek();
    Op op =
        switch (t.kind()) {
          case EQ -> Op.EQ;
          case NE -> Op.NE;
          case GT -> Op.GT;
          case GTE -> Op.GTE;
          case LT -> Op.LT;
          case LTE -> Op.LTE;
          case IDENT ->
              switch (t.text()) {
                case "in" -> Op.IN;
                case "startsWith" -> Op.STARTS_WITH;
                case "matches" -> Op.MATCHES;
                case "not" -> {
                  Token next = tokens.get(Math.min(p + 1, tokens.size() - 1));
                  if (!isWord(next, "in")) {
                    p++;
                    throw expected("'in' after 'not' (a field is followed by an operator)");
                  }
                  p++;
                  yield Op.NOT_IN;
                }
                default -> null;
              };
          default -> null;
        };
    if (op == null) {
      throw expected(OPERATORS + " after " + Problem.clip(path.text()));
    }
    p++;
    return op;
  }

  private Literal value(FieldPath path) {
    Token t = peek();
    Literal v =
        switch (t.kind()) {
          case STRING -> at(t, () -> Literal.of(t.text()));
          case NUMBER -> at(t, () -> Literal.of(new BigDecimal(t.text())));
          case IDENT ->
              switch (t.text()) {
                case "true" -> Literal.of(true);
                case "false" -> Literal.of(false);
                case "null" -> Literal.nullValue();
                default -> null;
              };
          default -> null;
        };
    if (v == null) {
      throw expected(VALUE);
    }
    if (path.root() == FieldPath.Root.TYPE) {
      if (!v.isString() || !Compare.isTypePattern(v.string())) {
        throw new InvalidFilterException(
            "type is compared with event type names such as \"user.updated\" or wildcards such as"
                + " \"user.*\"; "
                + v
                + " is neither",
            t.line(),
            t.column());
      }
      typeRefs.add(new TypeRef(v.string(), t.line(), t.column()));
    }
    p++;
    return v;
  }

  FieldPath path() {
    Token t = peek();
    if (t.kind() != Kind.IDENT) {
      throw expected(
          "a field (type, subject.user_id, subject.app_id, subject.tenant, occurred_at"
              + " or data.<key>)");
    }
    p++;
    switch (t.text()) {
      case "type" -> {
        return FieldPath.of(FieldPath.Root.TYPE);
      }
      case "occurred_at" -> {
        return FieldPath.of(FieldPath.Root.OCCURRED_AT);
      }
      case "subject" -> {
        if (peek().kind() != Kind.DOT) {
          throw expected("'.' after 'subject' (subject.user_id, subject.app_id or subject.tenant)");
        }
        p++;
        Token f = peek();
        FieldPath.Root root =
            f.kind() != Kind.IDENT
                ? null
                : switch (f.text()) {
                  case "user_id" -> FieldPath.Root.USER_ID;
                  case "app_id" -> FieldPath.Root.APP_ID;
                  case "tenant" -> FieldPath.Root.TENANT;
                  default -> null;
                };
        if (root == null) {
          throw expected("user_id, app_id or tenant after 'subject.'");
        }
        p++;
        return FieldPath.of(root);
      }
      case "data" -> {
        List<Object> segments = new ArrayList<>();
        while (true) {
          Token s = peek();
          if (s.kind() == Kind.DOT) {
            p++;
            Token key = peek();
            if (key.kind() != Kind.IDENT) {
              throw expected(
                  "a key after '.' (letters, digits and '_'; write other keys as" + " [\"key\"])");
            }
            p++;
            segments.add(key.text());
          } else if (s.kind() == Kind.LBRACKET) {
            p++;
            Token idx = peek();
            if (idx.kind() == Kind.STRING) {
              segments.add(idx.text());
            } else if (idx.kind() == Kind.NUMBER && idx.text().matches("\\d{1,9}")) {
              segments.add(Integer.parseInt(idx.text()));
            } else {
              throw expected("an array index (0, 1, ...) or a key in double quotes");
            }
            p++;
            if (peek().kind() != Kind.RBRACKET) {
              throw expected("']'");
            }
            p++;
          } else {
            break;
          }
        }
        if (segments.isEmpty()) {
          throw expected("'.' or '[' after 'data' (such as data.email or data.items[0])");
        }
        return at(t, () -> FieldPath.data(segments));
      }
      default ->
          throw new InvalidFilterException(
              "unknown field '"
                  + Problem.clip(t.text())
                  + "'; expected type, subject.user_id, subject.app_id, subject.tenant, occurred_at"
                  + " or data.<key>",
              t.line(),
              t.column());
    }
  }

  private boolean comma() {
    if (peek().kind() == Kind.COMMA) {
      p++;
      return true;
    }
    return false;
  }

  private void closeList() {
    if (peek().kind() != Kind.RPAREN) {
      throw expected("',' or ')'");
    }
    p++;
  }

  private void enter(Token t) {
    if (++nesting > Limits.MAX_DEPTH) {
      throw new InvalidFilterException(
          "filter nests deeper than " + Limits.MAX_DEPTH + " levels", t.line(), t.column());
    }
  }

  private Token peek() {
    return tokens.get(p);
  }

  private static boolean isWord(Token t, String word) {
    return t.kind() == Kind.IDENT && t.text().equals(word);
  }

  private InvalidFilterException expected(String what) {
    Token t = peek();
    return new InvalidFilterException(
        "expected " + what + " but found " + t.describe(), t.line(), t.column());
  }

  /** Gives a position-less problem from building a node the position of {@code t}. */
  private static <T> T at(Token t, Supplier<T> build) {
    try {
      return build.get();
    } catch (InvalidFilterException e) {
      if (e.line() > 0) {
        throw e;
      }
      throw new InvalidFilterException(e.problem(), t.line(), t.column());
    }
  }
}
