package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.DeliveryState;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The delivery log, one delivery's attempts, redelivery and recovery over HTTP. */
class DeliveriesApiTest {
  static AdminHarness h;
  static Http http;

  @BeforeAll
  static void start() {
    h =
        new AdminHarness(
            new dev.hookline.admin.store.InMemoryAdminStore(),
            b -> b.redeliveryLimit(3, Duration.ofMinutes(1)).recoverPace(Duration.ofSeconds(1)));
    http = h.http;
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private String deliveries(String id) {
    return h.webhooks() + "/" + id + "/deliveries";
  }

  private List<String> pageThrough(String url, String token, int limit) {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      String sep = url.contains("?") ? "&" : "?";
      Http.Exchange e =
          http.get(
              url + sep + "limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor), token);
      assertEquals(200, e.status(), e::toString);
      JsonNode page = e.json();
      page.get("data").forEach(d -> ids.add(d.get("id").asText()));
      cursor = page.get("done").asBoolean() ? null : page.get("next_cursor").asText();
    } while (cursor != null);
    return ids;
  }

  @Test
  void theLogPagesAcrossDeliveriesCreatedAtTheSameInstantAndAtOthers() {
    Webhook w = h.receiving("paging", "paging");
    h.deliver("paging", 5, 200); // five at one instant: a page boundary falls among ties
    h.clock.advance(Duration.ofSeconds(1));
    h.deliver("paging", 4, 200);
    h.clock.advance(Duration.ofSeconds(1));
    h.deliver("paging", 3, 200);
    List<String> ids = pageThrough(deliveries(w.id()), h.root, 2);
    assertEquals(12, ids.size());
    assertEquals(12, new HashSet<>(ids).size(), "no delivery twice");
    List<String> all = pageThrough(deliveries(w.id()), h.root, 200);
    assertEquals(all, ids, "pages concatenate to the one-page listing, newest first");
  }

  @Test
  void aTypeRareInALongHistoryIsFoundInBoundedStepsNotOneUnboundedRead() {
    Webhook w = h.receiving("rare", "rare");
    h.dispatcher.publish(h.event(UserEvents.DELETED, "rare"));
    for (int batch = 0; batch < 15; batch++) {
      h.clock.advance(Duration.ofSeconds(1));
      List<dev.hookline.Event> events = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        events.add(h.event(UserEvents.CREATED, "rare"));
      }
      h.dispatcher.publish(events);
    }
    String url = deliveries(w.id()) + "?type=user.deleted&limit=1";
    JsonNode first = http.get(url, h.root).json();
    assertEquals(0, first.get("data").size(), "1,000 newer deliveries read, none of the type");
    assertEquals(false, first.get("done").asBoolean());
    JsonNode second = http.get(url + "&cursor=" + first.get("next_cursor").asText(), h.root).json();
    assertEquals(1, second.get("data").size(), "found past where the first request stopped");
    assertEquals("user.deleted", second.get("data").get(0).get("event_type").asText(), "its type");
    assertEquals(1, pageThrough(deliveries(w.id()) + "?type=user.deleted", h.root, 50).size());
  }

  @Test
  void theLogFiltersByStateTypeEventAndTime() {
    Webhook w = h.receiving("filters", "filters");
    Instant start = h.clock.instant();
    h.deliver("filters", 2, 200);
    h.clock.advance(Duration.ofMinutes(1));
    Instant middle = h.clock.instant();
    h.deliver("filters", 3, 500);
    h.dispatcher.publish(h.event(UserEvents.DELETED, "filters"));
    String base = deliveries(w.id());
    assertEquals(3, pageThrough(base + "?state=FAILED", h.root, 50).size());
    assertEquals(2, pageThrough(base + "?state=succeeded", h.root, 50).size());
    assertEquals(4, pageThrough(base + "?state=FAILED,PENDING", h.root, 50).size());
    assertEquals(1, pageThrough(base + "?type=user.deleted", h.root, 50).size());
    assertEquals(1, pageThrough(base + "?type=User%20deleted", h.root, 50).size());
    assertEquals(5, pageThrough(base + "?type=user.created", h.root, 1).size());
    assertEquals(2, pageThrough(base + "?until=" + middle, h.root, 50).size());
    assertEquals(4, pageThrough(base + "?since=" + middle, h.root, 50).size());
    assertEquals(6, pageThrough(base + "?since=" + start, h.root, 50).size());
    String eventId =
        h.store
            .findDeliveries(dev.hookline.DeliveryQuery.builder().webhook(w.id()).build())
            .get(0)
            .event()
            .id();
    assertEquals(1, pageThrough(base + "?event_id=" + eventId, h.root, 50).size());
    assertEquals(400, http.get(base + "?state=LOST", h.root).status());
    assertEquals(400, http.get(base + "?since=yesterday", h.root).status());
  }

