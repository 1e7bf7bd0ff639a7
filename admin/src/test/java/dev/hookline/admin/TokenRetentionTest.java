package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.AuditEntry;
import dev.hookline.admin.spi.StoredToken;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A tenant's {@code tokens:admin} token making and revoking tokens in a loop grew the store without
 * bound: only live tokens were limited. The stores now keep a tenant's newest 100 dead tokens
 * ({@code AdminStoreContract} checks them). Over HTTP: a revoked token whose row was deleted still
 * answers 401, as an unknown token does; the audit log, whose entries name the deleted token, still
 * lists; and a token deleted while its own request runs makes no token that outlives it. On the
 * in-memory store; {@link PostgresTokenRetentionTest} runs it on PostgreSQL.
 */
class TokenRetentionTest {
  static final int KEPT = 100;
  AdminHarness h;

  AdminStore newStore() {
    return new InMemoryAdminStore();
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private String tokens() {
    return h.base() + "/tokens";
  }

  private static String body(String name, String... scopes) {
    return "{\"name\":\""
        + name
        + "\",\"scopes\":[\""
        + String.join("\",\"", scopes.length == 0 ? new String[] {"webhooks:read"} : scopes)
        + "\"]}";
  }

  private JsonNode create(String token, String body) {
    Http.Exchange e = h.http.post(tokens(), token, body);
    assertEquals(201, e.status(), e::toString);
    return e.json();
  }

  private void revoke(String token, String id) {
    assertEquals(204, h.http.delete(tokens() + "/" + id, token).status());
  }

  /** Every item of a list endpoint, page by page, each page a 200. */
  private List<JsonNode> all(String path, String token) {
    List<JsonNode> out = new ArrayList<>();
    String next = path + "?limit=50";
    while (next != null) {
      Http.Exchange page = h.http.get(next, token);
      assertEquals(200, page.status(), page::toString);
      page.json().get("data").forEach(out::add);
      JsonNode cursor = page.json().get("next_cursor");
      next =
          cursor == null || cursor.isNull() ? null : path + "?limit=50&cursor=" + cursor.asText();
    }
    return out;
  }

  @Test
  void aRevokedTokenWhoseRowWasDeletedStillAnswers401AndTheAuditLogStillLists() {
    h = new AdminHarness(newStore(), b -> {});
    String admin = h.token("acme", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ);
    JsonNode made = create(admin, body("victim", "tokens:admin", "webhooks:read"));
    String victim = made.get("token").asText();
    String victimId = made.get("id").asText();
    String childId = create(victim, body("child")).get("id").asText(); // audited as the victim
    revoke(admin, victimId);
    h.clock.advance(Duration.ofSeconds(1));
    revoke(admin, childId);
    Http.Exchange revoked = h.http.get(h.base() + "/me", victim);
    assertEquals(401, revoked.status(), revoked::toString);
    // the loop: each token dies after the victim; the KEPT-th deletes it
    for (int i = 0; i < KEPT + 1; i++) {
      h.clock.advance(Duration.ofSeconds(1));
      revoke(admin, create(admin, body("churn " + i)).get("id").asText());
    }
    assertEquals(Optional.empty(), h.adminStore.findToken(victimId), "the victim's row is gone");
    assertEquals(Optional.empty(), h.adminStore.findToken(childId));
    // the deleted token answers exactly as an unknown one
    Http.Exchange deleted = h.http.get(h.base() + "/me", victim);
    Http.Exchange unknown = h.http.get(h.base() + "/me", "hkl_" + "A".repeat(43));
    assertEquals(401, deleted.status(), deleted::toString);
    assertEquals(unknown.header("WWW-Authenticate"), deleted.header("WWW-Authenticate"));
    assertEquals(unknown.json(), deleted.json());
    assertEquals(revoked.json(), deleted.json(), "as before its row was deleted");
    assertEquals(401, h.http.post(tokens(), victim, body("again")).status());
    assertEquals(404, h.http.get(tokens() + "/" + victimId, admin).status());
    assertEquals(404, h.http.delete(tokens() + "/" + victimId, admin).status());
    // the tenant keeps its live admin token and its newest KEPT dead ones, and the last revoked
    List<JsonNode> listed = all(tokens(), admin);
    assertEquals(1 + KEPT + 1, listed.size());
    assertFalse(listed.stream().anyMatch(t -> t.get("id").asText().equals(victimId)));
    // the audit log still lists every entry, those naming the deleted tokens too
    List<JsonNode> audit = all(h.base() + "/audit-log", admin);
    assertEquals(2 + 2 + 2 * (KEPT + 1), audit.size());
    assertTrue(
        audit.stream()
            .anyMatch(
                e ->
                    e.path("token_id").asText().equals(victimId)
                        && e.get("target").asText().equals(childId)),
        "the child's creation, by the deleted victim");
    assertTrue(
        audit.stream()
            .anyMatch(
                e ->
                    e.get("action").asText().equals("token.revoke")
                        && e.get("target").asText().equals(victimId)));
    assertEquals(200, h.http.get(h.base() + "/audit-log", h.root).status());
  }

  @Test
  void aTokenDeletedWhileItsRequestRunsMakesNoTokenThatOutlivesIt() {
    // the maker's row vanishes between authentication (by hash) and the read of its expiry (by
    // id): revoked and deleted by other requests in between
    Set<String> vanished = ConcurrentHashMap.newKeySet();
    AdminStore store = new VanishingStore(newStore(), vanished);
    h = new AdminHarness(store, b -> {});
    Instant expiry = h.clock.instant().plus(Duration.ofHours(1));
    IssuedToken maker =
        h.api.issueToken(
            "short-lived admin",
            Optional.of("acme"),
            EnumSet.of(Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ),
            Optional.of(expiry));
    String value = maker.token().reveal();
    JsonNode ok = create(value, body("inherits"));
    assertEquals(expiry.toString(), ok.get("expires_at").asText());
    vanished.add(maker.id());
    Http.Exchange e = h.http.post(tokens(), value, body("outlives"));
    assertEquals(401, e.status(), e::toString);
    assertEquals(2, h.adminStore.listTokens(Optional.of("acme"), Optional.empty(), 10).size());
  }

  /** A store whose {@code findToken} no longer finds the given ids; everything else passes. */
  private record VanishingStore(AdminStore d, Set<String> vanished) implements AdminStore {
    @Override
    public void insertToken(StoredToken token) {
      d.insertToken(token);
    }

    @Override
    public boolean insertToken(StoredToken token, int maxLivePerTenant) {
      return d.insertToken(token, maxLivePerTenant);
    }

    @Override
    public Optional<StoredToken> findTokenByHash(String hash) {
      return d.findTokenByHash(hash);
    }

    @Override
    public Optional<StoredToken> findToken(String id) {
      return vanished.contains(id) ? Optional.empty() : d.findToken(id);
    }

    @Override
    public List<StoredToken> listTokens(
        Optional<String> tenant, Optional<String> afterId, int limit) {
      return d.listTokens(tenant, afterId, limit);
    }

    @Override
    public boolean revokeToken(String id, Instant at) {
      return d.revokeToken(id, at);
    }

    @Override
    public AuditEntry appendAudit(AuditEntry entry) {
      return d.appendAudit(entry);
    }

    @Override
    public List<AuditEntry> listAudit(
        Optional<String> tenant, OptionalLong beforeSequence, int limit) {
      return d.listAudit(tenant, beforeSequence, limit);
    }
  }
}
