package dev.hookline.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.hookline.Delivery;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.filter.Filters;
import dev.hookline.otel.internal.Endpoints;
import dev.hookline.store.InMemoryStore;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The span's endpoint attributes are made once per webhook and version, kept for a bounded number
 * of webhooks, and dropped when the webhook is deleted.
 */
class EndpointCacheTest {
  private static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");
  private static final AttemptResult OK =
      new AttemptResult(
          AttemptResult.Outcome.SUCCEEDED,
          OptionalInt.of(200),
          Optional.empty(),
          Duration.ofMillis(3),
          Optional.empty(),
          false);

  private final Fixture f = new Fixture();
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(new InMemoryStore())
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();

  @AfterEach
  void tearDown() {
    f.otel.close();
  }

  private static WebhookDefinition definition(String uri) {
    return WebhookDefinition.builder()
        .name("cache")
        .uri(uri)
        .apiKey(Fixture.API_KEY)
        .events(UserEvents.CREATED)
        .build();
  }

  private Webhook webhook(String uri) {
    return registry.create(definition(uri));
  }

  private static AttemptRequest attempt(Webhook w) {
    return new Request(Delivery.pending("dlv_cache", w.id(), Fixture.event(NOW), NOW), w);
  }

  @Test
  void anEndpointIsMadeOncePerWebhookVersion() {
    Endpoints endpoints = new Endpoints(10);
    Webhook w = webhook("http://127.0.0.1:8080/hook/capability-secret");
    Endpoints.Endpoint first = endpoints.of(attempt(w));
    assertEquals("http://127.0.0.1:8080/…", first.urlFull());
    assertEquals("127.0.0.1", first.host());
    assertEquals(8080, first.port());
    assertSame(first, endpoints.of(attempt(w)));
    assertSame(first, endpoints.of(attempt(registry.require(w.id()))));
    // the entry holds no secret: only the redacted form and a hash of the URI
    assertFalse(first.toString().contains("capability-secret"), first.toString());

    Webhook moved = registry.update(w.id(), w.version(), definition("http://localhost/other"));
    Endpoints.Endpoint second = endpoints.of(attempt(moved));
    assertNotSame(first, second);
    assertEquals("http://localhost/…", second.urlFull());
    assertEquals("localhost", second.host());
    assertEquals(80, second.port()); // the scheme's default
    assertSame(second, endpoints.of(attempt(moved)));
    assertEquals(1, endpoints.size());

    endpoints.remove(w.id());
    assertEquals(0, endpoints.size());
  }

  @Test
  void anIpv6LiteralIsTheServerAddressWithoutItsBrackets() {
    // server.address is the IP address; the brackets are the URI's syntax, kept in url.full
    Endpoints endpoints = new Endpoints(10);
    Endpoints.Endpoint withPort = endpoints.of(attempt(webhook("http://[::1]:8080/hook")));
    assertEquals("::1", withPort.host());
    assertEquals(8080, withPort.port());
    assertEquals("http://[::1]:8080/…", withPort.urlFull());
    Endpoints.Endpoint defaultPort = endpoints.of(attempt(webhook("http://[0:0:0:0:0:0:0:1]/h")));
    assertEquals("0:0:0:0:0:0:0:1", defaultPort.host(), "as written, not rewritten");
    assertEquals(80, defaultPort.port());
  }

  @Test
  void aChangedUriWithTheSameVersionIsNotServedFromTheCache() {
    Endpoints endpoints = new Endpoints(10);
    Webhook w = webhook("http://127.0.0.1:8080/hook");
    endpoints.of(attempt(w));
    // a webhook value with the same version but another URI (as no registry makes, but a caller
    // could): its own attributes, not the cached ones
    Webhook other =
        new Webhook(
            w.id(),
            w.tenant(),
            w.name(),
            w.description(),
            URI.create("http://127.0.0.2:9090/x"),
            w.apiKey(),
            w.events(),
            w.filter(),
            w.format(),
            w.audience(),
            w.status(),
            w.enabled(),
            w.statusReason(),
            w.signingSecrets(),
            w.createdAt(),
            w.updatedAt(),
            w.version());
    assertEquals("127.0.0.2", endpoints.of(attempt(other)).host());
    assertEquals(9090, endpoints.of(attempt(other)).port());
  }

