package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Review r146, decided in session 33: with {@code tenantTag(true)}, deleting a tenant's last
 * webhook asks the Store whether the tenant has others. When that read failed (the database down)
 * the tenant was forgotten: its meters stayed for good, as no later deletion looked at it again.
 * Now it is looked at again on the next deletion.
 */
class TenantMetersStoreFailureReviewTest {
  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-03T18:00:00Z"));
  private final AtomicBoolean tenantListsFail = new AtomicBoolean();
  private final WebhookRegistry registry =
      WebhookRegistry.builder()
          .store(failingTenantLists(new InMemoryStore(), tenantListsFail))
          .clock(clock)
          .filterCompiler(Filters.compiler())
          .allowInsecureLoopbackForDevelopment(true)
          .build();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @Test
  void aTenantWhoseLastWebhookWasDeletedWhileTheStoreFailedLosesItsMetersOnTheNextDeletion() {
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    // Port 9 on loopback refuses at once: each attempt is a timed retry_scheduled, no server.
    Webhook acme = hook("acme");
    Webhook host = hook(null);
    try (Dispatcher d =
        Dispatcher.builder()
            .registry(registry)
            .clock(clock)
            .attemptObserver(
                HooklineObservations.builder(observations, meters)
                    .registry(registry)
                    .tenantTag(true)
                    .build())
            .build()) {
      d.publish(event("acme"));
      d.runDueNow();
      assertTrue(hasTenant("acme"), "acme's attempt is timed under its tenant");

      tenantListsFail.set(true);
      registry.delete(acme.id()); // its listener's failure is logged by the registry
      tenantListsFail.set(false);
      assertTrue(hasTenant("acme"), "whether acme has other webhooks could not be read");

      registry.delete(host.id());
      assertFalse(hasTenant("acme"), "acme's meters outlived its last webhook");
      assertEquals(0, registry.list().size(), "both webhooks are gone");
    }
  }

  private boolean hasTenant(String tenant) {
    for (Meter m : meters.getMeters()) {
      if (tenant.equals(m.getId().getTag("tenant"))) {
        return true;
      }
    }
    return false;
  }

  private Webhook hook(@Nullable String tenant) {
    WebhookDefinition.Builder def =
        WebhookDefinition.builder()
            .name("refusing " + tenant)
            .uri("http://127.0.0.1:9/hook")
            .apiKey("test-api-key-0123456789")
            .events(UserEvents.CREATED);
    if (tenant != null) {
      def.tenant(tenant);
    }
    Webhook w = registry.create(def.build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  private Event event(String tenant) {
    return Event.builder(UserEvents.CREATED)
        .id("evt_tenant_meters_1")
        .occurredAt(clock.instant())
        .subject(Subject.user("u1").withTenant(tenant))
        .data(JsonNodeFactory.instance.objectNode().put("user_id", "u1"))
        .build();
  }

  /** {@code real}, whose per-tenant webhook listing fails while {@code fail} is set. */
  private static Store failingTenantLists(Store real, AtomicBoolean fail) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              if (fail.get()
                  && method.getName().equals("listWebhooks")
                  && args != null
                  && args.length == 1) {
                throw new IllegalStateException("connection is not available, timed out");
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
