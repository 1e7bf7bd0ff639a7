package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.hookline.Webhook;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each scope grants exactly the endpoints it names: every other one answers 403. */
class ScopesTest {
  static AdminHarness h;

  @BeforeAll
  static void start() {
    h = new AdminHarness();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @ParameterizedTest
  @EnumSource(Scope.class)
  void aScopeGrantsOnlyWhatItNames(Scope scope) {
    String token = h.token(null, scope);
    Webhook w = h.receiving(null, "scoped " + scope);
    h.deliver(null, 1, 500);
    String deliveryId =
        h.store
            .findDeliveries(dev.hookline.DeliveryQuery.builder().webhook(w.id()).build())
            .get(0)
            .id();
    String tokenId =
        h.api
            .issueToken(
                "victim",
                java.util.Optional.empty(),
                java.util.Set.of(Scope.WEBHOOKS_READ),
                java.util.Optional.empty())
            .id();
    List<Endpoints.Call> calls =
        new ArrayList<>(Endpoints.collections(h.base(), h.createBody("by " + scope)));
    calls.addAll(Endpoints.naming(h.base(), w.id(), deliveryId, tokenId));
    int granted = 0;
    for (Endpoints.Call c : calls) {
      Http.Exchange e = Endpoints.send(h.http, c, token);
      assertNotEquals(401, e.status(), c::toString);
      if (c.scope() == null || c.scope() == scope) {
        assertNotEquals(403, e.status(), () -> c + " needs only " + scope + ": " + e);
        granted++;
      } else {
        assertEquals(403, e.status(), () -> c + " must need " + c.scope() + ": " + e);
        assertEquals("https://hookline.dev/problems/forbidden", e.json().get("type").asText());
      }
    }
    assertNotEquals(0, granted);
  }
}
