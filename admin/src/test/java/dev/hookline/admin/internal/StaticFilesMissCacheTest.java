package dev.hookline.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.admin.AdminRequest;
import java.lang.reflect.Field;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The page's file cache must not grow with every name a client asks for. The page is served before
 * any authentication, and each missing name that looks like a file name is remembered (as missing)
 * for good: anyone who can reach {@code /admin/} grows the server's heap by a map entry per request
 * (here 50,000 requests, 50,000 entries), without a token.
 */
class StaticFilesMissCacheTest {

  @Test
  void missingNamesAreNotRememberedWithoutBound() throws Exception {
    StaticFiles page = new StaticFiles("/admin/", "/api/v1");
    for (int i = 0; i < 50_000; i++) {
      assertEquals(
          404, page.serve(AdminRequest.builder("GET", "/admin/missing-" + i).build()).status());
    }
    assertEquals(200, page.serve(AdminRequest.builder("GET", "/admin/").build()).status());
    Field f = StaticFiles.class.getDeclaredField("cache");
    f.setAccessible(true);
    int size = ((Map<?, ?>) f.get(page)).size();
    assertTrue(size <= 100, "entries the file cache holds after 50,000 missing names: " + size);
  }
}
