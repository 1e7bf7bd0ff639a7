package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code "scopes": "webhooks:read"} (a string, not an array) was answered "is required: at least
 * one scope", though the client gave one: the answer must say what is wrong with what was sent.
 */
class TokenScopesShapeTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void scopesGivenAsAStringAreCalledNotAnArray() {
    Http.Exchange e =
        h.http.post(h.base() + "/tokens", h.root, "{\"name\":\"ci\",\"scopes\":\"webhooks:read\"}");
    assertEquals(400, e.status(), e::toString);
    JsonNode error = e.json().at("/errors/0");
    assertEquals("scopes", error.get("field").asText(), e::toString);
    assertEquals("is not an array", error.get("reason").asText(), e::toString);
  }
}
