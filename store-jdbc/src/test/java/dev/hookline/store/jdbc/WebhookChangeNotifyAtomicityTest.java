package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.delivery.PublishResult;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review round 5: {@code PostgresStore.updateWebhook} (and {@code insertWebhook} without a tenant)
 * ran the UPDATE and the change feed's {@code pg_notify} as two auto-commit statements. When the
 * connection broke between them, the update stood but the caller was told it failed, and no other
 * instance (nor the caller's own dispatcher, whose registry listener is told only on success) heard
 * of it. A host that retries the failed {@code enable} finds it "already enabled", changes nothing
 * and notifies nobody: every instance routes nothing to the webhook until its periodic reload (30 s
 * by default), and the events published meanwhile are never enqueued for it.
 */
class WebhookChangeNotifyAtomicityTest {
  private static final String SCHEMA = "notify_atomic";

  /** Far above what the feed takes to tell B of a change, even on a loaded machine. */
  private static final Duration SETTLE = Duration.ofSeconds(30);

  /**
   * B reloads every webhook only this often, so that only the feed can tell it within {@link
   * #SOON}.
   */
  private static final Duration B_RELOAD = Duration.ofHours(1);

  /** Far below B's periodic reload. */
  private static final Duration SOON = Duration.ofSeconds(30);

  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
  private final AtomicInteger events = new AtomicInteger();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final AtomicBoolean breakBeforeNotify = new AtomicBoolean();
  private final AtomicInteger broken = new AtomicInteger();
  private LoopbackSink sink;
  private Instance a;
  private Instance b;

  @BeforeEach
  void setUp() throws IOException {
    EmbeddedDb.store(ADMIN, SCHEMA); // creates the schema
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    sink = LoopbackSink.recording();
    SimpleConnectionPool aPool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 5);
    a = new Instance(aPool, EmbeddedDb.store(breakingBeforeNotify(aPool), SCHEMA), clock, 2);
    resources.add(0, a);
    SimpleConnectionPool bPool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 5);
    b =
        new Instance(
            bPool, EmbeddedDb.store(bPool, SCHEMA), clock, 2, 2, Duration.ofSeconds(5), B_RELOAD);
    resources.add(0, b);
    Webhook probe = a.receivingWebhook(sink.uri("/probe"));
    Poll.until(
        SETTLE,
        () -> publishOnB().webhookIds().contains(probe.id()),
        "instance B never saw a webhook created on A");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
    sink.close();
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(ADMIN, SCHEMA);
    ADMIN.close();
  }

  private PublishResult publishOnB() {
    int n = events.incrementAndGet();
    return b.dispatcher.publish(
        Event.builder(UserEvents.CREATED)
            .id("evt_" + n)
            .occurredAt(clock.instant())
            .user("user-" + n)
            .data(JsonNodeFactory.instance.objectNode().put("n", n))
            .build());
  }

  @Test
  void anEnableThatFailedAndWasRetriedReachesTheOtherInstance() {
    Webhook w =
        a.registry.create(
            WebhookDefinition.builder()
                .name("enabled on A")
                .uri(sink.uri("/hook"))
                .apiKey(Instance.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(a.registry, w.id());

    // The connection breaks after the UPDATE was sent, before the notification: the enable fails.
    breakBeforeNotify.set(true);
    assertThrows(StoreException.class, () -> a.registry.enable(w.id()));
    assertTrue(broken.get() == 1, "the connection was broken once: " + broken.get());

    // The host tries again, as it would after an "unavailable" failure.
    a.registry.enable(w.id());
    Poll.until(
        SOON,
        () -> publishOnB().webhookIds().contains(w.id()),
        () ->
            "instance B never routed to the webhook after its enable failed and was retried on A"
                + " (stored: enabled="
                + a.store.findWebhook(w.id()).orElseThrow().enabled()
                + "): the failed enable had committed without notifying, and the retry found it"
                + " already enabled");
  }

  /**
   * A DataSource whose connections, while armed, break (their backend is terminated) just before
   * the statement that sends a change notification.
   */
  private DataSource breakingBeforeNotify(DataSource pool) {
    InvocationHandler ds =
        (proxy, method, args) -> {
          Object result = invoke(pool, method, args);
          if (result instanceof Connection c) {
            return Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (cp, m, margs) -> {
                  if (m.getName().equals("prepareStatement")
                      && margs != null
                      && margs[0] instanceof String sql
                      && sql.contains("pg_notify")
                      && breakBeforeNotify.compareAndSet(true, false)) {
                    broken.incrementAndGet();
                    try (Statement st = c.createStatement()) {
                      st.execute("SELECT pg_terminate_backend(pg_backend_pid())");
                    } catch (SQLException expected) {
                      // the backend is gone: the statements that follow fail as after a crash
                    }
                  }
                  return invoke(c, m, margs);
                });
          }
          return result;
        };
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, ds);
  }

  private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args)
      throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
