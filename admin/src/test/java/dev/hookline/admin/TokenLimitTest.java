package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tenant's token that may make tokens makes at most {@code maxTokensPerTenant} live ones: past
 * it, {@code POST /tokens} is a 409 {@code token-limit} (like the webhook limit) that names the
 * limit and says to revoke one; revoked and expired tokens do not count; other tenants and the host
 * are not limited. On the in-memory store; {@link PostgresTokenLimitTest} runs it on PostgreSQL.
 */
class TokenLimitTest {
  static final int LIMIT = 3;
  AdminHarness h;

  AdminStore newStore() {
    return new InMemoryAdminStore();
  }

  @BeforeEach
  void open() {
    h =
        new AdminHarness(
            newStore(), UnaryOperator.identity(), r -> {}, b -> b.maxTokensPerTenant(LIMIT));
  }

  @AfterEach
  void close() {
    h.close();
  }

  private String tokens() {
    return h.base() + "/tokens";
  }

  private static String body(String name) {
    return "{\"name\":\"" + name + "\",\"scopes\":[\"webhooks:read\"]}";
  }

  private static String body(String name, String tenant) {
    return "{\"name\":\""
        + name
        + "\",\"tenant\":\""
        + tenant
        + "\",\"scopes\":[\"webhooks:read\"]}";
  }

  private String create(String token, String body) {
    Http.Exchange e = h.http.post(tokens(), token, body);
    assertEquals(201, e.status(), e::toString);
    return e.json().get("id").asText();
  }

  private static void assertTokenLimit(Http.Exchange refused) {
    assertEquals(409, refused.status(), refused.toString());
    assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
    JsonNode problem = refused.json();
    assertTrue(problem.get("type").asText().endsWith("/token-limit"), refused.body());
    String detail = problem.get("detail").asText();
    assertTrue(detail.contains("already has " + LIMIT + " live tokens"), detail);
    assertTrue(detail.contains("maxTokensPerTenant"), detail);
    assertTrue(detail.contains("revoke one"), detail);
  }

  @Test
  void aTenantAtItsLimitGetsA409TokenLimitUntilOneIsRevoked() {
    // the admin token itself is one of acme's live tokens
    String admin = h.token("acme", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ);
    create(admin, body("one"));
    String two = create(admin, body("two"));
    Http.Exchange refused = h.http.post(tokens(), admin, body("three"));
    assertTokenLimit(refused);
    assertEquals(LIMIT, h.adminStore.listTokens(Optional.of("acme"), Optional.empty(), 100).size());
    // the host's Java API is refused the same way for that tenant
    assertThrows(
        IllegalStateException.class,
        () ->
            h.api.issueToken(
                "more", Optional.of("acme"), Set.of(Scope.WEBHOOKS_READ), Optional.empty()));
    // a host-level token making acme's tokens is refused too: the limit is the tenant's
    assertTokenLimit(h.http.post(tokens(), h.root, body("by host", "acme")));
    assertEquals(204, h.http.delete(tokens() + "/" + two, admin).status());
    create(admin, body("three"));
    assertTokenLimit(h.http.post(tokens(), admin, body("four")));
  }

  @Test
  void expiredTokensDoNotCount() {
    String admin = h.token("acme", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ);
    String soon = h.clock.instant().plus(Duration.ofMinutes(5)).toString();
    create(
        admin, "{\"name\":\"a\",\"scopes\":[\"webhooks:read\"],\"expires_at\":\"" + soon + "\"}");
    create(
        admin, "{\"name\":\"b\",\"scopes\":[\"webhooks:read\"],\"expires_at\":\"" + soon + "\"}");
    assertTokenLimit(h.http.post(tokens(), admin, body("c")));
    h.clock.advance(Duration.ofMinutes(5));
    create(admin, body("c"));
    create(admin, body("d"));
    assertTokenLimit(h.http.post(tokens(), admin, body("e")));
  }

  @Test
  void anotherTenantAndTheHostAreNotAffected() {
    String acme = h.token("acme", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ);
    create(acme, body("one"));
    create(acme, body("two"));
    assertTokenLimit(h.http.post(tokens(), acme, body("three")));
    String globex = h.token("globex", Scope.TOKENS_ADMIN, Scope.WEBHOOKS_READ);
    create(globex, body("one"));
    create(globex, body("two"));
    for (int i = 0; i < LIMIT + 2; i++) {
      create(h.root, body("host " + i));
    }
  }

  @Test
  void theLimitIsCheckedWhenBuilt() {
    AdminApi.Builder b = AdminApi.builder();
    assertEquals(100, AdminApi.DEFAULT_MAX_TOKENS_PER_TENANT);
    for (int bad : new int[] {0, -1, 100_001}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> b.maxTokensPerTenant(bad));
      assertEquals("maxTokensPerTenant must be between 1 and 100,000, was " + bad, e.getMessage());
    }
    b.maxTokensPerTenant(1);
    b.maxTokensPerTenant(100_000);
  }
}
