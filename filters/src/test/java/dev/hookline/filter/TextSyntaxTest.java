package dev.hookline.filter;

import static dev.hookline.filter.Filters.field;
import static dev.hookline.filter.Filters.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TextSyntaxTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          ``                                  | 1 | 1  | expected a condition (a field such as subject.app_id or data.email, changed(...), exists(...), 'not', or '(') but found the end of the filter
          `type == `                          | 1 | 9  | expected a value (a string, a number, true, false or null) but found the end of the filter
          `data.x = 1`                        | 1 | 8  | unexpected '='; did you mean '=='?
          `type == "user.updated" and`        | 1 | 27 | expected a condition
          `foo == 1`                          | 1 | 1  | unknown field 'foo'; expected type, subject.user_id, subject.app_id, subject.tenant, occurred_at or data.<key>
          `subject.email == "x"`              | 1 | 9  | expected user_id, app_id or tenant after 'subject.' but found 'email'
          `(type == "user.created"`           | 1 | 24 | expected 'and', 'or', or ')' to close the '(' at line 1, column 1 but found the end of the filter
          `data.x == "abc`                    | 1 | 11 | string starting here is not closed; expected '"'
          `data.x in 1`                       | 1 | 11 | expected '(' to start the list of values after 'in' but found the number 1
          `data.x in ("a" "b")`               | 1 | 16 | expected ',' or ')' but found the string "b"
          `changed(email)`                    | 1 | 9  | expected an attribute name in double quotes, such as "email" but found 'email'
          `changed()`                         | 1 | 9  | expected an attribute name in double quotes
          `data.x == 1 data.y == 2`           | 1 | 13 | expected 'and', 'or' or the end of the filter but found 'data'
          `type == "users"`                   | 1 | 9  | type is compared with event type names such as "user.updated" or wildcards such as "user.*"; "users" is neither
          `type > "user.created"`             | 1 | 6  | type supports ==, !=, in and not in
          `data.x > "yesterday"`              | 1 | 8  | > compares numbers or ISO-8601 timestamps (such as "2026-01-31T12:00:00Z"); "yesterday" is neither
          `data.x matches "(a+)+$"`           | 1 | 8  | a quantified group contains another quantifier
          `data.x matches "(ab"`              | 1 | 8  | is invalid: Unclosed group
          `data.x == 1e`                      | 1 | 11 | expected a digit in the exponent
          `data. == 1`                        | 1 | 7  | expected a key after '.'
          `data == 1`                         | 1 | 6  | expected '.' or '[' after 'data'
          `data.x[-1] == 1`                   | 1 | 8  | expected an array index (0, 1, ...) or a key in double quotes
          `data.x startsWith 5`               | 1 | 8  | startsWith needs a string, not 5
          `subject.app_id > "2026-01-01T00:00:00Z"` | 1 | 16 | subject.app_id holds text; > compares numbers or timestamps
          `subject.app_id == 5`               | 1 | 16 | subject.app_id holds text; compare it with a string, not 5
          `occurred_at > "last week"`         | 1 | 13 | occurred_at > needs ISO-8601 timestamps with an offset
          `data.x == "\\q"`                   | 1 | 12 | unknown escape '\\q'
          `not`                               | 1 | 4  | expected a condition
          `data.x not 5`                      | 1 | 12 | expected 'in' after 'not'
          `data.x == 1 && data.y == 2`        | 1 | 13 | unexpected character '&'
          `data.x`                            | 1 | 7  | expected an operator (==, !=, in, not in, >, >=, <, <=, startsWith, matches) after data.x but found the end of the filter
          `changed("e mail")`                 | 1 | 1  | attribute name "e mail" is malformed
          """)
  void syntaxErrorsGiveLineColumnAndWhatWasExpected(
      String text, int line, int column, String problem) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parse(text));
    assertTrue(e.problem().contains(problem), () -> "problem was: " + e.problem());
    assertEquals(line, e.line(), e::getMessage);
    assertEquals(column, e.column(), e::getMessage);
    assertEquals("line " + line + ", column " + column + ": " + e.problem(), e.getMessage());
  }

  /** Integer.parseInt took a sign: "\\u-001" was U+FFFF. */
  @ParameterizedTest
  @ValueSource(strings = {"\\u+04A", "\\u-001", "\\u+7FF", "\\u\uFF10041"})
  void unicodeEscapeTakesExactlyFourAsciiHexDigits(String escape) {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class, () -> Filters.parse("data.x == \"" + escape + "\""));
    assertEquals("\\u needs four hex digits", e.problem());
    assertEquals(12, e.column());
    assertEquals("data.x == \"J\"", Filters.parse("data.x == \"\\u004A\"").canonicalText());
  }

  @Test
  void positionsCountLinesAndColumns() {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> Filters.parse("type == \"user.updated\"\n  and data.age >> 3"));
    assertEquals(2, e.line());
    assertEquals(17, e.column());
    assertEquals(
        "expected a value (a string, a number, true, false or null) but found '>'", e.problem());
  }

  @Test
  void trueAndFalseAreConditionsThatAlwaysOrNeverHold() {
    dev.hookline.Event e = Fixtures.event(Fixtures.CREATED);
    Filter always = Filters.parse("true");
    Filter never = Filters.parse("false");
    assertTrue(always.test(e));
    assertEquals(false, never.test(e));
    assertEquals("true", always.canonicalText());
    assertEquals("{\"$const\":true}", always.toJson().toString());
    assertEquals(always, Filters.parseJson(always.toJson().toString()));
    assertEquals(never, Filters.parseJson("{\"$const\": false}"));
    Filter mixed = Filters.parse("not false and (true or data.x == 1)");
    assertTrue(mixed.test(e));
    assertEquals(mixed, Filters.parse(mixed.canonicalText()));
    assertEquals(mixed, Filters.parseJson(mixed.toJson().toString()));
    // As a value, true is still the JSON literal.
    assertTrue(Filters.parse("data.vip == true").canonicalText().endsWith("== true"));
  }

  @Test
  void precedenceIsNotThenAndThenOr() {
    Filter a = field("data.a").eq(1);
    Filter b = field("data.b").eq(2);
    Filter c = field("data.c").eq(3);

    assertEquals(a.or(b.and(c)), Filters.parse("data.a == 1 or data.b == 2 and data.c == 3"));
    assertEquals(a.or(b).and(c), Filters.parse("(data.a == 1 or data.b == 2) and data.c == 3"));
    assertEquals(Filters.not(a).and(b), Filters.parse("not data.a == 1 and data.b == 2"));
    assertEquals("(data.a == 1 or data.b == 2) and data.c == 3", a.or(b).and(c).canonicalText());
    assertEquals("not (data.a == 1 and data.b == 2)", Filters.not(a.and(b)).canonicalText());
    assertEquals("not not data.a == 1", a.negate().negate().canonicalText());
  }

  @Test
  void sameConjunctionIsEqualHoweverItIsGrouped() {
    Filter a = type("user.updated");
    Filter b = Filters.changed("email");
    Filter c = field("subject.app_id").eq("x");

    assertEquals(a.and(b).and(c), a.and(b.and(c)));
    assertEquals(a.and(b).and(c), Filters.allOf(a, b, c));
    assertEquals(
        a.and(b).and(c),
        Filters.parse(
            "(type == \"user.updated\" and (changed(\"email\"))) and subject.app_id == \"x\""));
    assertEquals(a.and(b).and(c).hashCode(), Filters.allOf(a, b, c).hashCode());
  }

  @Test
  void canonicalTextNormalisesSpellings() {
    assertEquals(
        "data.n == 1000 and data.m == 0.5 and data[\"a b\"] == \"tab\\there\\u0001\" and changed(\"a\", \"b\")",
        Filters.parse(
                "data.n==1e3 and data.m==0.50 and data[\"a b\"]==\"tab\\there\\u0001\" and"
                    + " changed(\"b\",\"a\",\"b\")")
            .canonicalText());
    assertEquals(
        "data.x == \"\\\"quoted\\\" \\\\ / é\"",
        Filters.parse("data.x == \"\\\"quoted\\\" \\\\ \\/ \\u00e9\"").canonicalText());
    assertEquals(
        "data.items[0][\"x.y\"] == 1",
        Filters.field("data.items[0][\"x.y\"]").eq(1).canonicalText());
    assertEquals("data.n == 1e+999", Filters.parse("data.n == 1E999").canonicalText());
  }

  @Test
  void keywordsCanBeDataKeys() {
    Filter f = Filters.parse("data.and.not.in == true");
    assertEquals("data.and.not.in == true", f.canonicalText());
    assertTrue(
        f.test(
            Fixtures.event(
                Fixtures.CREATED,
                dev.hookline.Subject.user("u"),
                "{\"and\":{\"not\":{\"in\":true}}}")));
  }
}