  @Test
  void oneDeliveryShowsItsAttemptTimeline() {
    Webhook w = h.receiving("timeline", "timeline");
    h.deliver("timeline", 1, 500);
    String id = pageThrough(deliveries(w.id()), h.root, 50).get(0);
    Http.Exchange e = http.get(deliveries(w.id()) + "/" + id, h.root);
    assertEquals(200, e.status());
    JsonNode d = e.json();
    assertEquals("FAILED", d.get("state").asText());
    assertEquals(500, d.get("last_status").asInt());
    JsonNode attempt = d.get("attempts").get(0);
    assertEquals(1, attempt.get("number").asInt());
    assertEquals(500, attempt.get("status").asInt());
    assertTrue(attempt.get("response_excerpt").asText().contains("endpoint said 500"));
    assertTrue(attempt.has("duration_ms"));
    assertEquals(404, http.get(deliveries(w.id()) + "/dl_missing", h.root).status());
    Webhook other = h.receiving("timeline", "other");
    assertEquals(
        404,
        http.get(deliveries(other.id()) + "/" + id, h.root).status(),
        "a delivery is found only under its own webhook");
  }

  @Test
  void redeliverRequeuesAFailedDeliveryThatThenSucceeds() {
    Webhook w = h.receiving("redeliver", "redeliver");
    h.deliver("redeliver", 1, 500);
    String id = pageThrough(deliveries(w.id()), h.root, 50).get(0);
    Http.Exchange e = http.post(deliveries(w.id()) + "/" + id + "/redeliver", h.root, null);
    assertEquals(202, e.status(), e::toString);
    assertEquals(id, e.json().get("delivery_id").asText());
    h.endpointStatus.set(200);
    h.dispatcher.runDueNow();
    assertEquals(DeliveryState.SUCCEEDED, h.store.findDelivery(id).orElseThrow().state());
  }

  @Test
  void redeliveringAQueuedDeliveryIs409() {
    Webhook w = h.receiving("queued", "queued");
    h.dispatcher.publish(h.event(UserEvents.CREATED, "queued"));
    String id = pageThrough(deliveries(w.id()), h.root, 50).get(0);
    Http.Exchange e = http.post(deliveries(w.id()) + "/" + id + "/redeliver", h.root, null);
    assertEquals(409, e.status());
  }

  @Test
  void redeliveryIsRateLimitedPerWebhookWithRetryAfter() {
    Webhook w = h.receiving("limited", "limited");
    Webhook other = h.receiving("limited", "other");
    h.deliver("limited", 5, 500);
    List<String> ids = pageThrough(deliveries(w.id()), h.root, 50);
    for (int i = 0; i < 3; i++) {
      assertEquals(
          202,
          http.post(deliveries(w.id()) + "/" + ids.get(i) + "/redeliver", h.root, null).status());
    }
    Http.Exchange limited =
        http.post(deliveries(w.id()) + "/" + ids.get(3) + "/redeliver", h.root, null);
    assertEquals(429, limited.status());
    long retryAfter = Long.parseLong(limited.header("Retry-After"));
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    List<String> otherIds = pageThrough(deliveries(other.id()), h.root, 50);
    assertEquals(
        202,
        http.post(deliveries(other.id()) + "/" + otherIds.get(0) + "/redeliver", h.root, null)
            .status(),
        "another webhook has its own limit");
    h.clock.advance(Duration.ofSeconds(retryAfter));
    assertEquals(
        202,
        http.post(deliveries(w.id()) + "/" + ids.get(3) + "/redeliver", h.root, null).status());
  }

  @Test
  void testEventsAreRateLimitedWithTheWebhooksRedeliveries() {
    Webhook w = h.receiving("tested", "tested");
    String test = h.webhooks() + "/" + w.id() + "/test";
    for (int i = 0; i < 3; i++) {
      assertEquals(202, http.post(test, h.root, null).status(), "test event " + i);
    }
    Http.Exchange limited = http.post(test, h.root, null);
    assertEquals(429, limited.status(), limited::toString);
    long retryAfter = Long.parseLong(limited.header("Retry-After"));
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    h.clock.advance(Duration.ofSeconds(retryAfter));
    assertEquals(202, http.post(test, h.root, null).status(), "a new window");
  }

