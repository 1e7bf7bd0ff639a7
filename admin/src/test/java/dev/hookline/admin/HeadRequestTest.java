package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 9110 section 9.1: every general-purpose server supports GET and HEAD. The page's files
 * answered HEAD, but every API resource and {@code openapi.json} answered 405 with {@code Allow:
 * GET}, so a monitor or link checker probing with HEAD saw the API as broken. HEAD answers as GET
 * does, without a body, with the same authentication and scopes.
 */
class HeadRequestTest {
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
  void headAnswersAsGetDoes() {
    String id = h.create(h.root, "head");
    List<String> wrong = new ArrayList<>();
    for (String path :
        List.of(
            h.base() + "/openapi.json",
            h.base() + "/me",
            h.webhooks(),
            h.webhooks() + "/" + id,
            h.webhooks() + "/" + id + "/deliveries",
            h.base() + "/event-types")) {
      Http.Exchange get = h.http.get(path, h.root);
      Http.Exchange head = h.http.send("HEAD", path, h.root, null);
      if (head.status() != get.status()
          || !head.body().isEmpty()
          || !get.contentType().equals(head.contentType())) {
        wrong.add("HEAD " + path + " -> " + head.status() + " " + head.headers());
      }
    }
    assertEquals(List.of(), wrong);
    // the same authentication and scopes as GET
    assertEquals(401, h.http.send("HEAD", h.webhooks(), null, null).status());
    String noRead = h.token(null, Scope.DELIVERIES_READ);
    assertEquals(403, h.http.send("HEAD", h.webhooks(), noRead, null).status());
  }
}
