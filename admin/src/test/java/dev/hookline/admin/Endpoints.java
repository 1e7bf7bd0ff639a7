package dev.hookline.admin;

import java.util.List;

/** Every endpoint of the API with ids filled in, and the scope each needs (null: any token). */
final class Endpoints {
  record Call(String method, String path, String body, Scope scope) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private Endpoints() {}

  /** The calls that name a webhook, delivery or token. */
  static List<Call> naming(String base, String webhookId, String deliveryId, String tokenId) {
    String w = base + "/webhooks/" + webhookId;
    return List.of(
        new Call("GET", w, null, Scope.WEBHOOKS_READ),
        new Call("PATCH", w, "{\"name\":\"renamed\"}", Scope.WEBHOOKS_WRITE),
        new Call("POST", w + "/enable", null, Scope.WEBHOOKS_WRITE),
        new Call("POST", w + "/disable", null, Scope.WEBHOOKS_WRITE),
        new Call("POST", w + "/verify", null, Scope.WEBHOOKS_WRITE),
        new Call("POST", w + "/test", null, Scope.WEBHOOKS_WRITE),
        new Call("POST", w + "/signing-secret/rotate", null, Scope.WEBHOOKS_WRITE),
        new Call(
            "POST",
            w + "/api-key",
            "{\"api_key\":\"replaced-api-key-0123456789\"}",
            Scope.WEBHOOKS_WRITE),
        new Call("GET", w + "/summary", null, Scope.DELIVERIES_READ),
        new Call("GET", w + "/deliveries", null, Scope.DELIVERIES_READ),
        new Call("GET", w + "/deliveries/" + deliveryId, null, Scope.DELIVERIES_READ),
        new Call(
            "POST",
            w + "/deliveries/" + deliveryId + "/redeliver",
            null,
            Scope.DELIVERIES_REDELIVER),
        new Call(
            "POST",
            w + "/recover",
            "{\"since\":\"2026-01-01T00:00:00Z\"}",
            Scope.DELIVERIES_REDELIVER),
        new Call("GET", base + "/tokens/" + tokenId, null, Scope.TOKENS_ADMIN),
        new Call("DELETE", base + "/tokens/" + tokenId, null, Scope.TOKENS_ADMIN),
        new Call("DELETE", w, null, Scope.WEBHOOKS_WRITE));
  }

  /** The calls that name nothing. */
  static List<Call> collections(String base, String createBody) {
    return List.of(
        new Call("GET", base + "/webhooks", null, Scope.WEBHOOKS_READ),
        new Call("POST", base + "/webhooks", createBody, Scope.WEBHOOKS_WRITE),
        new Call("GET", base + "/event-types", null, Scope.WEBHOOKS_READ),
        new Call("GET", base + "/tokens", null, Scope.TOKENS_ADMIN),
        new Call(
            "POST",
            base + "/tokens",
            "{\"name\":\"made\",\"scopes\":[\"webhooks:read\"]}",
            Scope.TOKENS_ADMIN),
        new Call("GET", base + "/audit-log", null, Scope.TOKENS_ADMIN),
        new Call("GET", base + "/me", null, null));
  }

  static Http.Exchange send(Http http, Call c, String token) {
    return http.send(c.method(), c.path(), token, c.body());
  }
}
