package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.DeliveryQuery;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.testing.TestWebhooks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An attempt's {@code response_excerpt} is the endpoint's response cut to 1,024 UTF-16 units. A
 * character outside the BMP (an emoji) across the cut was split: the answer carried half a
 * surrogate pair ({@code "\uD83D"}), which strict JSON readers refuse (Rust's serde_json: "lone
 * leading surrogate in hex escape"), so a tenant's endpoint could make its own delivery detail
 * unreadable to such a client, and the page showed a replacement character.
 */
class ResponseExcerptSurrogateTest {
  static AdminHarness h;
  static HttpServer endpoint;

  /** 1,023 letters and an emoji: the emoji's two halves are the 1,024th and 1,025th units. */
  static final String BODY = "a".repeat(1023) + "\uD83D\uDE00 and more";

  @BeforeAll
  static void start() throws IOException {
    h = new AdminHarness();
    endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endpoint.createContext(
        "/hook",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(500, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    endpoint.start();
  }

  @AfterAll
  static void stop() {
    endpoint.stop(0);
    h.close();
  }

  @Test
  void theExcerptNeverEndsInHalfACharacter() {
    Webhook w =
        h.registry.create(
            WebhookDefinition.builder()
                .name("emoji")
                .uri("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/hook")
                .apiKey(AdminHarness.API_KEY)
                .eventNames(List.of("user.created"))
                .tenant("emoji")
                .build());
    TestWebhooks.markVerified(h.registry, w.id());
    h.registry.enable(w.id());
    h.dispatcher.publish(h.event(UserEvents.CREATED, "emoji"));
    h.dispatcher.runDueNow();
    String id = h.store.findDeliveries(DeliveryQuery.builder().webhook(w.id()).build()).get(0).id();

    Http.Exchange e = h.http.get(h.webhooks() + "/" + w.id() + "/deliveries/" + id, h.root);
    assertEquals(200, e.status(), e::toString);
    JsonNode attempt = e.json().at("/attempts/0");
    assertEquals(500, attempt.get("status").asInt(), e::toString);
    String excerpt = attempt.get("response_excerpt").asText();
    assertFalse(
        Character.isHighSurrogate(excerpt.charAt(excerpt.length() - 1)),
        "the excerpt ends in half a surrogate pair: ..."
            + excerpt
                .substring(excerpt.length() - 3)
                .codePoints()
                .mapToObj(Integer::toHexString)
                .toList());
  }
}
