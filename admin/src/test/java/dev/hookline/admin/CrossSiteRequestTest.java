package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.util.EnumSet;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host {@link Authenticator} that reads a session cookie makes the API reachable with ambient
 * credentials: a state-changing request a browser sends from another site is refused (403), while
 * same-origin requests, non-browser clients and bearer tokens are not affected.
 */
class CrossSiteRequestTest {
  private static final String COOKIE = "sid=alice";
  private static final String EVIL = "https://evil.example";

  static AdminHarness h;
  static Http http;
  static String ownOrigin;

  @BeforeAll
  static void start() {
    Authenticator sessions =
        r ->
            r.header("Cookie")
                .filter(COOKIE::equals)
                .map(
                    c ->
                        new Principal(
                            "session:alice",
                            Optional.empty(),
                            Optional.empty(),
                            EnumSet.of(Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE)));
    h = new AdminHarness(new InMemoryAdminStore(), b -> b.authenticator(sessions));
    http = h.http;
    ownOrigin = "http://127.0.0.1:" + h.server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String disable(Webhook w) {
    return h.webhooks() + "/" + w.id() + "/disable";
  }

  private static Http.Exchange postWithSession(String path, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Cookie";
    all[1] = COOKIE;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return http.send("POST", path, null, null, all);
  }

  @Test
  void aCrossSitePostWithTheSessionCookieIsRefusedAndChangesNothing() {
    Webhook w = h.receiving(null, "csrf target");
    Http.Exchange e = postWithSession(disable(w), "Origin", EVIL, "Sec-Fetch-Site", "cross-site");
    assertEquals(403, e.status(), e::toString);
    assertEquals("https://hookline.dev/problems/cross-site", e.json().get("type").asText());
    assertTrue(e.contentType().startsWith("application/problem+json"));
    assertTrue(h.registry.require(w.id()).enabled(), "the webhook is still enabled");
  }

  @Test
  void aSameOriginPostWithTheSessionCookieWorks() {
    Webhook w = h.receiving(null, "same origin");
    Http.Exchange e =
        postWithSession(disable(w), "Origin", ownOrigin, "Sec-Fetch-Site", "same-origin");
    assertEquals(200, e.status(), e::toString);
    assertFalse(h.registry.require(w.id()).enabled());
  }

  @Test
  void secFetchSiteDecidesWhenPresent() {
    Webhook w = h.receiving(null, "fetch metadata");
    assertEquals(
        403, postWithSession(disable(w), "Sec-Fetch-Site", "same-site").status(), "a sibling");
    assertEquals(403, postWithSession(disable(w), "Sec-Fetch-Site", "cross-site").status());
    assertTrue(h.registry.require(w.id()).enabled());
    assertEquals(
        200, postWithSession(disable(w), "Sec-Fetch-Site", "none").status(), "user-initiated");
  }

  @Test
  void withoutSecFetchSiteTheOriginMustBeTheHosts() {
    Webhook w = h.receiving(null, "origin only");
    assertEquals(403, postWithSession(disable(w), "Origin", EVIL).status());
    assertEquals(403, postWithSession(disable(w), "Origin", "null").status(), "an opaque origin");
    assertEquals(
        403,
        postWithSession(disable(w), "Origin", "http://127.0.0.1:1").status(),
        "another port is another origin");
    assertTrue(h.registry.require(w.id()).enabled());
    assertEquals(200, postWithSession(disable(w), "Origin", ownOrigin).status());
  }

  @Test
  void aClientThatSendsNeitherHeaderIsNotABrowserAcrossSites() {
    Webhook w = h.receiving(null, "curl");
    assertEquals(200, postWithSession(disable(w)).status());
  }

  @Test
  void everyStateChangingMethodIsChecked() {
    Webhook w = h.receiving(null, "methods");
    String path = h.webhooks() + "/" + w.id();
    String[] crossSite = {"Cookie", COOKIE, "Origin", EVIL, "Sec-Fetch-Site", "cross-site"};
    assertEquals(403, http.send("PATCH", path, null, "{\"name\":\"x\"}", crossSite).status());
    assertEquals(403, http.send("DELETE", path, null, null, crossSite).status());
    assertEquals(403, http.send("POST", h.webhooks(), null, h.createBody("x"), crossSite).status());
    assertEquals("methods", h.registry.require(w.id()).name());
    assertEquals(
        200, http.send("GET", path, null, null, crossSite).status(), "a read changes nothing");
  }

  @Test
  void bearerTokensAreNotAffected() {
    Webhook w = h.receiving(null, "bearer");
    Http.Exchange e =
        http.send("POST", disable(w), h.root, null, "Origin", EVIL, "Sec-Fetch-Site", "cross-site");
    assertEquals(200, e.status(), e::toString);
  }

  @Test
  void theOriginIsComparedWithTheHostHeaderWithDefaultPorts() {
    Webhook w = h.receiving(null, "host header");
    assertEquals(
        200, disableVia("https://admin.example.com", "admin.example.com", w).status(), "443");
    assertEquals(200, disableVia("http://Admin.Example.com", "admin.example.com:80", w).status());
    assertEquals(200, disableVia("http://[::1]:8080", "[::1]:8080", w).status());
    assertEquals(
        403, disableVia("https://admin.example.com:8443", "admin.example.com", w).status());
    assertEquals(
        403, disableVia("https://admin.example.com.evil", "admin.example.com", w).status());
    assertEquals(403, disableVia("https://admin.example.com", "", w).status(), "no Host");
  }

  /** Through {@link AdminApi#handle}, where the Host header can be anything. */
  private static AdminResponse disableVia(String origin, String host, Webhook w) {
    AdminRequest.Builder b =
        AdminRequest.builder("POST", disable(w))
            .header("Cookie", COOKIE)
            .header("Origin", origin)
            .remoteAddress("127.0.0.1");
    if (!host.isEmpty()) {
      b.header("Host", host);
    }
    return h.api.handle(b.build());
  }
}
