package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A body's unknown field is a 400 naming it, and each was named in a violation of its own that
 * lists every field the request takes: a create of about 50 KB holding 5,000 unknown fields (within
 * the default 64 KiB body; any {@code webhooks:write} token, a tenant's too) was answered with
 * 5,000 errors, about 20 times its own size, built in memory for each such request. The first few
 * are named; the rest are counted in one more error.
 */
class UnknownFieldsBoundReviewTest {
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
  void manyUnknownFieldsMakeABoundedAnswer() {
    StringBuilder body = new StringBuilder("{");
    for (int i = 0; i < 5_000; i++) {
      body.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":0");
    }
    body.append('}');
    Http.Exchange e = h.http.post(h.webhooks(), h.root, body.toString());
    assertEquals(400, e.status(), e::toString);
    JsonNode errors = e.json().get("errors");
    assertEquals("f0", errors.get(0).get("field").asText(), e.body().substring(0, 300));
    assertTrue(errors.size() <= 20, errors.size() + " errors");
    assertTrue(
        e.body().length() < body.length(),
        "the answer has " + e.body().length() + " characters, the request " + body.length());
    assertTrue(e.body().contains("4,990 more"), e.body().substring(0, 300));
  }
}
