package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.HostResolver;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One tenant whose webhooks' host names never resolve must not hold back another tenant's
 * deliveries. The send-time SSRF guard resolves names on a pool of at most 64 lookup threads shared
 * by every tenant ("one tenant's DNS holds one lookup thread, not many" holds per host name only);
 * a lookup that hangs keeps its thread after the attempt gives up on it. A tenant with 64 webhooks
 * (under the default limit of 100 per tenant) on distinct names served by a DNS server of its own
 * that does not answer holds every thread. Every other tenant's attempt to a host name is then
 * released unsent ("not sent: 64 DNS lookups of other hosts are still waiting") and tried again 5 s
 * later, again and again, for as long as those lookups hang: here an endpoint that answers at once
 * gets nothing for 20 s.
 */
class TenantDnsIsolationTest {
  private static final String API_KEY = "test-api-key-0123456789";
  private static final int MALLORY_WEBHOOKS = 64;

  @Test
  void aTenantsHangingDnsDoesNotHoldBackAnotherTenantsDelivery() throws Exception {
    AtomicBoolean hang = new AtomicBoolean(false);
    AtomicInteger hanging = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    HostResolver resolver =
        host -> {
          if (host.endsWith(".hang.test") && hang.get()) {
            hanging.incrementAndGet(); // mallory's DNS server: never answers
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new UnknownHostException(host);
          }
          return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
        };
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .filterCompiler(Filters.compiler())
            .hostResolver(resolver)
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (LoopbackSink sink = LoopbackSink.recording()) {
      int port = URI.create(sink.uri("/")).getPort();
      for (int i = 0; i < MALLORY_WEBHOOKS; i++) {
        receiving(registry, "mallory", "https://m" + i + ".hang.test/mallory");
      }
      Webhook acme = receiving(registry, "acme", "http://localhost:" + port + "/acme");
      hang.set(true);
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(registry)
              .retrySchedule(
                  RetrySchedule.builder()
                      .delays(List.of()) // one attempt, to show the outcome at once
                      .attemptTimeout(Duration.ofSeconds(2))
                      .build())
              .workers(200)
              .perTenantConcurrency(100)
              .pollInterval(Duration.ofMillis(20))
              .build()
              .start()) {
        assertEquals(MALLORY_WEBHOOKS, d.publish(event("evt_mallory_1", "mallory")).count());
        // Every one of mallory's deliveries has started its lookup (which hangs) or been handed
        // back unsent: no lookup thread is left that mallory could still take.
        Poll.until(
            Duration.ofSeconds(30),
            () -> hanging.get() + handedBack(d.forTenant("mallory")) >= MALLORY_WEBHOOKS,
            () -> "mallory's lookups hanging: " + hanging.get());

        assertEquals(1, d.publish(event("evt_acme_1", "acme")).count());
        Poll.until(
            Duration.ofSeconds(20),
            () -> d.summary(acme.id()).succeeded() == 1,
            () ->
                "acme's delivery sent within 20 s to its endpoint, which answers at once; it is "
                    + d.deliveries(DeliveryQuery.builder().webhook(acme.id()).build()));
      } finally {
        release.countDown();
      }
    }
  }

  private static int handedBack(TenantDeliveries deliveries) {
    int n = 0;
    for (Delivery x : deliveries.deliveries(DeliveryQuery.builder().limit(200).build())) {
      if (x.state() == DeliveryState.PENDING && x.updatedAt().isAfter(x.createdAt())) {
        n++;
      }
    }
    return n;
  }

  private static Webhook receiving(WebhookRegistry registry, String tenant, String uri) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .tenant(tenant)
                .name(tenant + " " + uri)
                .uri(uri)
                .apiKey(API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  private static Event event(String id, String tenant) {
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(Instant.now())
        .subject(Subject.user("usr_" + id).withTenant(tenant))
        .data(JsonNodeFactory.instance.objectNode().put("user_id", "usr_" + id))
        .build();
  }
}
