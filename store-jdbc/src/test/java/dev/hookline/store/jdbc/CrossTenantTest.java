package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.delivery.TenantDeliveries;
import dev.hookline.filter.Filters;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two tenants on one sender, on the in-memory and on the PostgreSQL store, with real deliveries
 * over loopback. Tenant B (globex) subscribes to every event with a catch-all filter, and with a
 * filter that names tenant A outright; it still receives none of tenant A's (acme's) events.
 * Through tenant B's scoped views, tenant A's webhooks and deliveries look exactly like ids that do
 * not exist, and redelivering them changes nothing.
 */
class CrossTenantTest {
  private static final String SCHEMA = "cross_tenant";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 6);
  private static final String API_KEY = "cross-tenant-api-key-0123";

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-29T10:00:00Z"));
  private @Nullable Store store;
  private @Nullable Dispatcher dispatcher;
  private final List<LoopbackSink> sinks = new ArrayList<>();

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @BeforeEach
  void emptySchema() {
    EmbeddedDb.truncate(DS, SCHEMA);
  }

  @AfterEach
  void close() {
    if (dispatcher != null) {
      dispatcher.close();
    }
    if (store != null) {
      store.close();
    }
    sinks.forEach(LoopbackSink::close);
  }

  private LoopbackSink sink() throws IOException {
    LoopbackSink s = LoopbackSink.recording();
    sinks.add(s);
    return s;
  }

  private static Store store(String kind) {
    return kind.equals("postgres") ? EmbeddedDb.store(DS, SCHEMA) : new InMemoryStore();
  }

  private static Webhook receiving(
      WebhookRegistry registry,
      @Nullable String tenant,
      String uri,
      @Nullable String filter,
      List<EventType> events) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name("hook " + uri)
                .uri(uri)
                .apiKey(API_KEY)
                .events(events)
                .filter(filter)
                .tenant(tenant)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  private Event event(String id, EventType type, @Nullable String tenant) {
    Subject subject = Subject.user("usr_" + id).withApp("app_console");
    return Event.builder(type)
        .id(id)
        .occurredAt(clock.instant())
        .subject(tenant == null ? subject : subject.withTenant(tenant))
        .changed(type.equals(UserEvents.UPDATED) ? List.of("email") : List.of())
        .build();
  }

  private static String refusedUri() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "http://127.0.0.1:" + s.getLocalPort() + "/gone";
    }
  }

  private static Set<String> ids(List<Delivery> deliveries) {
    Set<String> out = new TreeSet<>();
    deliveries.forEach(d -> out.add(d.id()));
    return out;
  }

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"memory", "postgres"})
  void tenantBReceivesNoneOfTenantAsEventsAndCannotReachItsDeliveries(String kind)
      throws IOException {
    Store s = store(kind);
    this.store = s;
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(s)
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Dispatcher d =
        Dispatcher.builder()
            .registry(registry)
            .clock(clock)
            .jitter(() -> 0.5)
            .retrySchedule(RetrySchedule.builder().delays(List.of()).build()) // one attempt
            .build();
    this.dispatcher = d;

    LoopbackSink acmeSink = sink();
    LoopbackSink globexSink = sink();
    LoopbackSink hostSink = sink();
    List<EventType> all = List.copyOf(UserEvents.SUBSCRIBABLE);
    Webhook acme = receiving(registry, "acme", acmeSink.uri("/acme"), null, all);
    Webhook acmeGone = receiving(registry, "acme", refusedUri(), null, all);
    Webhook globexAll = receiving(registry, "globex", globexSink.uri("/all"), "true", all);
    Webhook globexWantsAcme =
        receiving(
            registry,
            "globex",
            globexSink.uri("/acme-please"),
            "subject.tenant == \"acme\" or true",
            all);
    Webhook host = receiving(registry, null, hostSink.uri("/host"), null, all);

    List<Event> acmeEvents =
        List.of(
            event("evt_acme_1", UserEvents.CREATED, "acme"),
            event("evt_acme_2", UserEvents.UPDATED, "acme"),
            event("evt_acme_3", UserEvents.LOGGED_IN, "acme"));
    List<Event> globexEvents =
        List.of(
            event("evt_globex_1", UserEvents.CREATED, "globex"),
            event("evt_globex_2", UserEvents.DELETED, "globex"));
    List<Event> hostEvents = List.of(event("evt_host_1", UserEvents.CREATED, null));
    List<Event> published = new ArrayList<>(acmeEvents);
    published.addAll(globexEvents);
    published.addAll(hostEvents);
    for (Event e : published) {
      assertFalse(d.publish(e).webhookIds().isEmpty(), e.id());
    }
    assertEquals(
        Set.of(acme.id(), acmeGone.id(), host.id()),
        Set.copyOf(d.publish(event("evt_acme_4", UserEvents.CREATED, "acme")).webhookIds()));
    d.runDueNow(); // every attempt over loopback, recorded before it returns

    Set<String> acmeIds = Set.of("evt_acme_1", "evt_acme_2", "evt_acme_3", "evt_acme_4");
    Set<String> globexIds = Set.of("evt_globex_1", "evt_globex_2");
    assertEquals(acmeIds, acmeSink.counts().keySet());
    assertEquals(globexIds, globexSink.counts().keySet(), "tenant B got none of tenant A's");
    assertEquals(2 * globexIds.size(), globexSink.total(), "each of B's two webhooks, once");
    Set<String> everything = new TreeSet<>(acmeIds);
    everything.addAll(globexIds);
    everything.add("evt_host_1");
    assertEquals(everything, hostSink.counts().keySet(), "the host's webhook gets every event");
    assertEquals(4, d.summary(acmeGone.id()).failed());

    // Tenant B's scoped views: tenant A's ids look like ids that do not exist.
    TenantDeliveries globex = d.forTenant("globex");
    TenantDeliveries acmeView = d.forTenant("acme");
    assertEquals(
        ids(d.deliveries(DeliveryQuery.builder().webhook(globexAll.id()).build())),
        ids(globex.deliveries(DeliveryQuery.builder().webhook(globexAll.id()).build())),
        "its own deliveries, as the unscoped query finds them");
    Set<String> globexDeliveries = ids(globex.deliveries(DeliveryQuery.builder().build()));
    assertEquals(4, globexDeliveries.size());
    for (Delivery del : d.deliveries(DeliveryQuery.builder().tenant("globex").build())) {
      assertTrue(Set.of(globexAll.id(), globexWantsAcme.id()).contains(del.webhookId()));
    }
    List<Delivery> acmeDeliveries = acmeView.deliveries(DeliveryQuery.builder().build());
    assertEquals(8, acmeDeliveries.size());
    for (Delivery del : acmeDeliveries) {
      assertFalse(globexDeliveries.contains(del.id()));
      assertTrue(globex.delivery(del.id()).isEmpty(), "get: " + del.id());
      assertTrue(acmeView.delivery(del.id()).isPresent());
    }
    assertEquals(
        List.of(), globex.deliveries(DeliveryQuery.builder().webhook(acme.id()).build()), "query");
    assertEquals(List.of(), globex.deliveries(DeliveryQuery.builder().event("evt_acme_1").build()));
    assertEquals(List.of(), globex.deliveries(DeliveryQuery.builder().tenant("acme").build()));
    assertEquals(
        List.of(),
        globex.deliveries(DeliveryQuery.builder().webhook(host.id()).build()),
        "the host's webhook is not the tenant's either");
    assertEquals(DeliveryCounts.EMPTY, globex.summary(acme.id()), "counts");
    assertEquals(globex.summary("wh_missing"), globex.summary(acme.id()));
    assertEquals(4, acmeView.summary(acme.id()).succeeded());

    // Redelivery through B's view changes nothing of A's; through A's own view it works.
    Delivery failedOfA =
        acmeView
            .deliveries(
                DeliveryQuery.builder().webhook(acmeGone.id()).states(DeliveryState.FAILED).build())
            .get(0);
    Delivery succeededOfA =
        acmeView
            .deliveries(
                DeliveryQuery.builder().webhook(acme.id()).states(DeliveryState.SUCCEEDED).build())
            .get(0);
    assertFalse(globex.redeliver(failedOfA.id()), "redeliver");
    assertFalse(globex.redeliver(succeededOfA.id()));
    assertFalse(globex.redeliver("dlv_missing"));
    assertEquals(0, globex.redeliverFailed(acmeGone.id(), clock.instant().minusSeconds(60)));
    assertEquals(0, globex.redeliverFailed(host.id(), clock.instant().minusSeconds(60)));
    assertEquals(4, d.summary(acmeGone.id()).failed(), "still failed");
    assertEquals(
        DeliveryState.SUCCEEDED, d.delivery(succeededOfA.id()).orElseThrow().state(), "unchanged");
    clock.advance(Duration.ofMinutes(1));
    assertEquals(0, d.runDueNow(), "nothing was queued again");
    assertEquals(acmeIds.size(), acmeSink.total());

    assertTrue(acmeView.redeliver(succeededOfA.id()), "the owner can redeliver it");
    assertEquals(4, acmeView.redeliverFailed(acmeGone.id(), clock.instant().minusSeconds(600)));

    // The registry's scoped view agrees.
    assertTrue(registry.forTenant("globex").get(acme.id()).isEmpty());
    // Both were created at the same instant of the manual clock, so their order is the ids'.
    List<String> listed = registry.forTenant("globex").list().stream().map(Webhook::id).toList();
    assertEquals(2, listed.size(), listed.toString());
    assertEquals(Set.of(globexAll.id(), globexWantsAcme.id()), Set.copyOf(listed));
  }
}
