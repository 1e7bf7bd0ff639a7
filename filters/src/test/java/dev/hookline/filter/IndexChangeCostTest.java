package dev.hookline.filter;

import static dev.hookline.filter.Fixtures.CREATED;
import static dev.hookline.filter.Fixtures.tenantEvent;
import static dev.hookline.filter.Fixtures.tenantWebhook;
import static dev.hookline.filter.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hookline.EventCatalogue;
import dev.hookline.EventType;
import dev.hookline.Webhook;
import dev.hookline.spi.FilterCompiler;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What one webhook's change costs the index at an identity platform's numbers: thousands of host
 * webhooks subscribed to every event type, thousands of tenants. A change rebuilt every bucket it
 * touched from its members (a host webhook subscribed to all twelve types: all twelve buckets, each
 * with every other host webhook, hashed again into new maps) and copied the whole map of tenants,
 * so creating the webhooks one by one grew with their square: 10,000 host webhooks took 64 s and 37
 * GB of garbage, one change among them 7.9 MB. Now a change copies the arrays it is filed in (4 to
 * 8 bytes per webhook in them) and one of 64 shards of the tenants. A reload compiled every
 * webhook's filter again, changed or not.
 *
 * <p>Counted in bytes allocated by the changing thread (HotSpot's per-thread counter), and in
 * filter compilations: not timed.
 */
class IndexChangeCostTest {
  private static final int MANY = 2_000;
  private static final int CHANGES = 20;

  private static final EventType[] EVERY_TYPE =
      EventCatalogue.standard().subscribable().toArray(new EventType[0]);

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  private static void assumeAllocationCounted() {
    assumeTrue(
        ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
            && t.isThreadAllocatedMemorySupported()
            && t.isThreadAllocatedMemoryEnabled(),
        "this JVM does not count the bytes a thread allocates");
  }

  /** Bytes allocated per change, averaged over {@link #CHANGES} changes of {@code webhook}. */
  private static long bytesPerChange(SubscriptionIndex index, Webhook webhook) {
    long before = allocatedBytes();
    for (int i = 0; i < CHANGES; i++) {
      Webhook changed =
          tenantWebhook(
              webhook.tenant().orElse(null),
              webhook.id(),
              null,
              webhook.version() + 1 + i,
              webhook.events().toArray(new EventType[0]));
      index.onChange(changed.id(), Optional.of(changed));
    }
    return (allocatedBytes() - before) / CHANGES;
  }

  @Test
  void aHostWebhookChangeAmongThousandsSubscribedToEveryTypeCopiesFewOfThem() {
    assumeAllocationCounted();
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    List<Webhook> host = new ArrayList<>();
    for (int i = 0; i < MANY; i++) {
      host.add(webhook("wh_host_" + i, null, EVERY_TYPE));
    }
    index.replaceAll(host);

    long perChange = bytesPerChange(index, host.get(MANY / 2));

    // Before: every member of the twelve buckets rebuilt, about 1.6 MB per change here. Now the
    // twelve arrays copied, about 100 KB (2,000 references each).
    assertTrue(perChange < 250_000, "bytes allocated by one change: " + perChange);
    assertEquals(MANY, index.match(Fixtures.event(CREATED)).size());
  }

  @Test
  void aTenantWebhookChangeAmongThousandsOfTenantsCopiesFewOfThem() {
    assumeAllocationCounted();
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    List<Webhook> hooks = new ArrayList<>();
    for (int t = 0; t < MANY; t++) {
      hooks.add(tenantWebhook("tenant-" + t, "wh_t" + t, null, 1, CREATED));
    }
    index.replaceAll(hooks);

    long perChange = bytesPerChange(index, hooks.get(MANY / 2));

    // Before: the map of every tenant's partition, about 190 KB per change here; now one shard.
    assertTrue(perChange < 20_000, "bytes allocated by one change: " + perChange);
    assertEquals(
        List.of("wh_t7"),
        index.match(tenantEvent(CREATED, "tenant-7")).stream().map(Webhook::id).toList());
  }

  @Test
  void aReloadThatFindsNothingChangedCompilesNoFilter() {
    AtomicInteger compiled = new AtomicInteger();
    FilterCompiler real = Filters.compiler();
    FilterCompiler counting =
        (text, types) -> {
          compiled.incrementAndGet();
          return real.compile(text, types);
        };
    SubscriptionIndex index = SubscriptionIndex.create(counting);
    List<Webhook> hooks = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      hooks.add(webhook("wh_" + i, "subject.app_id == \"app" + i + "\"", CREATED));
    }
    index.replaceAll(hooks);
    assertEquals(100, compiled.get());

    index.replaceAll(List.copyOf(hooks));
    // A webhook enabled or renamed keeps its filter: its compiled filter is kept too.
    Webhook renamed = tenantWebhook(null, "wh_7", "subject.app_id == \"app7\"", 2, CREATED);
    index.onChange(renamed.id(), Optional.of(renamed));

    assertEquals(100, compiled.get(), "compilations after the first load");
    assertEquals(
        List.of("wh_7"),
        index.match(Fixtures.appEvent(CREATED, "app7")).stream().map(Webhook::id).toList());
    // A changed filter is compiled.
    Webhook refiltered = tenantWebhook(null, "wh_7", "subject.app_id == \"other\"", 3, CREATED);
    index.onChange(refiltered.id(), Optional.of(refiltered));
    assertEquals(101, compiled.get());
    assertEquals(List.of(), index.match(Fixtures.appEvent(CREATED, "app7")));
  }
}
