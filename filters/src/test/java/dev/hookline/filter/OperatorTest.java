package dev.hookline.filter;

import static dev.hookline.filter.Filters.changed;
import static dev.hookline.filter.Filters.field;
import static dev.hookline.filter.Filters.not;
import static dev.hookline.filter.Filters.type;
import static dev.hookline.filter.Fixtures.CREATED;
import static dev.hookline.filter.Fixtures.LOGGED_IN;
import static dev.hookline.filter.Fixtures.UPDATED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Event;
import dev.hookline.Subject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every operator, written three ways (Java DSL, text, JSON): the three forms must be equal, print
 * the same canonical text, and give the expected answer on events that should and should not match.
 */
class OperatorTest {
  private static final Event USER =
      Fixtures.event(
          UPDATED,
          Subject.user("usr_42").withApp("app1").withTenant("acme"),
          """
          {"email": "ada@example.com", "age": 36, "score": 0.1, "vip": true, "nickname": null,
           "plan": {"name": "pro", "seats": 12},
           "items": [{"name": "first"}, {"name": "second"}],
           "first-name": "Ada",
           "last_login": "2026-11-20T08:00:00Z"}
          """,
          "email",
          "password");

  private static final Event OTHER =
      Fixtures.event(
          CREATED,
          Subject.user("svc_7").withApp("app9"),
          """
          {"email": "bob@test.org", "age": 17, "score": 2, "vip": false,
           "plan": {"name": "free", "seats": 1},
           "items": [{"name": "only"}],
           "last_login": "2025-01-01T00:00:00+02:00"}
          """);

  private static final Event LOGIN = Fixtures.event(LOGGED_IN);

  private record Case(
      String name, Filter dsl, String text, String json, List<Event> yes, List<Event> no) {}

  private static Case c(String text, Filter dsl, String json, List<Event> yes, List<Event> no) {
    return new Case(text, dsl, text, json, yes, no);
  }

  private static List<Event> of(Event... events) {
    return List.of(events);
  }

