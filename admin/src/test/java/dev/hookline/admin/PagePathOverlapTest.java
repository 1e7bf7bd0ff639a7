package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.admin.store.InMemoryAdminStore;
import org.junit.jupiter.api.Test;

/**
 * The builder takes any page path, including ones that contain the REST base path: the page at the
 * root of an admin port ({@code pagePath("/")}) or everything under one prefix ({@code
 * basePath("/admin/api")} beside the default {@code /admin/}). The page's files were matched first,
 * so every API request was answered by them (404 "not found" in text, 405 for a POST): the API, and
 * with it the page, did not work at all, and nothing said why.
 */
class PagePathOverlapTest {

  @Test
  void thePageAtTheRootLeavesTheApiReachable() {
    try (AdminHarness h = new AdminHarness(new InMemoryAdminStore(), b -> b.pagePath("/"))) {
      Http.Exchange me = h.http.get(h.base() + "/me", h.root);
      assertEquals(200, me.status(), me::toString);
      Http.Exchange created = h.http.post(h.webhooks(), h.root, h.createBody("root page"));
      assertEquals(201, created.status(), created::toString);
      Http.Exchange page = h.http.get("/", null);
      assertEquals(200, page.status(), page::toString);
      assertTrue(page.body().contains("hookline-api-base"), page::toString);
    }
  }

  @Test
  void anApiUnderThePagePathIsReachable() {
    try (AdminHarness h =
        new AdminHarness(new InMemoryAdminStore(), b -> b.basePath("/admin/api"))) {
      Http.Exchange me = h.http.get("/admin/api/me", h.root);
      assertEquals(200, me.status(), me::toString);
      Http.Exchange page = h.http.get("/admin/", null);
      assertEquals(200, page.status(), page::toString);
      assertTrue(page.body().contains("content=\"/admin/api\""), page::toString);
    }
  }

  @Test
  void anApiAtTheRootIsReachableOrRefusedAtBuild() {
    // basePath("/") was taken, and then no API request matched it ("/me" is not "/" nor under
    // "//"): every call, the page's too, was a 404 with nothing saying why.
    AdminHarness h;
    try {
      h = new AdminHarness(new InMemoryAdminStore(), b -> b.basePath("/"));
    } catch (IllegalArgumentException | IllegalStateException refused) {
      return; // refused at build: fine
    }
    try (h) {
      Http.Exchange me = h.http.get("/me", h.root);
      assertEquals(200, me.status(), me::toString);
    }
  }
}
