package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A token name with half a surrogate pair ({@code "\ud83d"} in JSON) was accepted, and PostgreSQL's
 * driver sent {@code ?} in its place: the token was stored, and shown in the create answer, the
 * token list and every audit entry it makes, under another name than the one given (the in-memory
 * store kept it). Webhook names, descriptions and audiences already refuse it
 * (WebhookTextSurrogateTest); a token name now does too, on every store.
 */
class PostgresTokenNameSurrogateTest {
  static SimpleConnectionPool ds;
  static PostgresStore store;
  static AdminHarness h;

  @BeforeAll
  static void start() throws IOException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    store =
        PostgresStore.builder(ds)
            .schema("admin_surrogate")
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
            .build();
    h =
        new AdminHarness(
            PostgresAdminStore.create(ds, "admin_surrogate"), s -> store, r -> {}, b -> {});
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    store.close();
    ds.close();
  }

  @Test
  void aTokenNameWithHalfASurrogatePairIsRefused() {
    Http.Exchange e =
        h.http.post(
            h.base() + "/tokens",
            h.root,
            "{\"name\":\"ci \\ud83d\",\"scopes\":[\"webhooks:read\"]}");
    assertEquals(400, e.status(), e::toString);
    assertEquals("name", e.json().at("/errors/0/field").asText(), e::toString);
    assertThrows(
        IllegalArgumentException.class,
        () ->
            h.api.issueToken(
                "ci \ud83d", Optional.empty(), Set.of(Scope.WEBHOOKS_READ), Optional.empty()));
    // a whole pair is a character like any other
    Http.Exchange whole =
        h.http.post(
            h.base() + "/tokens",
            h.root,
            "{\"name\":\"ci \\ud83d\\ude00\",\"scopes\":[\"webhooks:read\"]}");
    assertEquals(201, whole.status(), whole::toString);
    assertEquals("ci \uD83D\uDE00", whole.json().get("name").asText());
  }
}