  @Test
  void theCacheIsBounded() {
    Endpoints endpoints = new Endpoints(2);
    Webhook a = webhook("http://127.0.0.1:8001/a");
    Webhook b = webhook("http://127.0.0.1:8002/b");
    Webhook c = webhook("http://127.0.0.1:8003/c");
    endpoints.of(attempt(a));
    endpoints.of(attempt(b));
    Endpoints.Endpoint third = endpoints.of(attempt(c));
    assertEquals(2, endpoints.size());
    assertEquals(8003, third.port()); // made all the same, just not kept
    assertNotSame(third, endpoints.of(attempt(c)));
    // a kept webhook's new version still replaces its entry when full
    Webhook a2 = registry.update(a.id(), a.version(), definition("http://127.0.0.1:8004/a"));
    Endpoints.Endpoint moved = endpoints.of(attempt(a2));
    assertSame(moved, endpoints.of(attempt(a2)));
    assertEquals(2, endpoints.size());
  }

  @Test
  void theBoundHoldsWhenManyWebhooksMissAtOnce() throws Exception {
    int threads = 8;
    AttemptRequest[] attempts = new AttemptRequest[threads];
    for (int i = 0; i < threads; i++) {
      attempts[i] = attempt(webhook("http://127.0.0.1:" + (8100 + i) + "/hook"));
    }
    AtomicReference<Endpoints> current = new AtomicReference<>();
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    CyclicBarrier end = new CyclicBarrier(threads + 1);
    int rounds = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        AttemptRequest mine = attempts[i];
        workers.add(
            pool.submit(
                () -> {
                  for (int r = 0; r < rounds; r++) {
                    start.await(30, TimeUnit.SECONDS);
                    current.get().of(mine);
                    end.await(30, TimeUnit.SECONDS);
                  }
                  return null;
                }));
      }
      int largest = 0;
      for (int r = 0; r < rounds; r++) {
        // each round, every thread misses a cache with room for one webhook
        current.set(new Endpoints(1));
        start.await(30, TimeUnit.SECONDS);
        end.await(30, TimeUnit.SECONDS);
        largest = Math.max(largest, current.get().size());
      }
      for (Future<?> w : workers) {
        w.get(30, TimeUnit.SECONDS);
      }
      assertEquals(1, largest, "webhooks kept by a cache bounded to one");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aDeletedWebhooksEndpointIsDropped() {
    Webhook w = webhook("http://127.0.0.1:8080/hook");
    Webhook kept = webhook("http://127.0.0.1:8081/hook");
    HooklineTelemetry tracing = HooklineTelemetry.builder(f.otel).registry(registry).build();
    tracing.beforeAttempt(attempt(w)).afterAttempt(OK);
    tracing.beforeAttempt(attempt(kept)).afterAttempt(OK);
    assertEquals(2, tracing.endpointsKept());
    List<SpanData> spans = f.spans.getFinishedSpanItems();
    assertEquals(
        List.of("http://127.0.0.1:8080/…", "http://127.0.0.1:8081/…"),
        spans.stream()
            .map(s -> s.getAttributes().get(AttributeKey.stringKey("url.full")))
            .toList());

    registry.delete(w.id());
    assertEquals(1, tracing.endpointsKept());

    // closed, it no longer listens
    tracing.close();
    registry.delete(kept.id());
    assertEquals(1, tracing.endpointsKept());
    // a dispatcher tells it of deletions too, other instances' included
    tracing.webhookDeleted(kept.id());
    assertEquals(0, tracing.endpointsKept());
  }

  /** An attempt as the dispatcher passes it. */
  private record Request(Delivery delivery, Webhook webhook) implements AttemptRequest {
    @Override
    public String redactedUri() {
      URI uri = webhook.uri();
      return uri.getScheme()
          + "://"
          + uri.getHost()
          + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
          + "/…";
    }

    @Override
    public int attemptNumber() {
      return 1;
    }

    @Override
    public String method() {
      return "POST";
    }

    @Override
    public URI uri() {
      return webhook.uri();
    }

    @Override
    public AttemptRequest header(String name, String value) {
      return this;
    }
  }
}
