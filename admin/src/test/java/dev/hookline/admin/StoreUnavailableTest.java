package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.AdminStoreException;
import dev.hookline.admin.spi.AuditEntry;
import dev.hookline.admin.spi.StoredToken;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.store.InMemoryStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A management store that cannot be reached answers 503 with {@code Retry-After} (the client may
 * try again), not a 500; any other store failure stays a 500. Neither says more than that.
 */
class StoreUnavailableTest {
  private static final String TOKEN = "hkl_" + "Q".repeat(43);

  /** A store whose every call fails with {@code reason}. */
  private static AdminStore failing(AdminStoreException.Reason reason) {
    return new AdminStore() {
      private AdminStoreException fail() {
        return new AdminStoreException(reason, "database gone (test)");
      }

      @Override
      public void insertToken(StoredToken token) {
        throw fail();
      }

      @Override
      public Optional<StoredToken> findTokenByHash(String hash) {
        throw fail();
      }

      @Override
      public Optional<StoredToken> findToken(String id) {
        throw fail();
      }

      @Override
      public List<StoredToken> listTokens(
          Optional<String> tenant, Optional<String> afterId, int limit) {
        throw fail();
      }

      @Override
      public boolean revokeToken(String id, Instant at) {
        throw fail();
      }

      @Override
      public AuditEntry appendAudit(AuditEntry entry) {
        throw fail();
      }

      @Override
      public List<AuditEntry> listAudit(
          Optional<String> tenant, OptionalLong beforeSequence, int limit) {
        throw fail();
      }
    };
  }

  private static AdminResponse listWebhooksWith(AdminStore store) {
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    try (Dispatcher dispatcher = Dispatcher.builder().registry(registry).build()) {
      AdminApi api =
          AdminApi.builder().registry(registry).dispatcher(dispatcher).store(store).build();
      return api.handle(
          AdminRequest.builder("GET", "/api/v1/webhooks")
              .header("Authorization", "Bearer " + TOKEN)
              .remoteAddress("127.0.0.1")
              .build());
    }
  }

  @Test
  void anUnreachableStoreIs503WithRetryAfter() {
    AdminResponse r = listWebhooksWith(failing(AdminStoreException.Reason.UNAVAILABLE));
    assertEquals(503, r.status());
    assertEquals(Optional.of("5"), r.header("Retry-After"));
    assertTrue(r.header("Content-Type").orElseThrow().startsWith("application/problem+json"));
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertTrue(body.contains("\"status\":503"), body);
    assertFalse(body.contains(TOKEN), "the token is not echoed");
    assertFalse(body.contains("database gone"), "the store's own message stays in the log");
  }

  @Test
  void anotherStoreFailureIs500() {
    AdminResponse r = listWebhooksWith(failing(AdminStoreException.Reason.SCHEMA_OUT_OF_DATE));
    assertEquals(500, r.status());
    assertEquals(Optional.empty(), r.header("Retry-After"));
  }
}
