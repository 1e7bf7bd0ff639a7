package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.DeliveryQuery;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.RecordedRequest;
import dev.hookline.testing.RecordingReceiver;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An event's data reaches the endpoint as published, whichever instance sends it. The instance that
 * published an event sends the very object it published; any other (another instance, the same one
 * after a restart) reads the event back from PostgreSQL with a plain {@code ObjectMapper}, which
 * reads every decimal as a {@code double}: {@code 19.990000000000000001} was sent as {@code 19.99},
 * and {@code 1E+400} as the string {@code "Infinity"}. Publishing accepts decimals of up to 1,000
 * characters for exactly this read (CHANGELOG), so the read must keep them.
 */
class EventDataFidelityTest {
  private static final String SCHEMA = "event_data_fidelity";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 6);
  private static final ObjectMapper EXACT =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA).close();
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @Test
  void anotherInstanceSendsTheDecimalsAsPublished() throws Exception {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("price", new BigDecimal("19.990000000000000001"));
    data.put("huge", new BigDecimal("1E+400"));
    data.put("plain", 1.5);
    Event event =
        Event.builder(UserEvents.UPDATED)
            .id("evt_decimals")
            .occurredAt(clock.instant())
            .subject(Subject.user("usr_1"))
            .changed("balance")
            .data(data)
            .build();
    try (RecordingReceiver receiver = RecordingReceiver.start()) {
      String webhookId;
      // Instance A publishes (built, not started: nothing is claimed as it is enqueued).
      try (PostgresStore a = EmbeddedDb.store(DS, SCHEMA)) {
        WebhookRegistry registry = registry(a);
        Webhook w =
            registry.create(
                WebhookDefinition.builder()
                    .name("fidelity")
                    .uri(receiver.url("/hook"))
                    .apiKey("fidelity-api-key-0123456789")
                    .events(UserEvents.UPDATED)
                    .build());
        TestWebhooks.markVerified(registry, w.id());
        registry.enable(w.id());
        webhookId = w.id();
        try (Dispatcher d = Dispatcher.builder().registry(registry).clock(clock).build()) {
          assertEquals(1, d.publish(event).count());
        }
      }
      // Instance B sends it.
      try (PostgresStore b = EmbeddedDb.store(DS, SCHEMA);
          Dispatcher d = Dispatcher.builder().registry(registry(b)).clock(clock).build()) {
        assertEquals(1, d.runDueNow());
        List<RecordedRequest> got = receiver.awaitRequests(1, Duration.ofSeconds(10));
        JsonNode sent = EXACT.readTree(got.get(0).body()).get("data");
        assertEquals(EXACT.readTree(EXACT.writeValueAsString(data)), sent, "the data sent");
        JsonNode logged =
            EXACT.readTree(
                EXACT.writeValueAsString(
                    d.deliveries(DeliveryQuery.builder().webhook(webhookId).build())
                        .get(0)
                        .event()
                        .data()));
        assertEquals(EXACT.readTree(EXACT.writeValueAsString(data)), logged, "the delivery log");
      }
    }
  }

  private WebhookRegistry registry(PostgresStore store) {
    return WebhookRegistry.builder()
        .store(store)
        .clock(clock)
        .allowInsecureLoopbackForDevelopment(true)
        .build();
  }
}
