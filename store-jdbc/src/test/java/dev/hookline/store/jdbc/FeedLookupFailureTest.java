package dev.hookline.store.jdbc;

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
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
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
 * Review round 5: the change feed tells instance B that a webhook changed, and B's dispatcher reads
 * it from the Store. When that one read fails (the pool had no free connection for a moment, a
 * statement timed out), the dispatcher logged the failure and dropped the change: the feed still
 * listens, so nothing resyncs, and B keeps its stale copy until the periodic reload (30 s by
 * default). A webhook enabled on A therefore receives none of the events published on B meanwhile
 * (they are never enqueued), and a webhook disabled or moved on A keeps being sent to by B.
 */
class FeedLookupFailureTest {
  private static final String SCHEMA = "feed_lookup";

  /** Far above what the feed takes to tell B of a change, even on a loaded machine. */
  private static final Duration SETTLE = Duration.ofSeconds(30);

  /**
   * B reloads every webhook only this often, so that only the feed (and its retry after a failed
   * lookup) can tell it of a change within {@link #SOON}.
   */
  private static final Duration B_RELOAD = Duration.ofHours(1);

  /** Far below B's periodic reload, far above the retry 1 s after a failed lookup. */
  private static final Duration SOON = Duration.ofSeconds(30);

  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
  private final AtomicInteger events = new AtomicInteger();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private LoopbackSink sink;
  private Instance a;
  private Instance b;
  private FailingOnFeedThread bData;

  @BeforeEach
  void setUp() throws IOException {
    EmbeddedDb.store(ADMIN, SCHEMA); // creates the schema
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    sink = LoopbackSink.recording();
    SimpleConnectionPool aPool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 5);
    a = new Instance(aPool, EmbeddedDb.store(aPool, SCHEMA), clock, 2);
    resources.add(0, a);
    SimpleConnectionPool bPool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 5);
    bData = new FailingOnFeedThread(bPool);
    b =
        new Instance(
            bPool, EmbeddedDb.store(bData, SCHEMA), clock, 2, 2, Duration.ofSeconds(5), B_RELOAD);
    resources.add(0, b);
    // B's feed is listening once B routes to a webhook created on A after B started.
    Webhook probe = a.receivingWebhook(sink.uri("/probe"));
    Poll.until(
        SETTLE,
        () -> publishOnB().webhookIds().contains(probe.id()),
        "instance B never saw a webhook created on A");
    a.registry.delete(probe.id());
    Poll.until(SETTLE, () -> publishOnB().count() == 0, "B kept routing to the deleted probe");
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
  void aChangeWhoseLookupFailedOnceStillReachesTheOtherInstanceSoon() {
    Webhook w =
        a.registry.create(
            WebhookDefinition.builder()
                .name("enabled on A")
                .uri(sink.uri("/hook"))
                .apiKey(Instance.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(a.registry, w.id());
    // B's feed tells changes in commit order on one thread: once B routes to a marker made after
    // the changes above, it has looked every one of them up.
    Webhook marker = a.receivingWebhook(sink.uri("/marker"));
    Poll.until(
        SETTLE,
        () -> publishOnB().webhookIds().contains(marker.id()),
        "B never saw the marker webhook");
    // The next lookup on B's feed thread finds no connection, once.
    bData.failNext.set(true);
    a.registry.enable(w.id());
    Poll.until(SETTLE, () -> bData.failed.get() == 1, "B's feed looked the change up");
    // B has been told; a later publish on B must route to the webhook well before the reload.
    Poll.until(
        SOON,
        () -> publishOnB().webhookIds().contains(w.id()),
        "instance B never routed to the webhook enabled on A after one failed lookup: its events"
            + " published on B are not enqueued until the periodic reload");
    assertTrue(bData.failed.get() == 1);
  }

  /**
   * A pool that, when armed, fails the next borrow made on the change feed's thread, as a pool with
   * no free connection does within its wait.
   */
  static final class FailingOnFeedThread extends ForwardingDataSource {
    final AtomicBoolean failNext = new AtomicBoolean();
    final AtomicInteger failed = new AtomicInteger();

    FailingOnFeedThread(DataSource delegate) {
      super(delegate);
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (Thread.currentThread().getName().equals("hookline-webhook-changes")
          && failNext.compareAndSet(true, false)) {
        failed.incrementAndGet();
        throw new SQLTransientConnectionException(
            "pool exhausted: no connection within the wait", "08001");
      }
      return delegate.getConnection();
    }
  }
}