  @Test
  void recoverRequeuesEveryFailedDeliveryInTheWindowPaced() {
    Webhook w = h.receiving("recover", "recover");
    Instant start = h.clock.instant();
    h.deliver("recover", 2, 500);
    h.clock.advance(Duration.ofMinutes(5));
    Instant later = h.clock.instant();
    h.deliver("recover", 3, 500);
    h.deliver("recover", 1, 200);
    String recover = h.webhooks() + "/" + w.id() + "/recover";
    Http.Exchange windowed =
        http.post(recover, h.root, "{\"since\":\"" + start + "\",\"until\":\"" + later + "\"}");
    assertEquals(202, windowed.status(), windowed::toString);
    assertEquals(2, windowed.json().get("redelivered").asInt());
    Set<Instant> due = new HashSet<>();
    h.store
        .findDeliveries(
            dev.hookline.DeliveryQuery.builder()
                .webhook(w.id())
                .states(DeliveryState.PENDING, DeliveryState.RETRYING)
                .build())
        .forEach(d -> due.add(d.nextAttemptAt().orElseThrow()));
    assertEquals(
        Set.of(h.clock.instant(), h.clock.instant().plusSeconds(1)), due, "one second apart");
    Http.Exchange rest = http.post(recover, h.root, "{\"since\":\"" + later + "\"}");
    assertEquals(202, rest.status());
    assertEquals(3, rest.json().get("redelivered").asInt());
  }

  @Test
  void recoverOfAWindowLongerThanAPageGoesOldestFirstAcrossPages() {
    Webhook w = h.receiving("recover-many", "recover-many");
    Instant start = h.clock.instant();
    int n = 2_300; // more than two of the windowed recover's pages of 1,000
    List<dev.hookline.Delivery> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i % 3 == 0) {
        h.clock.advance(Duration.ofMillis(1)); // threes share an instant, across page boundaries
      }
      pending.add(
          dev.hookline.Delivery.pending(
              "dlv_many_" + i,
              w.id(),
              h.event(dev.hookline.UserEvents.CREATED, "recover-many"),
              h.clock.instant()));
    }
    h.store.enqueue(pending);
    Instant now = h.clock.instant();
    while (true) {
      List<dev.hookline.spi.ClaimedDelivery> claimed =
          h.store.claim(dev.hookline.spi.ClaimRequest.of("test", now, Duration.ofMinutes(5), 500));
      if (claimed.isEmpty()) {
        break;
      }
      for (dev.hookline.spi.ClaimedDelivery cd : claimed) {
        assertTrue(
            h.store.fail(
                cd.lease(), dev.hookline.Attempt.response(1, now, Duration.ZERO, 500, ""), now));
      }
    }
    h.clock.advance(Duration.ofSeconds(1));
    Instant until = h.clock.instant();
    String recover = h.webhooks() + "/" + w.id() + "/recover";
    Http.Exchange e =
        http.post(recover, h.root, "{\"since\":\"" + start + "\",\"until\":\"" + until + "\"}");
    assertEquals(202, e.status(), e::toString);
    assertEquals(n, e.json().get("redelivered").asInt());
    Instant requeuedAt = h.clock.instant();
    for (int i = 0; i < n; i++) {
      dev.hookline.Delivery d = h.store.findDelivery("dlv_many_" + i).orElseThrow();
      assertEquals(DeliveryState.RETRYING, d.state(), d.id());
    }
    List<dev.hookline.Delivery> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(h.store.findDelivery("dlv_many_" + i).orElseThrow());
    }
    all.sort(
        java.util.Comparator.comparing(dev.hookline.Delivery::createdAt)
            .thenComparing(d -> d.nextAttemptAt().orElseThrow()));
    for (int i = 0; i < n; i++) {
      assertEquals(
          requeuedAt.plusSeconds(i),
          all.get(i).nextAttemptAt().orElseThrow(),
          "oldest first, one second apart, at " + i);
    }
  }

  @Test
  void recoverValidatesItsWindow() {
    Webhook w = h.receiving("recover-bad", "recover-bad");
    String recover = h.webhooks() + "/" + w.id() + "/recover";
    assertEquals(400, http.post(recover, h.root, "{}").status());
    assertEquals(400, http.post(recover, h.root, "{\"since\":\"soon\"}").status());
    Http.Exchange backwards =
        http.post(
            recover,
            h.root,
            "{\"since\":\"2026-11-30T10:00:00Z\",\"until\":\"2026-11-30T09:00:00Z\"}");
    assertEquals(400, backwards.status());
    assertEquals("until", backwards.json().get("errors").get(0).get("field").asText());
    assertEquals(415, http.post(recover, h.root, "{}", "Content-Type", "text/plain").status());
    assertFalse(http.post(recover, h.root, "{\"since\":1}").json().get("errors").isEmpty());
  }
}
