package dev.hookline.store.jdbc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PublishResult;
import dev.hookline.filter.Filters;
import dev.hookline.testing.LoopbackSink;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review round 5: a dispatcher that is built but not started (the Spring Boot starter's {@code
 * hookline.dispatcher.auto-start=false}, whose README says to call {@code start()} or {@code
 * runDueNow()}; or a node that only publishes) routes its publishes by the webhooks it read when it
 * was built, plus the changes made through its own registry. Neither the periodic reload nor the
 * change feed runs before {@code start()}, and {@code runDueNow()} reloads nothing: a webhook
 * created and enabled on another instance is never routed to by it, so the events it publishes are
 * never enqueued for that webhook, however long it runs and whatever its {@code
 * webhookReloadInterval}.
 */
class UnstartedDispatcherRoutingTest {
  private static final String SCHEMA = "unstarted_routing";
  private static final Duration RELOAD = Duration.ofSeconds(1);
  private static final SimpleConnectionPool ADMIN =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
  private final AtomicInteger events = new AtomicInteger();
  private LoopbackSink sink;
  private Instance a;
  private SimpleConnectionPool bPool;
  private Dispatcher b;

  @BeforeEach
  void setUp() throws IOException {
    EmbeddedDb.store(ADMIN, SCHEMA); // creates the schema
    EmbeddedDb.truncate(ADMIN, SCHEMA);
    sink = LoopbackSink.recording();
    SimpleConnectionPool aPool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 5);
    a = new Instance(aPool, EmbeddedDb.store(aPool, SCHEMA), clock, 2);
    bPool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 5);
    WebhookRegistry bRegistry =
        WebhookRegistry.builder()
            .store(EmbeddedDb.store(bPool, SCHEMA))
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    // Built, not started: it publishes, and delivery is driven by runDueNow() (or by other nodes).
    b =
        Dispatcher.builder()
            .registry(bRegistry)
            .clock(clock)
            .webhookReloadInterval(RELOAD)
            .shutdownTimeout(Duration.ofSeconds(1))
            .build();
  }

  @AfterEach
  void tearDown() {
    b.close();
    a.close();
    bPool.close();
    sink.close();
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(ADMIN, SCHEMA);
    ADMIN.close();
  }

  private PublishResult publishOnB() {
    int n = events.incrementAndGet();
    b.runDueNow(); // as a host driving delivery from its own scheduler does
    return b.publish(
        Event.builder(UserEvents.CREATED)
            .id("evt_" + n)
            .occurredAt(clock.instant())
            .user("user-" + n)
            .data(JsonNodeFactory.instance.objectNode().put("n", n))
            .build());
  }

  @Test
  void aWebhookEnabledOnAnotherInstanceIsRoutedToWithinTheReloadInterval() {
    Webhook w = a.receivingWebhook(sink.uri("/hook"));
    // The bound is not the reload interval's: without the reload before a publish, B never routes
    // to the webhook. It only has to be far above the interval and one publish on a loaded machine.
    Poll.until(
        RELOAD.multipliedBy(30),
        () -> publishOnB().webhookIds().contains(w.id()),
        "a dispatcher that was not started never routed to a webhook enabled on another instance"
            + " (webhookReloadInterval "
            + RELOAD
            + "): its events are never enqueued for it");
  }
}
