package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A body's malformed time ({@code expires_at} of {@code POST /tokens}, {@code since} and {@code
 * until} of a recover) is one validation error among the body's others, as docs/admin.md has it
 * ("Validation lists every field"): it was thrown on its own at once, so a token request with a bad
 * expiry, no name and no scopes was answered naming only {@code expires_at}, and a recover with two
 * bad times named only {@code since}.
 */
class BodyTimesValidationReviewTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static List<String> fields(Http.Exchange e) {
    assertEquals(400, e.status(), e::toString);
    List<String> out = new ArrayList<>();
    for (JsonNode v : e.json().get("errors")) {
      out.add(v.get("field").asText());
    }
    return out;
  }

  @Test
  void aTokenWithABadExpiryNoNameAndNoScopesNamesAllThree() {
    Http.Exchange e =
        h.http.post(h.base() + "/tokens", h.root, "{\"scopes\":[],\"expires_at\":\"soon\"}");
    assertEquals(List.of("name", "scopes", "expires_at"), fields(e), e::toString);

    Http.Exchange far =
        h.http.post(
            h.base() + "/tokens",
            h.root,
            "{\"name\":\"n\",\"scopes\":[\"nope\"],\"expires_at\":\"+100000-01-01T00:00:00Z\"}");
    assertEquals(List.of("scopes", "expires_at"), fields(far), far::toString);
  }

  @Test
  void aRecoverWithTwoBadTimesNamesBoth() {
    String id = h.create(h.root, "recover");
    String path = h.webhooks() + "/" + id + "/recover";
    Http.Exchange e = h.http.post(path, h.root, "{\"since\":\"yesterday\",\"until\":\"today\"}");
    assertEquals(List.of("since", "until"), fields(e), e::toString);

    Http.Exchange unknown =
        h.http.post(path, h.root, "{\"since\":\"yesterday\",\"window\":\"1h\"}");
    assertEquals(List.of("window", "since"), fields(unknown), unknown::toString);
  }
}
