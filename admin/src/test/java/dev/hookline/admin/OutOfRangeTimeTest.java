package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Webhook;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Times a client sends (a cursor, {@code since}, {@code until}, {@code expires_at}) that Java can
 * parse but no store can hold, or that overflow when the API computes with them, are the client's
 * mistake: a 400 naming the field, never a 500.
 */
class OutOfRangeTimeTest {
  static AdminHarness h;
  static AdminHarness pgHarness;
  static SimpleConnectionPool ds;
  static PostgresStore pgStore;

  @BeforeAll
  static void start() throws IOException {
    h = new AdminHarness(new InMemoryAdminStore(), b -> {});
    ds = SimpleConnectionPool.of(SharedPostgres.database(), 8);
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    pgStore =
        PostgresStore.builder(ds)
            .schema("range_test")
            .secretCipher(AesGcmSecretCipher.builder().primaryKey("test-1", key).build())
            .build();
    // PostgreSQL for both the webhooks and deliveries and the tokens and audit log
    pgHarness =
        new AdminHarness(
            PostgresAdminStore.create(ds, "range_test"), s -> pgStore, r -> {}, b -> {});
  }

  @AfterAll
  static void stop() throws IOException {
    h.close();
    pgHarness.close();
    pgStore.close();
    ds.close();
  }

  private static String cursor(String raw) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertBadField(Http.Exchange e, String field) {
    assertEquals(400, e.status(), e::toString);
    assertEquals(field, e.json().get("errors").get(0).get("field").asText(), e::toString);
  }

  @Test
  void aWebhookCursorWhoseTimeOverflowsIs400() {
    String c = cursor(Long.MAX_VALUE + ":" + Long.MAX_VALUE + ":wh_x");
    assertBadField(h.http.get(h.webhooks() + "?cursor=" + c, h.root), "cursor");
  }

  @Test
  void aDeliveryCursorAtTheEndOfTimeIs400() {
    Webhook w = h.webhook(null, "cursor at the end of time");
    String c = cursor(Instant.MAX.getEpochSecond() + ":999999999:dl_x");
    assertBadField(
        h.http.get(h.webhooks() + "/" + w.id() + "/deliveries?cursor=" + c, h.root), "cursor");
  }

  @Test
  void aTokenExpiryNoDatabaseCanHoldIs400() {
    for (String at : new String[] {"+1000000000-01-01T00:00:00Z", "+300000-01-01T00:00:00Z"}) {
      Http.Exchange e =
          pgHarness.http.post(
              pgHarness.base() + "/tokens",
              pgHarness.root,
              "{\"name\":\"far\",\"scopes\":[\"webhooks:read\"],\"expires_at\":\"" + at + "\"}");
      assertBadField(e, "expires_at");
    }
  }

  @Test
  void aDeliveryWindowNoDatabaseCanHoldIs400() {
    Webhook w = pgHarness.webhook(null, "window at the end of time");
    String deliveries = pgHarness.webhooks() + "/" + w.id() + "/deliveries";
    assertBadField(
        pgHarness.http.get(deliveries + "?since=%2B1000000000-01-01T00:00:00Z", pgHarness.root),
        "since");
    assertBadField(
        pgHarness.http.get(deliveries + "?until=-1000000000-01-01T00:00:00Z", pgHarness.root),
        "until");
  }
}
