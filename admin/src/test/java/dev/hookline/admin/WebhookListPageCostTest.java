package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API's list of webhooks over PostgreSQL read every webhook for each page it showed (and
 * decrypted every webhook's secrets): at 50,000 webhooks, seconds per page of 50. Counted here in
 * rows the Store reads from the database for one page, not timed.
 */
class WebhookListPageCostTest {
  private static final int WEBHOOKS = 120;
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private static final AtomicLong ROWS = new AtomicLong();
  static SimpleConnectionPool ds;
  static PostgresStore store;
  static AdminHarness h;

  @BeforeAll
  static void start() throws IOException {
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    store =
        PostgresStore.builder(counting(ds, DataSource.class))
            .schema("webhook_pages")
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
            .build();
    h =
        new AdminHarness(
            PostgresAdminStore.create(ds, "webhook_pages"), s -> store, r -> {}, b -> {});
    // Ten at a time share an instant, so pages turn among ids of one instant too; some ids differ
    // only where collations disagree (case, '-' and '_').
    String[] stems = {"a", "B", "c-", "c_", "D", "e"};
    for (int i = 0; i < WEBHOOKS; i++) {
      String id = "wh_" + stems[i % stems.length] + (i / stems.length);
      boolean enabled = i % 3 != 0;
      store.insertWebhook(webhook(id, i % 4 == 0 ? "acme" : null, T0.plusSeconds(i / 10), enabled));
    }
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    store.close();
    ds.close();
  }

  private static Webhook webhook(
      String id, @Nullable String tenant, Instant createdAt, boolean enabled) {
    return new Webhook(
        id,
        Optional.ofNullable(tenant),
        "hook " + id,
        "",
        URI.create("https://example.com/" + id),
        Secret.of("key-0123456789abcdef"),
        Set.of(UserEvents.CREATED),
        Optional.empty(),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        enabled,
        Optional.empty(),
        List.of(new SigningSecret(Secret.of("whsec_c2VjcmV0"), createdAt, Optional.empty())),
        createdAt,
        createdAt,
        1);
  }

  /** {@code target}, counting in {@link #ROWS} every row a result set made through it yields. */
  @SuppressWarnings("unchecked")
  private static <T> T counting(Object target, Class<T> type) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (target instanceof ResultSet
              && method.getName().equals("next")
              && Boolean.TRUE.equals(result)) {
            ROWS.incrementAndGet();
          }
          Class<?> returned = method.getReturnType();
          if (result != null
              && (returned == Connection.class
                  || Statement.class.isAssignableFrom(returned)
                  || returned == ResultSet.class)) {
            return counting(result, returned);
          }
          return result;
        };
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
  }

  /** Every id the listing shows, page by page of {@code limit}, for the query and token. */
  private static List<String> pages(String query, int limit, String token) {
    List<String> ids = new ArrayList<>();
    String url = h.webhooks() + "?limit=" + limit + query;
    JsonNode page = h.http.get(url, token).json();
    while (true) {
      page.get("data").forEach(w -> ids.add(w.get("id").asText()));
      if (page.get("next_cursor") == null || page.get("next_cursor").isNull()) {
        return ids;
      }
      page = h.http.get(url + "&cursor=" + page.get("next_cursor").asText(), token).json();
    }
  }

  @Test
  void aPageReadsItsOwnRowsNotEveryWebhook() {
    long before = ROWS.get();
    JsonNode page = h.http.get(h.webhooks() + "?limit=10", h.root).json();
    long read = ROWS.get() - before;

    assertEquals(10, page.get("data").size());
    // Before: every webhook, 120 rows here (and their secrets decrypted). Now the page's keys and
    // rows, and one more of each to tell whether a next page exists.
    assertTrue(read <= 30, "rows read for one page of 10: " + read);
  }

  @Test
  void pagesListEveryWebhookOnceInTheListsOrder() {
    List<String> all = h.registry.list().stream().map(Webhook::id).toList();
    assertEquals(WEBHOOKS, all.size());
    assertEquals(all, pages("", 7, h.root));
    assertEquals(
        h.registry.list().stream().filter(w -> !w.enabled()).map(Webhook::id).toList(),
        pages("&enabled=false", 9, h.root));
    assertEquals(
        h.registry.forTenant("acme").list().stream().map(Webhook::id).toList(),
        pages("", 8, h.tenantToken("acme")));
  }
}
