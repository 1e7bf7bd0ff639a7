package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.testing.TestWebhooks;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Webhooks, events and waits shared by the load harness's phases. */
final class Setups {
  private Setups() {}

  static WebhookRegistry registry(Store store) {
    return WebhookRegistry.builder()
        .store(store)
        .clock(Clock.systemUTC())
        .filterCompiler(Filters.compiler())
        .allowInsecureLoopbackForDevelopment(true)
        .build();
  }

  /**
   * Creates {@code count} receiving webhooks (verified, enabled) for {@code type}, each at its own
   * path under {@code baseUrl}: {@code /e0}, {@code /e1}, ...
   */
  static void receiving(WebhookRegistry registry, String baseUrl, int count, EventType type) {
    for (int i = 0; i < count; i++) {
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("endpoint " + i)
                  .uri(loopback(baseUrl + "/e" + i))
                  .apiKey("load-harness-api-key-0123456789")
                  .events(type)
                  .build());
      TestWebhooks.markVerified(registry, w.id());
      registry.enable(w.id());
    }
  }

  /**
   * Creates {@code count} webhooks for {@code type} that do not receive: half pending verification
   * (never verified), half verified and then disabled.
   */
  static void notReceiving(WebhookRegistry registry, String baseUrl, int count, EventType type) {
    if (count == 0) {
      return;
    }
    // eight threads: on PostgreSQL each create is a few round trips, and the setup is not measured
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (int n = 0; n < count; n++) {
        int i = n;
        created.add(
            pool.submit(
                () -> {
                  Webhook w =
                      registry.create(
                          WebhookDefinition.builder()
                              .name("idle " + i)
                              .uri(loopback(baseUrl + "/idle" + i))
                              .apiKey("load-harness-api-key-0123456789")
                              .events(type)
                              .build());
                  if (i % 2 == 1) {
                    TestWebhooks.markVerified(registry, w.id());
                    registry.disable(w.id());
                  }
                  return null;
                }));
      }
      for (Future<?> f : created) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not create the idle webhooks", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  static ObjectNode data(int bodyBytes) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("email", "user@example.com");
    data.put("pad", "x".repeat(Math.max(0, bodyBytes - 200)));
    return data;
  }

  static Event event(EventType type, String id, ObjectNode data) {
    return Event.builder(type).id(id).user("usr_load").occurredAt(Instant.now()).data(data).build();
  }

  /** Returns {@code url} if its host is a loopback address; the harness sends nowhere else. */
  static String loopback(String url) {
    String host = URI.create(url).getHost();
    try {
      if (host == null || !InetAddress.getByName(host).isLoopbackAddress()) {
        throw new IllegalArgumentException("the load harness only targets loopback: " + url);
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host in " + url, e);
    }
    return url;
  }

  /**
   * Waits (polling every 2 ms) until {@code done} holds or {@code timeoutNanos} pass.
   *
   * @return whether it holds
   */
  static boolean await(BooleanSupplier done, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
    return true;
  }
}
