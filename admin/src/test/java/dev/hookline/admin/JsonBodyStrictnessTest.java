package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request body is one JSON object, read whole. Jackson's {@code readTree} stops after the first
 * value and keeps the last of repeated members, so a body with more after its object (a second
 * object, a stray character) or a member given twice was accepted, one reading of it silently
 * chosen: {@code {"name":..,"scopes":[..]}{"tenant":"acme"}} made a host-level token instead of one
 * bound to tenant acme. A malformed body is answered saying where it breaks.
 */
class JsonBodyStrictnessTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static final String TOKEN = "{\"name\":\"ci\",\"scopes\":[\"webhooks:read\"]}";

  @Test
  void aSecondValueAfterTheObjectIsRefusedNotIgnored() {
    List<String> accepted = new ArrayList<>();
    for (String body :
        List.of(TOKEN + "{\"tenant\":\"acme\"}", TOKEN + " trailing", TOKEN + "]", TOKEN + " 1")) {
      Http.Exchange e = h.http.post(h.base() + "/tokens", h.root, body);
      if (e.status() != 400 || !"body".equals(e.json().at("/errors/0/field").asText())) {
        accepted.add(body + " -> " + e);
      }
    }
    String webhook = h.createBody("trailing");
    Http.Exchange e = h.http.post(h.webhooks(), h.root, webhook + "{\"tenant\":\"acme\"}");
    if (e.status() != 400) {
      accepted.add("webhook -> " + e);
    }
    assertEquals(List.of(), accepted);
  }

  @Test
  void aMemberGivenTwiceIsRefusedNamingIt() {
    Http.Exchange e =
        h.http.post(
            h.base() + "/tokens",
            h.root,
            "{\"name\":\"ci\",\"scopes\":[\"webhooks:read\"],\"tenant\":\"acme\",\"tenant\":\"other\"}");
    assertEquals(400, e.status(), e::toString);
    JsonNode error = e.json().at("/errors/0");
    assertEquals("tenant", error.get("field").asText(), e::toString);
    assertTrue(error.get("reason").asText().contains("more than once"), e::toString);
  }

  @Test
  void malformedJsonSaysWhere() {
    Http.Exchange e = h.http.post(h.webhooks(), h.root, "{\n  \"name\": \"x\",\n  \"uri\": }");
    assertEquals(400, e.status(), e::toString);
    String reason = e.json().at("/errors/0/reason").asText();
    assertTrue(reason.contains("line 3, column"), e::toString);
  }
}
