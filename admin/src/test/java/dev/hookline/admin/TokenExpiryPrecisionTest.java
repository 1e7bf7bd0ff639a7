package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A token's {@code expires_at} is kept to the microsecond on every store. PostgreSQL keeps
 * microseconds and its driver rounded finer digits to the nearest one, so on PostgreSQL the expiry
 * stored and answered was not the one asked for: {@code 9999-12-31T23:59:59.999999999Z}, inside the
 * documented range, came back as {@code +10000-01-01T00:00:00Z}, outside it (and not an RFC 3339
 * date-time); and a maker token asked to expire at {@code ...00.000000400Z}, stored at {@code
 * ...00Z}, was refused a child expiring at that same time (400, "after the expiry of the token
 * making it"), which the in-memory store allowed. On the in-memory store; {@link
 * PostgresTokenExpiryPrecisionTest} runs it on PostgreSQL.
 */
class TokenExpiryPrecisionTest {
  AdminHarness h;

  AdminStore newStore() {
    return new InMemoryAdminStore();
  }

  @BeforeEach
  void open() {
    h = new AdminHarness(newStore(), UnaryOperator.identity(), r -> {}, b -> {});
  }

  @AfterEach
  void close() {
    h.close();
  }

  private Http.Exchange create(String token, String scopes, String expiresAt) {
    return h.http.post(
        h.base() + "/tokens",
        token,
        "{\"name\":\"t\",\"scopes\":" + scopes + ",\"expires_at\":\"" + expiresAt + "\"}");
  }

  @Test
  void theLatestExpiryTakenStaysInsideTheRange() {
    Http.Exchange made = create(h.root, "[\"webhooks:read\"]", "9999-12-31T23:59:59.999999999Z");
    assertEquals(201, made.status(), made::toString);
    assertEquals("9999-12-31T23:59:59.999999Z", made.json().get("expires_at").asText());
    JsonNode read =
        h.http.get(h.base() + "/tokens/" + made.json().get("id").asText(), h.root).json();
    assertEquals("9999-12-31T23:59:59.999999Z", read.get("expires_at").asText());
  }

  @Test
  void aTokenMakesOneExpiringWhenItWasAskedToExpire() {
    String at = "2027-01-01T00:00:00.000000400Z";
    Http.Exchange maker = create(h.root, "[\"tokens:admin\",\"webhooks:read\"]", at);
    assertEquals(201, maker.status(), maker::toString);
    Http.Exchange child = create(maker.json().get("token").asText(), "[\"webhooks:read\"]", at);
    assertEquals(201, child.status(), child::toString);
    assertEquals("2027-01-01T00:00:00Z", maker.json().get("expires_at").asText());
    assertEquals("2027-01-01T00:00:00Z", child.json().get("expires_at").asText());
  }
}
