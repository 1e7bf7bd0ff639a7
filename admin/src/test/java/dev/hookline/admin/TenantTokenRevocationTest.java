package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Revoking follows the rule of issuing: a token makes tokens only with scopes it holds, so a
 * tenant-bound token revokes only its tenant's tokens whose scopes it holds all of. A host-level
 * token revokes any.
 */
class TenantTokenRevocationTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static String id(String token) {
    return h.http.get(h.base() + "/me", token).json().get("token_id").asText();
  }

  @Test
  void aTenantTokenCannotIssueScopesItLacks() {
    String admin = h.token("acme-issue", Scope.TOKENS_ADMIN);
    Http.Exchange e =
        h.http.post(
            h.base() + "/tokens", admin, "{\"name\":\"wider\",\"scopes\":[\"webhooks:write\"]}");
    assertEquals(400, e.status(), e::toString);
    assertEquals("scopes", e.json().get("errors").get(0).get("field").asText());
  }

  @Test
  void aTenantTokenCannotRevokeATokenWithScopesItLacks() {
    String admin = h.token("acme", Scope.TOKENS_ADMIN);
    String wider = h.token("acme", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_WRITE);
    Http.Exchange e = h.http.delete(h.base() + "/tokens/" + id(wider), admin);
    assertEquals(403, e.status(), e::toString);
    assertEquals("https://hookline.dev/problems/token-scopes", e.json().get("type").asText());
    assertTrue(e.json().get("detail").asText().contains("webhooks:write"), e::toString);
    assertEquals(200, h.http.get(h.base() + "/me", wider).status(), "still valid");
    Http.Exchange audit = h.http.get(h.base() + "/audit-log", h.root);
    assertTrue(!audit.body().contains("\"target\":\"" + id(wider) + "\""), "nothing audited");
  }

  @Test
  void aTenantTokenRevokesTokensWhoseScopesItHolds() {
    String admin = h.token("acme-2", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ);
    String narrower = h.token("acme-2", Scope.WEBHOOKS_READ);
    String same = h.token("acme-2", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ);
    String narrowerId = id(narrower);
    String sameId = id(same);
    assertEquals(204, h.http.delete(h.base() + "/tokens/" + narrowerId, admin).status());
    assertEquals(204, h.http.delete(h.base() + "/tokens/" + sameId, admin).status());
    assertEquals(401, h.http.get(h.base() + "/me", narrower).status());
    assertEquals(401, h.http.get(h.base() + "/me", same).status());
    String adminId = id(admin);
    assertEquals(204, h.http.delete(h.base() + "/tokens/" + adminId, admin).status(), "itself");
  }

  @Test
  void aHostLevelTokenRevokesAnyToken() {
    String narrowHost = h.token(null, Scope.TOKENS_ADMIN);
    String wide =
        h.api
            .issueToken("wide", Optional.of("acme-3"), Set.of(Scope.values()), Optional.empty())
            .token()
            .reveal();
    assertEquals(204, h.http.delete(h.base() + "/tokens/" + id(wide), narrowHost).status());
    assertEquals(401, h.http.get(h.base() + "/me", wide).status());
  }
}
