package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.admin.spi.StoredToken;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Authentication, tokens, /me, the audit log and the failed-authentication limit. */
class TokensAndAuthTest {
  static AdminHarness h;
  static Http http;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
    http = h.http;
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private String tokens() {
    return h.base() + "/tokens";
  }

  @Test
  void noTokenIs401WithAChallenge() {
    Http.Exchange e = http.get(h.webhooks(), null);
    assertEquals(401, e.status());
    assertTrue(e.header("WWW-Authenticate").startsWith("Bearer"));
    assertEquals("https://hookline.dev/problems/unauthorized", e.json().get("type").asText());
  }

  @Test
  void unknownOrMalformedTokensAre401() {
    assertEquals(401, http.get(h.webhooks(), "hkl_" + "A".repeat(43)).status());
    assertEquals(401, http.get(h.webhooks(), "not-a-token").status());
    Http.Exchange basic =
        http.send("GET", h.webhooks(), null, null, "Authorization", "Basic dXNlcjpwYXNz");
    assertEquals(401, basic.status());
  }

  @Test
  void aTokenIsShownOnceAndOnlyItsHashIsStored() {
    Http.Exchange e =
        http.post(tokens(), h.root, "{\"name\":\"ci\",\"scopes\":[\"webhooks:read\"]}");
    assertEquals(201, e.status(), e::toString);
    String token = e.json().get("token").asText();
    assertTrue(token.matches("hkl_[A-Za-z0-9_-]{43}"), token);
    String id = e.json().get("id").asText();
    assertEquals(tokens() + "/" + id, e.header("Location"));
    assertEquals(200, http.get(h.webhooks(), token).status());
    Http.Exchange read = http.get(tokens() + "/" + id, h.root);
    assertEquals(200, read.status());
    assertFalse(read.json().has("token"));
    assertFalse(http.get(tokens(), h.root).body().contains(token));
    StoredToken stored = h.adminStore.findToken(id).orElseThrow();
    assertEquals(sha256(token), stored.hash());
    assertFalse(stored.toString().contains(token));
  }

  @Test
  void revokedTokensStopWorkingAtOnce() {
    Http.Exchange e =
        http.post(tokens(), h.root, "{\"name\":\"temp\",\"scopes\":[\"webhooks:read\"]}");
    String token = e.json().get("token").asText();
    String id = e.json().get("id").asText();
    assertEquals(204, http.delete(tokens() + "/" + id, h.root).status());
    assertEquals(401, http.get(h.webhooks(), token).status());
    assertTrue(http.get(tokens() + "/" + id, h.root).json().get("revoked").asBoolean());
    assertEquals(404, http.delete(tokens() + "/tok_missing", h.root).status());
  }

  @Test
  void expiredTokensAre401() {
    String at = h.clock.instant().plus(Duration.ofHours(1)).toString();
    Http.Exchange e =
        http.post(
            tokens(),
            h.root,
            "{\"name\":\"short\",\"scopes\":[\"webhooks:read\"],\"expires_at\":\"" + at + "\"}");
    assertEquals(201, e.status(), e::toString);
    String token = e.json().get("token").asText();
    assertEquals(200, http.get(h.webhooks(), token).status());
    h.clock.advance(Duration.ofHours(1));
    assertEquals(401, http.get(h.webhooks(), token).status());
  }

  @Test
  void aTokenNeverMakesATokenThatOutlivesIt() {
    Instant parentExpiry = h.clock.instant().plus(Duration.ofHours(1));
    String parent =
        h.api
            .issueToken(
                "short-lived admin",
                Optional.empty(),
                EnumSet.of(Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ),
                Optional.of(parentExpiry))
            .token()
            .reveal();
    Http.Exchange later =
        http.post(
            tokens(),
            parent,
            "{\"name\":\"outlives\",\"scopes\":[\"webhooks:read\"],\"expires_at\":\""
                + parentExpiry.plusSeconds(1)
                + "\"}");
    assertEquals(400, later.status(), later::toString);
    JsonNode error = later.json().get("errors").get(0);
    assertEquals("expires_at", error.get("field").asText());
    assertEquals("at or before " + parentExpiry, error.get("allowed").asText());

    Http.Exchange same =
        http.post(
            tokens(),
            parent,
            "{\"name\":\"same\",\"scopes\":[\"webhooks:read\"],\"expires_at\":\""
                + parentExpiry
                + "\"}");
    assertEquals(201, same.status(), same::toString);

    Http.Exchange child =
        http.post(tokens(), parent, "{\"name\":\"child\",\"scopes\":[\"webhooks:read\"]}");
    assertEquals(201, child.status(), child::toString);
    assertEquals(
        parentExpiry.toString(),
        child.json().get("expires_at").asText(),
        "without expires_at the child ends with its parent");
    String childToken = child.json().get("token").asText();
    assertEquals(200, http.get(h.webhooks(), childToken).status());

    h.clock.advance(Duration.ofHours(2));
    assertEquals(401, http.get(h.webhooks(), childToken).status());
    assertEquals(401, http.get(h.webhooks(), same.json().get("token").asText()).status());
  }

