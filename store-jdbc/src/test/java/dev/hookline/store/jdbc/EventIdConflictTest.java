package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.tenantWebhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.Event;
import dev.hookline.EventConflictException;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.RecordingReceiver;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An event id names one event across the Store, every tenant included. Two tenants whose host
 * publishes them an event under the same id (ids unique per tenant only) must never have one
 * tenant's event sent to the other's webhooks: the second publish is refused, whole, on both
 * stores, on a caller's transaction too, and also when the two publishes race.
 */
class EventIdConflictTest {
  private static final String SCHEMA = "event_id_conflict";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 6);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));

  @BeforeEach
  void emptySchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  private static Event tenantEvent(String id, String tenant, Instant at) {
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(at)
        .subject(Subject.user("usr_" + tenant).withTenant(tenant))
        .data(JsonNodeFactory.instance.objectNode().put("secret_of", tenant))
        .build();
  }

  private static Webhook receiving(WebhookRegistry registry, String tenant, String uri) {
    Webhook w =
        registry.create(
            WebhookDefinition.builder()
                .name(tenant)
                .uri(uri)
                .apiKey("event-id-conflict-api-key")
                .events(List.of(UserEvents.CREATED))
                .tenant(tenant)
                .build());
    TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"memory", "postgres"})
  void anotherTenantsEventUnderAPublishedIdIsRefusedAndNeverSent(String kind) throws Exception {
    Store store = kind.equals("postgres") ? EmbeddedDb.store(DS, SCHEMA) : new InMemoryStore();
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .clock(clock)
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    try (RecordingReceiver acmeSink = RecordingReceiver.start();
        RecordingReceiver globexSink = RecordingReceiver.start();
        Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build()) {
      receiving(registry, "acme", acmeSink.url("/acme"));
      receiving(registry, "globex", globexSink.url("/globex"));
      d.publish(tenantEvent("evt_42", "acme", clock.instant()));
      EventConflictException refused =
          assertThrows(
              EventConflictException.class,
              () -> d.publish(tenantEvent("evt_42", "globex", clock.instant())));
      assertEquals("evt_42", refused.eventId());
      assertTrue(
          refused.getMessage().contains("evt_42") && !refused.getMessage().contains("acme"),
          refused.getMessage());
      d.runDueNow();
      assertEquals(1, acmeSink.requests().size());
      assertTrue(acmeSink.requests().get(0).bodyAsString().contains("\"secret_of\":\"acme\""));
      assertEquals(List.of(), globexSink.requests(), "globex is sent nothing of acme's");
    } finally {
      store.close();
    }
  }

  @Test
  void aConflictOnTheCallersTransactionTakesBackWhatTheEnqueueWroteAndTheCallerGoesOn()
      throws SQLException {
    PostgresStore store = EmbeddedDb.store(DS, SCHEMA);
    store.insertWebhook(tenantWebhook("wh_acme", "acme", T0));
    store.insertWebhook(tenantWebhook("wh_globex", "globex", T0));
    store.enqueue(
        List.of(Delivery.pending("dlv_1", "wh_acme", tenantEvent("evt_42", "acme", T0), T0)));
    List<Delivery> batch =
        List.of(
            Delivery.pending("dlv_2", "wh_globex", tenantEvent("evt_new", "globex", T0), T0),
            Delivery.pending("dlv_3", "wh_globex", tenantEvent("evt_42", "globex", T0), T0));
    try (Connection c = DS.getConnection()) {
      c.setAutoCommit(false);
      execute(c, "CREATE TABLE " + SCHEMA + ".app_rows (id int)");
      assertThrows(EventConflictException.class, () -> store.enqueue(c, batch));
      execute(c, "INSERT INTO " + SCHEMA + ".app_rows VALUES (1)");
      c.commit(); // the caller commits anyway: nothing of the refused enqueue may go with it
    }
    assertEquals(1, count("SELECT count(*) FROM " + SCHEMA + ".app_rows"));
    assertEquals(1, count("SELECT count(*) FROM " + SCHEMA + ".deliveries"));
    assertEquals(1, count("SELECT count(*) FROM " + SCHEMA + ".events"));
    assertTrue(store.findDelivery("dlv_2").isEmpty());
    store.close();
  }

  @Test
  void onAnAutoCommitConnectionAConflictLeavesNeitherDeliveriesNorEvents() throws SQLException {
    PostgresStore store = EmbeddedDb.store(DS, SCHEMA);
    store.insertWebhook(tenantWebhook("wh_acme", "acme", T0));
    store.insertWebhook(tenantWebhook("wh_globex", "globex", T0));
    store.enqueue(
        List.of(Delivery.pending("dlv_1", "wh_acme", tenantEvent("evt_42", "acme", T0), T0)));
    try (Connection c = DS.getConnection()) {
      assertTrue(c.getAutoCommit());
      assertThrows(
          EventConflictException.class,
          () ->
              store.enqueue(
                  c,
                  List.of(
                      Delivery.pending(
                          "dlv_2", "wh_globex", tenantEvent("evt_new", "globex", T0), T0),
                      Delivery.pending(
                          "dlv_3", "wh_globex", tenantEvent("evt_42", "globex", T0), T0))));
    }
    assertEquals(1, count("SELECT count(*) FROM " + SCHEMA + ".deliveries"));
    assertEquals(
        0,
        count("SELECT count(*) FROM " + SCHEMA + ".events WHERE id = 'evt_new'"),
        "the refused batch's new event is not left behind");
    store.close();
  }

  /**
   * Republishing stored events locks their rows as it compares them: enqueues that name the same
   * events in opposite orders, from two stores at once, must not deadlock.
   */
  @Test
  void republishingTheSameEventsInOppositeOrdersConcurrentlyNeverDeadlocks() throws Exception {
    PostgresStore one = EmbeddedDb.store(DS, SCHEMA);
    PostgresStore two = EmbeddedDb.store(DS, SCHEMA);
    one.insertWebhook(tenantWebhook("wh_acme", "acme", T0));
    List<Event> events = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      events.add(tenantEvent("evt_" + i, "acme", T0));
    }
    List<Delivery> first = new java.util.ArrayList<>();
    for (Event e : events) {
      first.add(Delivery.pending("dlv_" + e.id(), "wh_acme", e, T0));
    }
    one.enqueue(first);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        PostgresStore store = t % 2 == 0 ? one : two;
        List<Event> order = new java.util.ArrayList<>(events);
        if (t % 2 == 1) {
          java.util.Collections.reverse(order);
        }
        int thread = t;
        runs.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 300; i++) {
                    List<Delivery> batch = new java.util.ArrayList<>();
                    for (Event e : order) {
                      batch.add(
                          Delivery.pending("dlv_" + thread + "_" + i + e.id(), "wh_acme", e, T0));
                    }
                    assertEquals(List.of(), store.enqueue(batch), "all already enqueued");
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> run : runs) {
        run.get(120, TimeUnit.SECONDS); // a deadlock fails an enqueue with SQLState 40P01
      }
    } finally {
      pool.shutdownNow();
      one.close();
      two.close();
    }
  }

  /**
   * The race: acme's event is inserted by a transaction that has not committed when globex's
   * publish of the same id runs. Globex's insert waits for it, finds the id taken once it commits,
   * and must then see that the stored event is not its own.
   */
  @Test
  void aPublishRacingAnotherTenantsUncommittedEventOfTheSameIdIsRefused() throws Exception {
    PostgresStore store = EmbeddedDb.store(DS, SCHEMA);
    store.insertWebhook(tenantWebhook("wh_acme", "acme", T0));
    store.insertWebhook(tenantWebhook("wh_globex", "globex", T0));
    CompletableFuture<List<Delivery>> globex;
    try (Connection acme = DS.getConnection()) {
      acme.setAutoCommit(false);
      store.enqueue(
          acme,
          List.of(Delivery.pending("dlv_1", "wh_acme", tenantEvent("evt_42", "acme", T0), T0)));
      globex =
          CompletableFuture.supplyAsync(
              () ->
                  store.enqueue(
                      List.of(
                          Delivery.pending(
                              "dlv_2", "wh_globex", tenantEvent("evt_42", "globex", T0), T0))));
      Poll.until(
          Duration.ofSeconds(20),
          () -> waitingOnALock() > 0,
          "globex's enqueue waits for acme's uncommitted event");
      acme.commit();
    }
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> globex.get(20, TimeUnit.SECONDS));
    assertInstanceOf(EventConflictException.class, failed.getCause());
    assertEquals(
        List.of("dlv_1"),
        store.findDeliveries(DeliveryQuery.builder().event("evt_42").build()).stream()
            .map(Delivery::id)
            .toList());
    assertEquals(1, store.claim(ClaimRequest.of("w", T0, Duration.ofSeconds(30), 10)).size());
    store.close();
  }

  private static int waitingOnALock() {
    return count(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            + " AND query LIKE 'WITH dv AS%'");
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static int count(String sql) {
    try (Connection c = DS.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
