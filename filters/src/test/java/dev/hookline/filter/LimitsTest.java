package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Hostile input is refused early, with a message that names the limit. */
class LimitsTest {

  private static InvalidFilterException fails(Executable e, String problem) {
    InvalidFilterException x = assertThrows(InvalidFilterException.class, e);
    assertTrue(x.problem().contains(problem), () -> "problem was: " + x.problem());
    return x;
  }

  @Test
  void textLongerThan4096CharactersIsRefusedBeforeParsing() {
    String ok = "data.x == \"" + "a".repeat(1000) + "\"";
    StringJoiner j = new StringJoiner(" or ");
    while (j.length() + ok.length() + 4 <= Filters.MAX_TEXT_LENGTH) {
      j.add(ok);
    }
    assertEquals(j.toString(), Filters.parse(j.toString()).canonicalText());
    String tooLong = j + " " + " ".repeat(Filters.MAX_TEXT_LENGTH - j.length());
    fails(() -> Filters.parse(tooLong), "filter is 4097 characters long; at most 4096 allowed");
  }

  @Test
  void nestingDeeperThan32IsRefusedWithPosition() {
    String ok = "not ".repeat(31) + "data.x == 1";
    assertEquals(32, Filters.parse(ok).canonicalText().split("not", -1).length);
    InvalidFilterException e =
        fails(() -> Filters.parse("not ".repeat(33) + "data.x == 1"), "deeper than 32 levels");
    assertEquals(1, e.line());
    assertEquals(32 * 4 + 1, e.column());
    InvalidFilterException p =
        fails(() -> Filters.parse("(".repeat(100) + "data.x == 1"), "deeper than 32 levels");
    assertEquals(33, p.column());
  }

  @Test
  void alternatingAndOrDeeperThan32IsRefused() {
    // each parenthesis adds two levels: a or b and (c or d and (...))
    StringBuilder b = new StringBuilder("data.x == 0");
    for (int i = 0; i < 20; i++) {
      b.insert(0, "data.a == 1 or data.b == 1 and (").append(')');
    }
    InvalidFilterException e =
        fails(() -> Filters.parse(b.toString()), "nests 33 levels deep; at most 32 allowed");
    assertEquals(1, e.line());
    assertTrue(e.column() > 1, e::getMessage);
  }

  @Test
  void javaDslAndJsonHaveTheSameDepthLimit() {
    Filter f = Filters.field("data.x").eq(1);
    for (int i = 1; i < Filters.MAX_DEPTH; i++) {
      f = f.negate();
    }
    Filter deepest = f;
    fails(deepest::negate, "filter nests 33 levels deep; at most 32 allowed");

    String json = "{\"$not\":".repeat(40) + "{\"data.x\": 1}" + "}".repeat(40);
    fails(() -> Filters.parseJson(json), "deeper than 32 levels");
  }

  @Test
  void listsAreAtMost100Values() {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      values.add("v" + i);
    }
    fails(
        () -> Filters.field("data.x").in(values.toArray(new String[0])),
        "lists 101 values; at most 100 allowed");
    String[] attributes = values.toArray(new String[0]);
    fails(() -> Filters.changed(attributes), "lists 101 attributes; at most 100 allowed");
  }

  @Test
  void stringsRegexesNumbersAndPathsAreBounded() {
    fails(
        () -> Filters.parse("data.x == \"" + "a".repeat(1025) + "\""),
        "string is longer than 1024 characters");
    fails(
        () -> Filters.field("data.x").eq("a".repeat(1025)),
        "string is 1025 characters long; at most 1024 allowed");
    fails(
        () -> Filters.field("data.x").matches("a".repeat(257)),
        "regular expression is 257 characters long; at most 256 allowed");
    fails(
        () -> Filters.parse("data.x == " + "1".repeat(65)), "number is longer than 64 characters");
    fails(() -> Filters.parse("data.x == 1e5000"), "out of range");
    fails(() -> Filters.field("data" + ".a".repeat(17)), "17 segments; at most 16 allowed");
    fails(() -> Filters.field("data.a[10000]"), "array index 10000 is out of range");
  }

  @Test
  void javaFilterWhoseTextWouldExceedTheLimitIsRefused() {
    List<Filter> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add(Filters.field("data.some_long_field_name").eq("value number " + i));
    }
    fails(() -> Filters.anyOf(many.toArray(new Filter[0])), "characters long in text form");
  }

  @Test
  void jsonTextIsBounded() {
    String huge = "{\"data.x\": \"" + "a".repeat(4 * Filters.MAX_TEXT_LENGTH) + "\"}";
    fails(() -> Filters.parseJson(huge), "at most 16384 allowed");
  }
}