  @Test
  void aTokenWithoutExpiryMakesTokensWithoutExpiry() {
    Http.Exchange e =
        http.post(tokens(), h.root, "{\"name\":\"lasting\",\"scopes\":[\"webhooks:read\"]}");
    assertEquals(201, e.status(), e::toString);
    assertFalse(e.json().has("expires_at"));
  }

  @Test
  void tokenRequestsAreValidated() {
    Http.Exchange e =
        http.post(
            tokens(),
            h.root,
            "{\"name\":\"\",\"scopes\":[\"everything\"],\"expires_at\":\"2020-01-01T00:00:00Z\",\"x\":1}");
    assertEquals(400, e.status());
    Set<String> fields = new java.util.HashSet<>();
    e.json().get("errors").forEach(v -> fields.add(v.get("field").asText()));
    assertEquals(Set.of("name", "scopes", "expires_at", "x"), fields);
    assertEquals(400, http.post(tokens(), h.root, "{\"name\":\"n\"}").status());
    assertEquals(
        415, http.post(tokens(), h.root, "{}", "Content-Type", "application/xml").status());
  }

  @Test
  void aTenantTokenMakesTokensOnlyForItsTenantAndWithinItsScopes() {
    String admin = h.token("acme", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ);
    Http.Exchange own =
        http.post(tokens(), admin, "{\"name\":\"reader\",\"scopes\":[\"webhooks:read\"]}");
    assertEquals(201, own.status(), own::toString);
    assertEquals("acme", own.json().get("tenant").asText());
    Http.Exchange other =
        http.post(
            tokens(),
            admin,
            "{\"name\":\"x\",\"tenant\":\"globex\",\"scopes\":[\"webhooks:read\"]}");
    assertEquals(400, other.status());
    Http.Exchange escalate =
        http.post(tokens(), admin, "{\"name\":\"x\",\"scopes\":[\"webhooks:write\"]}");
    assertEquals(400, escalate.status());
    assertEquals("scopes", escalate.json().get("errors").get(0).get("field").asText());
    for (JsonNode t : http.get(tokens() + "?limit=200", admin).json().get("data")) {
      assertEquals("acme", t.get("tenant").asText(), "a tenant lists only its own tokens");
    }
    String rootTokenId = h.adminStore.findTokenByHash(sha256(h.root)).orElseThrow().id();
    assertEquals(404, http.get(tokens() + "/" + rootTokenId, admin).status());
    assertEquals(404, http.delete(tokens() + "/" + rootTokenId, admin).status());
  }

  @Test
  void tokensPageWithACursor() {
    String admin = h.token("pages", Scope.TOKENS_ADMIN);
    for (int i = 0; i < 4; i++) {
      http.post(tokens(), admin, "{\"name\":\"p" + i + "\",\"scopes\":[\"tokens:admin\"]}");
    }
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page =
          http.get(tokens() + "?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), admin)
              .json();
      page.get("data").forEach(t -> ids.add(t.get("id").asText()));
      cursor = page.get("done").asBoolean() ? null : page.get("next_cursor").asText();
    } while (cursor != null);
    assertEquals(5, ids.size());
    assertEquals(5, Set.copyOf(ids).size());
  }

  @Test
  void meShowsThePrincipal() {
    String t = h.token("acme", Scope.WEBHOOKS_READ, Scope.DELIVERIES_READ);
    JsonNode me = http.get(h.base() + "/me", t).json();
    assertEquals("acme", me.get("tenant").asText());
    List<String> scopes = new ArrayList<>();
    me.get("scopes").forEach(s -> scopes.add(s.asText()));
    assertEquals(List.of("webhooks:read", "deliveries:read"), scopes);
    assertTrue(me.get("token_id").asText().startsWith("tok_"));
    assertFalse(me.toString().contains(t));
  }

  @Test
  void theAuditLogRecordsWhoChangedWhichFields() {
    String writer = h.token("audited", Scope.values());
    String id = h.create(writer, "audited");
    http.patch(
        h.webhooks() + "/" + id,
        writer,
        "{\"description\":\"new\",\"api_key\":\"another-api-key-0123456789\"}");
    JsonNode log = http.get(h.base() + "/audit-log", writer).json();
    JsonNode update = log.get("data").get(0);
    assertEquals("webhook.update", update.get("action").asText());
    assertEquals(id, update.get("target").asText());
    assertEquals("audited", update.get("tenant").asText());
    assertTrue(update.get("token_id").asText().startsWith("tok_"));
    List<String> changed = new ArrayList<>();
    update.get("changed_fields").forEach(f -> changed.add(f.asText()));
    assertEquals(List.of("description", "api_key"), changed);
    assertEquals("webhook.create", log.get("data").get(1).get("action").asText());
    assertFalse(log.toString().contains("another-api-key"), "values are never recorded");
    assertFalse(log.toString().contains(writer));
    log.get("data").forEach(e -> assertEquals("audited", e.get("tenant").asText()));
  }

