package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Secret;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.filter.Filters;
import dev.hookline.filter.SubscriptionIndex;
import dev.hookline.spi.CompiledFilter;
import dev.hookline.spi.FilterCompiler;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing one event to its webhooks. Two questions, each answered in events per second:
 *
 * <ul>
 *   <li>{@code perApp}: does the {@link SubscriptionIndex} cost stay flat as webhooks grow? Every
 *       webhook is filtered to its own app ({@code subject.app_id == "app-N"}); compare {@code
 *       webhooks=10} with {@code webhooks=10000} (target: within 2x).
 *   <li>{@code perTenant}: the same question when every webhook belongs to its own tenant (with a
 *       catch-all filter), routed by the index's tenant partitions.
 *   <li>{@code mixedIndex} vs {@code mixedNaiveScan}: 10,000 webhooks spread over the 12
 *       subscribable event types, 30% with attribute filters ({@code changed(...)}, {@code
 *       data...}); the index against testing every webhook in turn.
 * </ul>
 *
 * Each invocation routes the next of 1,024 pre-built events, so branch prediction cannot learn a
 * single event.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoutingBenchmark {
  private static final Instant T0 = Instant.parse("2026-11-22T10:15:30Z");
  private static final int EVENTS = 1024;
  private static final List<EventType> TYPES = UserEvents.SUBSCRIBABLE;
  private static final String[] ATTRIBUTE_FILTERS = {
    "changed(\"email\", \"password\")",
    "data.plan == \"pro\"",
    "data.country in (\"DE\", \"FR\", \"NL\") and data.verified == true",
    "changed(\"phone\") or data.seats > 50",
    "not data.tenant_kind == \"test\"",
  };

  /** Every webhook filtered to its own app. */
  @State(Scope.Benchmark)
  public static class PerApp {
    /** How many webhooks. */
    @Param({"10", "10000"})
    public int webhooks;

    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    Event[] events = new Event[0];
    int next;

    /** Builds the webhooks and the events, each for one of the webhooks' apps. */
    @Setup(Level.Trial)
    public void setUp() {
      Random random = new Random(42);
      List<Webhook> hooks = new ArrayList<>();
      for (int i = 0; i < webhooks; i++) {
        hooks.add(
            webhook("wh_" + i, Set.of(UserEvents.UPDATED), "subject.app_id == \"app-" + i + "\""));
      }
      index = SubscriptionIndex.create(Filters.compiler());
      index.replaceAll(hooks);
      events = new Event[EVENTS];
      for (int i = 0; i < EVENTS; i++) {
        String app = "app-" + random.nextInt(webhooks);
        events[i] =
            event(
                UserEvents.UPDATED,
                Subject.user("usr_" + i).withApp(app),
                data(random),
                List.of("email"));
      }
    }
  }

  /**
   * Every webhook owned by its own tenant, with a catch-all filter: the index's tenant partition
   * decides alone.
   */
  @State(Scope.Benchmark)
  public static class PerTenant {
    /** How many webhooks (and tenants). */
    @Param({"10", "10000"})
    public int webhooks;

    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    Event[] events = new Event[0];
    int next;

    /** Builds the webhooks and the events, each for one of the tenants. */
    @Setup(Level.Trial)
    public void setUp() {
      Random random = new Random(42);
      List<Webhook> hooks = new ArrayList<>();
      for (int i = 0; i < webhooks; i++) {
        hooks.add(
            webhook("wh_" + i, Optional.of("tenant-" + i), Set.of(UserEvents.UPDATED), "true"));
      }
      index = SubscriptionIndex.create(Filters.compiler());
      index.replaceAll(hooks);
      events = new Event[EVENTS];
      for (int i = 0; i < EVENTS; i++) {
        String tenant = "tenant-" + random.nextInt(webhooks);
        events[i] =
            event(
                UserEvents.UPDATED,
                Subject.user("usr_" + i).withTenant(tenant),
                data(random),
                List.of("email"));
      }
    }
  }

  /** 10,000 webhooks over the 12 types, 30% with attribute filters. */
  @State(Scope.Benchmark)
  public static class Mixed {
    SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());
    List<Webhook> webhooks = List.of();
    @Nullable CompiledFilter[] filters = new CompiledFilter[0];
    Event[] events = new Event[0];
    int next;

    /** Builds the webhooks, their compiled filters for the naive scan, and the events. */
    @Setup(Level.Trial)
    public void setUp() {
      FilterCompiler compiler = Filters.compiler();
      Random random = new Random(42);
      List<Webhook> hooks = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        EventType type = TYPES.get(i % TYPES.size());
        String filter = i % 10 < 3 ? ATTRIBUTE_FILTERS[i % ATTRIBUTE_FILTERS.length] : null;
        hooks.add(webhook("mx_" + i, Set.of(type), filter));
      }
      webhooks = List.copyOf(hooks);
      index = SubscriptionIndex.create(compiler);
      index.replaceAll(webhooks);
      // the naive scan gets the same filters, compiled once up front: only routing differs
      filters = new CompiledFilter[webhooks.size()];
      for (int i = 0; i < filters.length; i++) {
        Webhook w = webhooks.get(i);
        filters[i] = w.filter().isPresent() ? compiler.compile(w.filter().get(), w.events()) : null;
      }
      events = new Event[EVENTS];
      String[] attributes = {"email", "password", "phone", "name"};
      for (int i = 0; i < EVENTS; i++) {
        EventType type = TYPES.get(random.nextInt(TYPES.size()));
        Subject subject = Subject.user("usr_" + i).withApp("app-" + random.nextInt(100));
        events[i] =
            event(
                type,
                subject,
                data(random),
                List.of(attributes[random.nextInt(attributes.length)]));
      }
    }
  }

  /**
   * Routes one event through the per-app index.
   *
   * @param s the scenario
   * @return the matching webhooks
   */
  @Benchmark
  public List<Webhook> perApp(PerApp s) {
    return s.index.match(s.events[s.next++ & (EVENTS - 1)]);
  }

  /**
   * Routes one event through the per-tenant partitions.
   *
   * @param s the scenario
   * @return the matching webhooks
   */
  @Benchmark
  public List<Webhook> perTenant(PerTenant s) {
    return s.index.match(s.events[s.next++ & (EVENTS - 1)]);
  }

  /**
   * Routes one event through the index over 10,000 mixed webhooks.
   *
   * @param s the scenario
   * @return the matching webhooks
   */
  @Benchmark
  public List<Webhook> mixedIndex(Mixed s) {
    return s.index.match(s.events[s.next++ & (EVENTS - 1)]);
  }

  /**
   * Routes one event by testing every one of the 10,000 mixed webhooks.
   *
   * @param s the scenario
   * @return the matching webhooks
   */
  @Benchmark
  public List<Webhook> mixedNaiveScan(Mixed s) {
    Event e = s.events[s.next++ & (EVENTS - 1)];
    List<Webhook> out = new ArrayList<>();
    for (int i = 0; i < s.filters.length; i++) {
      Webhook w = s.webhooks.get(i);
      CompiledFilter f = s.filters[i];
      if (w.subscribesTo(e.type()) && (f == null || f.test(e))) {
        out.add(w);
      }
    }
    return out;
  }

  private static ObjectNode data(Random random) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("plan", random.nextInt(4) == 0 ? "pro" : "free");
    data.put("country", new String[] {"DE", "FR", "US", "JP", "NL"}[random.nextInt(5)]);
    data.put("verified", random.nextBoolean());
    data.put("seats", random.nextInt(100));
    data.put("tenant_kind", random.nextInt(10) == 0 ? "test" : "live");
    data.put("email", "user" + random.nextInt(1000) + "@example.com");
    return data;
  }

  private static Event event(
      EventType type, Subject subject, ObjectNode data, List<String> changed) {
    return Event.builder(type)
        .id("evt_1")
        .occurredAt(T0)
        .subject(subject)
        .data(data)
        .changed(changed)
        .build();
  }

  private static Webhook webhook(String id, Set<EventType> types, @Nullable String filter) {
    return webhook(id, Optional.empty(), types, filter);
  }

  private static Webhook webhook(
      String id, Optional<String> tenant, Set<EventType> types, @Nullable String filter) {
    return new Webhook(
        id,
        tenant,
        id,
        "",
        URI.create("https://example.com/" + id),
        Secret.of("key-0123456789abcdef"),
        types,
        Optional.ofNullable(filter),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        true,
        Optional.empty(),
        List.of(),
        T0,
        T0,
        1);
  }
}
