package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.internal.WebhookVersions;
import dev.hookline.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A dispatcher's own reloads of the webhooks (periodic, before a publish when not started, after
 * the change feed reconnects) read every webhook in full from the Store: on PostgreSQL every row,
 * every secret decrypted, every 30 s on every instance (seconds of CPU at 20,000 webhooks). On a
 * Store that lists webhook versions ({@link WebhookVersions}), they now read in full only the
 * webhooks whose versions changed, and every tenth reads them all. Another instance's changes are
 * made here through a second registry on the same Store, which this dispatcher's registry does not
 * hear of.
 */
class ChangedWebhooksReloadTest {
  private static final Duration RELOAD = Duration.ofSeconds(30);
  private static final int WEBHOOKS = 50;

  /** The proxy class of this marker and Store only: no other test's Store gets the reads. */
  private interface Versioned {}

  private static final AtomicInteger VERSION_LISTS = new AtomicInteger();
  private static final AtomicInteger READ_IN_FULL = new AtomicInteger();

  private final Harness h = new Harness();
  private final AtomicInteger fullLists = new AtomicInteger();
  private final AtomicLong nanos = new AtomicLong();
  private final Store store = versioned(h.store, fullLists);

  static {
    // Reads as a Store with versions makes them: the id and version of each webhook, then the
    // chosen ones in full.
    Store sample = versioned(new dev.hookline.store.InMemoryStore(), new AtomicInteger());
    WebhookVersions.install(
        sample.getClass(),
        new WebhookVersions.Reader() {
          @Override
          public Map<String, Long> versions(Store s) {
            VERSION_LISTS.incrementAndGet();
            return ((Delegate) Proxy.getInvocationHandler(s))
                .real.listWebhooks().stream()
                    .collect(Collectors.toMap(Webhook::id, Webhook::version));
          }

          @Override
          public List<Webhook> read(Store s, Collection<String> ids) {
            Set<String> wanted = new HashSet<>(ids);
            List<Webhook> out = new ArrayList<>();
            for (Webhook w : ((Delegate) Proxy.getInvocationHandler(s)).real.listWebhooks()) {
              if (wanted.contains(w.id())) {
                out.add(w);
              }
            }
            READ_IN_FULL.addAndGet(out.size());
            return out;
          }
        });
  }

  private record Delegate(Store real, AtomicInteger fullLists)
      implements java.lang.reflect.InvocationHandler {
    @Override
    public Object invoke(Object proxy, java.lang.reflect.Method method, Object[] args)
        throws Throwable {
      if (method.getName().equals("listWebhooks") && (args == null || args.length == 0)) {
        fullLists.incrementAndGet();
      }
      try {
        return method.invoke(real, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  private static Store versioned(Store real, AtomicInteger fullLists) {
    return (Store)
        Proxy.newProxyInstance(
            ChangedWebhooksReloadTest.class.getClassLoader(),
            new Class<?>[] {Store.class, Versioned.class},
            new Delegate(real, fullLists));
  }

  private Dispatcher dispatcher() {
    WebhookRegistry here =
        WebhookRegistry.builder()
            .store(store)
            .clock(h.clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    return Dispatcher.builder()
        .registry(here)
        .clock(h.clock)
        .ticker(nanos::get)
        .webhookReloadInterval(RELOAD)
        .shutdownTimeout(Duration.ofSeconds(1))
        .build();
  }

  /** Makes the view stale, so the next publish of a dispatcher that is not started reloads it. */
  private Set<String> publishAfterInterval(Dispatcher d) {
    nanos.addAndGet(RELOAD.toNanos() + 1);
    return Set.copyOf(d.publish(h.event(UserEvents.CREATED)).webhookIds());
  }

  @Test
  void aReloadReadsOnlyTheWebhooksThatChangedAndSeesEveryChange() {
    List<Webhook> made = new ArrayList<>();
    for (int i = 0; i < WEBHOOKS; i++) {
      made.add(h.receiving("http://127.0.0.1:9/" + i, null, UserEvents.CREATED));
    }
    try (Dispatcher d = dispatcher()) {
      assertEquals(1, fullLists.get(), "built: one full load");
      int readBefore = READ_IN_FULL.get();

      Set<String> routed = publishAfterInterval(d);
      assertEquals(WEBHOOKS, routed.size());
      assertEquals(1, fullLists.get(), "an unchanged Store was read in full again");
      assertEquals(readBefore, READ_IN_FULL.get(), "unchanged webhooks were read in full");

      // Another instance disables one, filters one's events out, deletes one and creates one.
      Webhook disabled = made.get(0);
      Webhook refiltered = made.get(1);
      Webhook deleted = made.get(2);
      h.registry.disable(disabled.id());
      h.registry.update(
          refiltered.id(),
          refiltered.version(),
          WebhookDefinition.builder()
              .name(refiltered.name())
              .uri(refiltered.uri().toString())
              .apiKey(Harness.API_KEY)
              .events(UserEvents.CREATED)
              .filter("data.email == \"nobody\"")
              .build());
      h.registry.delete(deleted.id());
      Webhook created = h.receiving("http://127.0.0.1:9/new", null, UserEvents.CREATED);

      routed = publishAfterInterval(d);
      assertFalse(routed.contains(disabled.id()), "disabled on another instance, still routed");
      assertFalse(routed.contains(deleted.id()), "deleted on another instance, still routed");
      assertFalse(
          routed.contains(refiltered.id()), "filtered out on another instance, still routed");
      assertTrue(routed.contains(created.id()), "created on another instance, not routed");
      assertEquals(WEBHOOKS - 2, routed.size());
      assertEquals(1, fullLists.get());
      // the disabled, the refiltered and the created one (the deleted one is no longer listed)
      assertEquals(readBefore + 3, READ_IN_FULL.get(), "webhooks read in full");
    }
  }

  @Test
  void everyTenthReloadReadsEveryWebhook() {
    for (int i = 0; i < WEBHOOKS; i++) {
      h.receiving("http://127.0.0.1:9/" + i, null, UserEvents.CREATED);
    }
    try (Dispatcher d = dispatcher()) {
      int listsBefore = VERSION_LISTS.get();
      for (int i = 0; i < 10; i++) {
        publishAfterInterval(d);
      }
      // the safety net for a row changed by hand in the database without a new version
      assertEquals(2, fullLists.get(), "the build's full load and one in ten reloads");
      assertEquals(listsBefore + 9, VERSION_LISTS.get(), "reloads of the changes only");
    }
  }
}