  static List<Case> cases() {
    return List.of(
        // eq, on every kind of value and field
        c(
            "type == \"user.updated\"",
            type("user.updated"),
            "{\"type\":{\"$eq\":\"user.updated\"}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "type == \"user.*\"",
            type("user.*"),
            "{\"type\":{\"$eq\":\"user.*\"}}",
            of(USER, OTHER, LOGIN),
            of()),
        c(
            "subject.user_id == \"usr_42\"",
            field("subject.user_id").eq("usr_42"),
            "{\"subject.user_id\":{\"$eq\":\"usr_42\"}}",
            of(USER),
            of(OTHER)),
        c(
            "subject.app_id == \"app1\"",
            field("subject.app_id").eq("app1"),
            "{\"subject.app_id\":{\"$eq\":\"app1\"}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "subject.tenant == \"acme\"",
            field("subject.tenant").eq("acme"),
            "{\"subject.tenant\":{\"$eq\":\"acme\"}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data.email == \"ada@example.com\"",
            field("data.email").eq("ada@example.com"),
            "{\"data.email\":{\"$eq\":\"ada@example.com\"}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data.age == 36",
            field("data.age").eq(36),
            "{\"data.age\":{\"$eq\":36}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data.score == 0.1",
            field("data.score").eq(new BigDecimal("0.10")),
            "{\"data.score\":{\"$eq\":0.1}}",
            of(USER),
            of(OTHER)),
        c(
            "data.vip == true",
            field("data.vip").eq(true),
            "{\"data.vip\":{\"$eq\":true}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data.nickname == null",
            field("data.nickname").isNull(),
            "{\"data.nickname\":{\"$eq\":null}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data.plan.name == \"pro\"",
            field("data.plan.name").eq("pro"),
            "{\"data.plan.name\":{\"$eq\":\"pro\"}}",
            of(USER),
            of(OTHER)),
        c(
            "data.items[1].name == \"second\"",
            field("data.items[1].name").eq("second"),
            "{\"data.items[1].name\":{\"$eq\":\"second\"}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data[\"first-name\"] == \"Ada\"",
            field("data[\"first-name\"]").eq("Ada"),
            "{\"data[\\\"first-name\\\"]\":{\"$eq\":\"Ada\"}}",
            of(USER),
            of(OTHER)),
        c(
            "occurred_at == \"2026-11-22T11:15:30+01:00\"",
            field("occurred_at").eq("2026-11-22T11:15:30+01:00"),
            "{\"occurred_at\":{\"$eq\":\"2026-11-22T11:15:30+01:00\"}}",
            of(USER, OTHER),
            of()),
        // ne: also true when the field is missing
        c(
            "data.plan.name != \"free\"",
            field("data.plan.name").ne("free"),
            "{\"data.plan.name\":{\"$ne\":\"free\"}}",
            of(USER, LOGIN),
            of(OTHER)),
        c(
            "type != \"user.logged_in\"",
            field("type").ne("user.logged_in"),
            "{\"type\":{\"$ne\":\"user.logged_in\"}}",
            of(USER, OTHER),
            of(LOGIN)),
        // in / not in
        c(
            "subject.app_id in (\"app1\", \"app2\")",
            field("subject.app_id").in("app1", "app2"),
            "{\"subject.app_id\":{\"$in\":[\"app1\",\"app2\"]}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "type in (\"user.created\", \"user.updated\")",
            type("user.created", "user.updated"),
            "{\"type\":{\"$in\":[\"user.created\",\"user.updated\"]}}",
            of(USER, OTHER),
            of(LOGIN)),
        c(
            "data.age in (17, 18)",
            field("data.age").in(17, 18),
            "{\"data.age\":{\"$in\":[17,18]}}",
            of(OTHER),
            of(USER, LOGIN)),
        c(
            "subject.tenant not in (\"test\", \"staging\")",
            field("subject.tenant").notIn("test", "staging"),
            "{\"subject.tenant\":{\"$nin\":[\"test\",\"staging\"]}}",
            of(USER, OTHER, LOGIN),
            of()),
        c(
            "data.age not in (36)",
            field("data.age").notIn(36),
            "{\"data.age\":{\"$nin\":[36]}}",
            of(OTHER, LOGIN),
            of(USER)),
        // ordering: numbers and timestamps
        c(
            "data.age > 18",
            field("data.age").gt(18),
            "{\"data.age\":{\"$gt\":18}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data.age >= 36",
            field("data.age").gte(36),
            "{\"data.age\":{\"$gte\":36}}",
            of(USER),
            of(OTHER)),
        c(
            "data.score < 1.5",
            field("data.score").lt(new BigDecimal("1.5")),
            "{\"data.score\":{\"$lt\":1.5}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data.plan.seats <= 1",
            field("data.plan.seats").lte(1),
            "{\"data.plan.seats\":{\"$lte\":1}}",
            of(OTHER),
            of(USER, LOGIN)),
        c(
            "data.last_login > \"2026-01-01T00:00:00Z\"",
            field("data.last_login").gt(Instant.parse("2026-01-01T00:00:00Z")),
            "{\"data.last_login\":{\"$gt\":\"2026-01-01T00:00:00Z\"}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "data.last_login <= \"2024-12-31T22:00:00Z\"",
            field("data.last_login").lte(Instant.parse("2024-12-31T22:00:00Z")),
            "{\"data.last_login\":{\"$lte\":\"2024-12-31T22:00:00Z\"}}",
            of(OTHER),
            of(USER, LOGIN)),
        c(
            "occurred_at >= \"2026-11-22T10:15:30Z\"",
            field("occurred_at").gte(Instant.parse("2026-11-22T10:15:30Z")),
            "{\"occurred_at\":{\"$gte\":\"2026-11-22T10:15:30Z\"}}",
            of(USER),
            of()),
        c(
            "occurred_at < \"2026-11-22T10:15:30Z\"",
            field("occurred_at").lt(Instant.parse("2026-11-22T10:15:30Z")),
            "{\"occurred_at\":{\"$lt\":\"2026-11-22T10:15:30Z\"}}",
            of(),
            of(USER)),
        // exists
        c(
            "exists(data.nickname)",
            field("data.nickname").exists(),
            "{\"data.nickname\":{\"$exists\":true}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "exists(subject.tenant)",
            field("subject.tenant").exists(),
            "{\"subject.tenant\":{\"$exists\":true}}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "not exists(data.items[0])",
            not(field("data.items[0]").exists()),
            "{\"$not\":{\"data.items[0]\":{\"$exists\":true}}}",
            of(LOGIN),
            of(USER, OTHER)),
        // startsWith, matches
        c(
            "subject.user_id startsWith \"usr_\"",
            field("subject.user_id").startsWith("usr_"),
            "{\"subject.user_id\":{\"$startsWith\":\"usr_\"}}",
            of(USER, LOGIN),
            of(OTHER)),
        c(
            "data.email matches \"@example\\\\.com$\"",
            field("data.email").matches("@example\\.com$"),
            "{\"data.email\":{\"$regex\":\"@example\\\\.com$\"}}",
            of(USER),
            of(OTHER, LOGIN)),
        // changed
        c(
            "changed(\"email\", \"phone\")",
            changed("phone", "email"),
            "{\"$changed\":[\"email\",\"phone\"]}",
            of(USER),
            of(OTHER, LOGIN)),
        // and, or, not
        c(
            "type == \"user.updated\" and changed(\"email\", \"password\")",
            type("user.updated").and(changed("email", "password")),
            "{\"$and\":[{\"type\":{\"$eq\":\"user.updated\"}},"
                + "{\"$changed\":[\"email\",\"password\"]}]}",
            of(USER),
            of(OTHER, LOGIN)),
        c(
            "subject.app_id == \"app9\" or data.vip == true",
            field("subject.app_id").eq("app9").or(field("data.vip").eq(true)),
            "{\"$or\":[{\"subject.app_id\":{\"$eq\":\"app9\"}},{\"data.vip\":{\"$eq\":true}}]}",
            of(USER, OTHER),
            of(LOGIN)),
        c(
            "type == \"user.*\" and not type == \"user.logged_in\"",
            type("user.*").and(not(type("user.logged_in"))),
            "{\"$and\":[{\"type\":{\"$eq\":\"user.*\"}},"
                + "{\"$not\":{\"type\":{\"$eq\":\"user.logged_in\"}}}]}",
            of(USER, OTHER),
            of(LOGIN)),
        c(
            "not (data.age > 30 or data.vip == false)",
            not(field("data.age").gt(30).or(field("data.vip").eq(false))),
            "{\"$not\":{\"$or\":[{\"data.age\":{\"$gt\":30}},{\"data.vip\":{\"$eq\":false}}]}}",
            of(LOGIN),
            of(USER, OTHER)));
  }

  @TestFactory
  Stream<DynamicTest> everyOperatorInEveryForm() {
    return cases().stream()
        .map(
            k ->
                DynamicTest.dynamicTest(
                    k.name(),
                    () -> {
                      Filter fromText = Filters.parse(k.text());
                      Filter fromJson = Filters.parseJson(k.json());
                      assertEquals(k.dsl(), fromText, "DSL vs text");
                      assertEquals(k.dsl(), fromJson, "DSL vs JSON");
                      assertEquals(k.text(), k.dsl().canonicalText(), "canonical text");
                      assertEquals(k.json(), k.dsl().toJson().toString(), "canonical JSON");
                      for (Event e : k.yes()) {
                        assertEquals(true, fromText.test(e), () -> "should match " + e.type());
                      }
                      for (Event e : k.no()) {
                        assertEquals(false, fromText.test(e), () -> "should not match " + e.type());
                      }
                    }));
  }
}
