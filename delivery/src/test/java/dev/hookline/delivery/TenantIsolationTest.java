package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.testing.TestWebhooks;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One tenant whose many webhooks point at an endpoint that never answers cannot take every worker
 * from another tenant: the webhooks of a tenant hold at most {@link
 * Dispatcher.Builder#perTenantConcurrency} deliveries together.
 */
class TenantIsolationTest {
  private static final int WORKERS = 16;
  private static final int TENANT_LIMIT = WORKERS / 4; // the default: a quarter of the workers
  private static final int SLOW_WEBHOOKS = 4; // 4 x (1 slot + 8 queued) = 36, more than 16 workers

  @Test
  void aTenantsDeadEndpointsHoldOnlyTheTenantsShare() throws Exception {
    WireMockServer server = Harness.wireMock();
    CountingHttpClient client =
        new CountingHttpClient(
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build());
    Harness h = new Harness();
    try (Blackhole dead = new Blackhole()) {
      server.stubFor(post(urlEqualTo("/good")).willReturn(aResponse().withStatus(200)));
      List<Webhook> slow = new ArrayList<>();
      for (int i = 0; i < SLOW_WEBHOOKS; i++) {
        slow.add(receiving(h, "mallory", dead.url("/dead/" + i)));
      }
      Webhook good = receiving(h, "acme", server.baseUrl() + "/good");
      RetrySchedule patient =
          RetrySchedule.builder()
              .attemptTimeout(Duration.ofSeconds(60)) // the dead endpoint holds its attempts
              .build();
      try (Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(60))
              .clock(Clock.systemUTC())
              .retrySchedule(patient)
              .httpClient(client)
              .workers(WORKERS)
              .perEndpointConcurrency(1)
              .pollInterval(Duration.ofMillis(20))
              .build()
              .start()) {
        List<Event> mallorys = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          mallorys.add(event(h, "mallory"));
        }
        assertEquals(30 * SLOW_WEBHOOKS, dispatcher.publish(mallorys).count());
        // Mallory's deliveries are out (which of its webhooks hold its share, running or queued
        // behind a slot, depends on the claim order): without the tenant limit they would hold
        // every worker, as each webhook takes 1 running and 8 queued.
        Harness.await(Duration.ofSeconds(30), () -> totalDead(client) >= 1);

        List<Event> acmes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          acmes.add(event(h, "acme"));
        }
        assertEquals(5, dispatcher.publish(acmes).count());
        Harness.await(Duration.ofSeconds(30), () -> dispatcher.summary(good.id()).succeeded() == 5);
        server.verify(5, postRequestedFor(urlEqualTo("/good")));
        for (int i = 0; i < SLOW_WEBHOOKS; i++) {
          assertTrue(client.maxInFlight("/dead/" + i) <= 1, "one slot per endpoint");
          assertEquals(0, dispatcher.summary(slow.get(i).id()).succeeded());
        }
        assertTrue(totalDead(client) <= TENANT_LIMIT, "mallory sent " + totalDead(client));
      }
    } finally {
      server.stop();
    }
  }

  @Test
  void theTenantLimitIsCheckedAtBuild() {
    Harness h = new Harness();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> h.dispatcher(Duration.ofSeconds(1)).perTenantConcurrency(0).build());
    assertTrue(e.getMessage().contains("perTenantConcurrency"), e.getMessage());
  }

  private static int totalDead(CountingHttpClient client) {
    int n = 0;
    for (int i = 0; i < SLOW_WEBHOOKS; i++) {
      n += client.total("/dead/" + i);
    }
    return n;
  }

  private static Webhook receiving(Harness h, String tenant, String uri) {
    Webhook w =
        h.registry.create(
            WebhookDefinition.builder()
                .tenant(tenant)
                .name(tenant + " " + uri)
                .uri(uri)
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(h.registry, w.id());
    return h.registry.enable(w.id());
  }

  private static Event event(Harness h, String tenant) {
    Event e = h.event(UserEvents.CREATED);
    return Event.builder(UserEvents.CREATED)
        .id(e.id())
        .occurredAt(e.occurredAt())
        .subject(Subject.user(e.subject().userId()).withTenant(tenant))
        .data(e.data())
        .build();
  }
}
