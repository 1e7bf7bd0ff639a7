package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonFormTest {

  @Test
  void membersOfAnObjectAreAnImplicitAnd() {
    assertEquals(
        Filters.parse("type == \"user.updated\" and changed(\"email\")"),
        Filters.parseJson("{\"type\": \"user.updated\", \"$changed\": [\"email\"]}"));
  }

  @Test
  void plainValueMeansEq() {
    assertEquals(
        Filters.parse(
            "data.plan == \"pro\" and data.seats == 3 and data.vip == false"
                + " and data.x == null"),
        Filters.parseJson(
            "{\"data.plan\": \"pro\", \"data.seats\": 3, \"data.vip\": false, \"data.x\": null}"));
  }

  @Test
  void severalOperatorsOnOneFieldMustAllHold() {
    assertEquals(
        Filters.parse("data.age >= 18 and data.age < 65"),
        Filters.parseJson("{\"data.age\": {\"$gte\": 18, \"$lt\": 65}}"));
  }

  @Test
  void existsFalseIsNotExists() {
    Filter f = Filters.parseJson("{\"subject.tenant\": {\"$exists\": false}}");
    assertEquals(Filters.parse("not exists(subject.tenant)"), f);
    assertTrue(f.test(Fixtures.event(Fixtures.CREATED)));
  }

  @Test
  void convoyStyleExampleReadsAsExpected() {
    Filter f =
        Filters.parseJson(
            """
            {
              "$or": [
                {"subject.app_id": {"$in": ["a", "b"]}},
                {"data.plan": {"$ne": "free"}, "data.email": {"$regex": "@corp\\\\.com$"}}
              ],
              "$not": {"data.tenant": "test"}
            }
            """);
    assertEquals(
        "(subject.app_id in (\"a\", \"b\") or data.plan != \"free\" and data.email matches"
            + " \"@corp\\\\.com$\") and not data.tenant == \"test\"",
        f.canonicalText());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
          `{"data.x": {"$foo": 1}}`        | at /data.x/$foo: unknown operator $foo; expected one of $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $exists, $startsWith, $regex
          `{"$in": [1]}`                   | at /$in: unknown operator $in here; expected $and, $or, $not, $changed, $const or a field
          `{"$const": "yes"}`              | at /$const: $const takes true or false, not the string "yes"
          `{"data.x": [1, 2]}`             | at /data.x: expected a value (string, number, boolean, null) or an object of operators
          `{"data.x": [1, 2]}`             | use {"$in": [...]} for a list
          `{"$and": []}`                   | at /$and: $and needs a non-empty array of filters, not an array
          `{"$or": [{"data.x": 1}, 5]}`    | at /$or/1: expected an object (a filter) but found the number 5
          `[1]`                            | at /: expected an object (a filter) but found an array
          `{}`                             | at /: expected at least one member
          `{"foo": 1}`                     | at /foo: unknown field 'foo'
          `{"data.x": {}}`                 | at /data.x: expected at least one operator
          `{"data.x": {"$in": "a"}}`       | at /data.x/$in: $in takes an array of values, not the string "a"
          `{"data.x": {"$in": [{"a": 1}]}}` | at /data.x/$in/0: expected a string, number, boolean or null, not an object
          `{"data.x": {"$exists": "yes"}}` | at /data.x/$exists: $exists takes true or false, not the string "yes"
          `{"data.x": {"$regex": "(a+)+"}}` | at /data.x/$regex: regular expression "(a+)+" is not allowed
          `{"data.x": {"$gt": "soon"}}`    | at /data.x/$gt: > compares numbers or ISO-8601 timestamps
          `{"$changed": "email"}`          | at /$changed: $changed needs a non-empty array of attribute names, not the string "email"
          `{"$changed": [1]}`              | at /$changed: $changed lists attribute names (strings), not the number 1
          `{"type": "users"}`              | at /type: type is compared with event type names
          `{"data[\\"a/b\\"]": {"$foo": 1}}` | at /data["a~1b"]/$foo: unknown operator
          """)
  void errorsSayWhereAsAJsonPointer(String json, String problem) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parseJson(json));
    assertTrue(e.problem().contains(problem), () -> "problem was: " + e.problem());
    assertEquals(0, e.line());
  }

  @Test
  void malformedJsonGivesLineAndColumn() {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parseJson("{\n  \"type\": }"));
    assertEquals(2, e.line());
    assertEquals(11, e.column());
    assertTrue(e.problem().startsWith("malformed JSON: "), e.problem());
  }

  @Test
  void duplicateKeysAreRejected() {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> Filters.parseJson("{\"data.x\": 1, \"data.x\": 2}"));
    assertTrue(e.problem().contains("Duplicate field 'data.x'"), e.problem());
  }

  @Test
  void textAndJsonFormsConvertBothWays() {
    String text =
        "type in (\"user.updated\", \"user.created\") and (changed(\"email\") or data.n > -2.5)";
    Filter f = Filters.parse(text);
    String json = f.toJson().toString();
    assertEquals(
        "{\"$and\":[{\"type\":{\"$in\":[\"user.updated\",\"user.created\"]}},"
            + "{\"$or\":[{\"$changed\":[\"email\"]},{\"data.n\":{\"$gt\":-2.5}}]}]}",
        json);
    assertEquals(text, Filters.parseJson(json).canonicalText());
  }
}