  @Test
  void theAuditLogPages() {
    String writer = h.token("audit-pages", Scope.values());
    String id = h.create(writer, "audit pages");
    http.post(h.webhooks() + "/" + id + "/enable", writer, null);
    http.post(h.webhooks() + "/" + id + "/disable", writer, null);
    List<String> actions = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page =
          http.get(
                  h.base() + "/audit-log?limit=1" + (cursor == null ? "" : "&cursor=" + cursor),
                  writer)
              .json();
      page.get("data").forEach(e -> actions.add(e.get("action").asText()));
      cursor = page.get("done").asBoolean() ? null : page.get("next_cursor").asText();
    } while (cursor != null);
    assertEquals(List.of("webhook.disable", "webhook.enable", "webhook.create"), actions);
    assertEquals(400, http.get(h.base() + "/audit-log?cursor=x", writer).status());
  }

  @Test
  void failedAuthenticationIsRateLimitedPerAddressOnTheClock() {
    try (AdminHarness limited =
        new AdminHarness(
            new InMemoryAdminStore(), b -> b.authFailureLimit(3, Duration.ofMinutes(1)))) {
      for (int i = 0; i < 3; i++) {
        assertEquals(401, limited.http.get(limited.webhooks(), "hkl_bad" + i).status());
      }
      Http.Exchange blocked = limited.http.get(limited.webhooks(), "hkl_bad");
      assertEquals(429, blocked.status());
      assertEquals("60", blocked.header("Retry-After"));
      assertEquals(
          200,
          limited.http.get(limited.webhooks(), limited.root).status(),
          "a valid token still works from a blocked address (behind a proxy, everyone's)");
      assertEquals(
          429,
          limited.http.get(limited.webhooks(), null).status(),
          "without a token: blocked, no authenticator asked");
      limited.clock.advance(Duration.ofSeconds(59));
      assertEquals("1", limited.http.get(limited.webhooks(), "hkl_bad").header("Retry-After"));
      limited.clock.advance(Duration.ofSeconds(1));
      assertEquals(401, limited.http.get(limited.webhooks(), "hkl_bad").status());
    }
  }

  @Test
  void aPrincipalsTenantFollowsTheTenantRule() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Principal(
                    "session:bob",
                    Optional.empty(),
                    Optional.of("Acme Corp"),
                    EnumSet.of(Scope.WEBHOOKS_READ)));
    assertEquals(
        "tenant is malformed: use 1 to 128 characters A-Z a-z 0-9 . _ : @ -", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new Principal("x", Optional.empty(), Optional.of(""), Set.of()));
    assertEquals(
        Optional.of("acme:eu-1"),
        new Principal("x", Optional.empty(), Optional.of("acme:eu-1"), Set.of()).tenant());
  }

  @Test
  void theHostsOwnAuthenticatorMapsRequestsToATenantAndScopes() {
    Authenticator session =
        r ->
            r.header("X-Session")
                .filter("session-for-acme"::equals)
                .map(
                    s ->
                        new Principal(
                            "session:alice",
                            Optional.empty(),
                            Optional.of("acme"),
                            EnumSet.of(Scope.WEBHOOKS_READ)));
    try (AdminHarness custom =
        new AdminHarness(new InMemoryAdminStore(), b -> b.authenticator(session))) {
      Http.Exchange me =
          custom.http.send(
              "GET", custom.base() + "/me", null, null, "X-Session", "session-for-acme");
      assertEquals(200, me.status());
      assertEquals("session:alice", me.json().get("principal").asText());
      assertEquals("acme", me.json().get("tenant").asText());
      Http.Exchange write =
          custom.http.send(
              "POST",
              custom.webhooks(),
              null,
              custom.createBody("x"),
              "X-Session",
              "session-for-acme");
      assertEquals(403, write.status());
      assertEquals(
          401,
          custom.http.send("GET", custom.webhooks(), null, null, "X-Session", "other").status());
      assertEquals(
          200, custom.http.get(custom.webhooks(), custom.root).status(), "tokens still work");
    }
  }

  @Test
  void issueTokenRefusesBadInput() {
    assertThrowsIae(
        () ->
            h.api.issueToken("", Optional.empty(), Set.of(Scope.WEBHOOKS_READ), Optional.empty()));
    assertThrowsIae(
        () ->
            h.api.issueToken(
                "n", Optional.of("bad tenant!"), Set.of(Scope.WEBHOOKS_READ), Optional.empty()));
    assertThrowsIae(() -> h.api.issueToken("n", Optional.empty(), Set.of(), Optional.empty()));
    IssuedToken t =
        h.api.issueToken("n", Optional.empty(), Set.of(Scope.WEBHOOKS_READ), Optional.empty());
    assertFalse(t.toString().contains(t.token().reveal()));
    assertTrue(h.api.revokeToken(t.id()));
    assertFalse(h.api.revokeToken(t.id()));
    assertNotNull(h.api.toString());
    // The adapters read one byte past the limit: a limit near Integer.MAX_VALUE overflowed.
    assertThrowsIae(() -> AdminApi.builder().maxBodyBytes(Integer.MAX_VALUE));
    assertThrowsIae(() -> AdminApi.builder().maxBodyBytes(1023));
  }

  private static void assertThrowsIae(org.junit.jupiter.api.function.Executable e) {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e);
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
