package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On PostgreSQL, only a database that cannot be reached (or cannot serve for now) is "store
 * unavailable", a 503 with {@code Retry-After}: a request the database refuses for its data would
 * fail the same way again, so it is a 500 without {@code Retry-After}, with a generic body.
 */
class PostgresStoreErrorsTest {
  static SimpleConnectionPool pool;
  static AdminHarness h;

  /** The SQLState every new connection fails with, or null while the database is reachable. */
  static final AtomicReference<String> down = new AtomicReference<>();

  /** Whether the database refuses the next token insert for its data (SQLState 22021). */
  static final AtomicBoolean refuseTokenInsert = new AtomicBoolean();

  @BeforeAll
  static void start() throws IOException {
    pool = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    // An outage is simulated below the store, at getConnection, so pooling is transparent.
    DataSource real = pool;
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    PostgresStore.builder(real)
        .schema("admin_errors")
        .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
        .build()
        .close();
    DataSource switchable =
        (DataSource)
            Proxy.newProxyInstance(
                DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                  String state = down.get();
                  if (state != null && method.getName().equals("getConnection")) {
                    throw new SQLException("connection refused (test)", state);
                  }
                  Object result;
                  try {
                    result = method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                  return result instanceof Connection c ? refusing(c) : result;
                });
    h = new AdminHarness(PostgresAdminStore.create(switchable, "admin_errors"), b -> {});
  }

  /** A connection that refuses a token insert, as PostgreSQL refuses text it cannot hold. */
  private static Connection refusing(Connection real) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("prepareStatement")
                  && String.valueOf(args[0]).contains(".admin_tokens (id")
                  && refuseTokenInsert.getAndSet(false)) {
                throw new SQLException(
                    "invalid byte sequence for encoding \"UTF8\": 0x00 (test)", "22021");
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @AfterEach
  void up() {
    down.set(null);
    refuseTokenInsert.set(false);
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    pool.close();
  }

  @Test
  void aRequestTheDatabaseRefusesIsA500WithoutRetryAfter() throws IOException {
    // the database refuses the insert for its data (as it would text holding a NUL character)
    refuseTokenInsert.set(true);
    Http.Exchange e =
        h.http.post(
            h.base() + "/tokens", h.root, "{\"name\":\"refused\",\"scopes\":[\"webhooks:read\"]}");
    assertEquals(500, e.status(), e::toString);
    assertNull(e.header("Retry-After"), "retrying cannot help");
    assertTrue(e.contentType().startsWith("application/problem+json"), e::toString);
    assertEquals("https://hookline.dev/problems/internal", e.json().get("type").asText());
    assertEquals("the server failed; see its log", e.json().get("detail").asText());
    assertFalse(e.body().contains("SQLState"), e::toString);
    assertFalse(e.body().contains(h.root), e::toString);
    assertDocumented("/tokens", "post", 500);
    // the store itself is fine: the next request works
    assertEquals(200, h.http.get(h.base() + "/tokens", h.root).status());
  }

  @Test
  void anUnreachableDatabaseIsA503WithRetryAfter() throws IOException {
    for (String state : new String[] {"08001", "08006", "57P01", "53300"}) {
      down.set(state);
      Http.Exchange e = h.http.get(h.base() + "/tokens", h.root);
      assertEquals(503, e.status(), () -> state + ": " + e);
      assertEquals("5", e.header("Retry-After"), state);
      assertEquals("https://hookline.dev/problems/unavailable", e.json().get("type").asText());
    }
    down.set(null);
    assertEquals(200, h.http.get(h.base() + "/tokens", h.root).status());
  }

  @Test
  void aDataErrorReadingIsA500Too() throws IOException {
    // a failure of another class on the connection: not a reason to retry
    down.set("42501"); // insufficient_privilege
    Http.Exchange e = h.http.get(h.base() + "/me", h.root);
    assertEquals(500, e.status(), e::toString);
    assertNull(e.header("Retry-After"));
    assertDocumented("/me", "get", 500);
  }

  private static void assertDocumented(String path, String method, int status) throws IOException {
    try (InputStream in =
        PostgresStoreErrorsTest.class.getResourceAsStream("/dev/hookline/admin/openapi.json")) {
      JsonNode doc = Http.JSON.readTree(in);
      assertNotNull(
          doc.get("paths").get(path).get(method).get("responses").get(Integer.toString(status)),
          () -> method + " " + path + " does not document " + status);
    }
  }
}
