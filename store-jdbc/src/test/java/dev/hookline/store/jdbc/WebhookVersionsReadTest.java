package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.internal.WebhookVersions;
import dev.hookline.spi.SecretCipher;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL Store's reads for a dispatcher's reload of changed webhooks ({@link
 * WebhookVersions}): every webhook's id and version without decrypting a secret, then chosen
 * webhooks in full. Before them, every periodic reload (30 s by default, on every instance) read
 * every row and decrypted every secret.
 */
class WebhookVersionsReadTest {
  private static final String SCHEMA = "webhook_versions";
  private static final SimpleConnectionPool POOL =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 6);
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private static final int WEBHOOKS = 40;

  private final AtomicInteger decrypts = new AtomicInteger();

  /** The tests' cipher, counting decryptions. */
  private final SecretCipher counting =
      new SecretCipher() {
        private final SecretCipher real = EmbeddedDb.cipher();

        @Override
        public String encrypt(String plaintext, String context) {
          return real.encrypt(plaintext, context);
        }

        @Override
        public String decrypt(String ciphertext, String context) {
          decrypts.incrementAndGet();
          return real.decrypt(ciphertext, context);
        }
      };

  @BeforeEach
  void freshSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(POOL, SCHEMA);
    POOL.close();
  }

  private PostgresStore store() {
    return PostgresStore.builder(POOL).schema(SCHEMA).secretCipher(counting).build();
  }

  @Test
  void versionsDecryptNothingAndTheChosenWebhooksAreReadInFull() throws Exception {
    try (PostgresStore store = store()) {
      for (int i = 0; i < WEBHOOKS; i++) {
        store.insertWebhook(Fixtures.webhook("wh_" + i, T0));
      }
      WebhookVersions.Reader reader = WebhookVersions.of(store).orElseThrow();
      decrypts.set(0);

      Map<String, Long> versions = reader.versions(store);
      assertEquals(
          store.listWebhooks().stream().collect(Collectors.toMap(Webhook::id, Webhook::version)),
          versions);
      int perList = decrypts.getAndSet(0);
      assertTrue(perList >= WEBHOOKS, "a full list decrypts each webhook's secrets: " + perList);

      versions = reader.versions(store);
      assertEquals(WEBHOOKS, versions.size());
      assertEquals(0, decrypts.get(), "listing versions decrypted secrets");

      // More ids than one statement takes (1,000), most of them not stored.
      List<String> ids = new ArrayList<>();
      ids.add("wh_3");
      for (int i = 0; i < 1_100; i++) {
        ids.add("wh_missing_" + i);
      }
      ids.add("wh_7");
      List<Webhook> read = reader.read(store, ids);
      assertEquals(Set.of("wh_3", "wh_7"), read.stream().map(Webhook::id).collect(toSet()));
      assertEquals(
          store.findWebhook("wh_7").orElseThrow(),
          read.stream().filter(w -> w.id().equals("wh_7")).findFirst().orElseThrow());
      assertTrue(decrypts.get() <= 3 * perList / WEBHOOKS, "decrypts: " + decrypts.get());

      // A row whose secret cannot be decrypted is left out, as a full list leaves it out.
      try (Connection c = POOL.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE \"" + SCHEMA + "\".webhooks SET api_key_enc = ? WHERE id = ?")) {
        ps.setString(1, "not a ciphertext");
        ps.setString(2, "wh_5");
        assertEquals(1, ps.executeUpdate());
      }
      read = reader.read(store, List.of("wh_4", "wh_5", "wh_6"));
      assertEquals(Set.of("wh_4", "wh_6"), read.stream().map(Webhook::id).collect(toSet()));
      assertFalse(store.listWebhooks().stream().anyMatch(w -> w.id().equals("wh_5")));
    }
  }

  private static <T> java.util.stream.Collector<T, ?, Set<T>> toSet() {
    return Collectors.toSet();
  }

  /**
   * Two instances on one database; the second is not started, so its reloads run before its
   * publishes once its view is older than the reload interval (1 ms here): each is a reload of the
   * changes. A webhook disabled, deleted or created on the first is seen by the second.
   */
  @Test
  void anotherInstancesChangesAreSeenByAReloadOfTheChanges() {
    ManualClock clock = ManualClock.at(T0);
    try (PostgresStore aStore = store();
        PostgresStore bStore = store()) {
      WebhookRegistry a = registry(aStore, clock);
      List<Webhook> made = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        made.add(receiving(a, i));
      }
      try (Dispatcher b =
          Dispatcher.builder()
              .registry(registry(bStore, clock))
              .clock(clock)
              .webhookReloadInterval(Duration.ofMillis(1))
              .shutdownTimeout(Duration.ofSeconds(1))
              .build()) {
        AtomicInteger n = new AtomicInteger();
        java.util.function.Supplier<Set<String>> publish =
            () ->
                Set.copyOf(
                    b.publish(
                            Event.builder(UserEvents.CREATED)
                                .id("evt_" + n.incrementAndGet())
                                .occurredAt(clock.instant())
                                .user("user-" + n.get())
                                .data(JsonNodeFactory.instance.objectNode().put("n", n.get()))
                                .build())
                        .webhookIds());
        assertEquals(5, publish.get().size());

        a.disable(made.get(0).id());
        a.delete(made.get(1).id());
        Webhook created = receiving(a, 99);
        Poll.until(
            Duration.ofSeconds(20),
            () -> {
              Set<String> routed = publish.get();
              return !routed.contains(made.get(0).id())
                  && !routed.contains(made.get(1).id())
                  && routed.contains(created.id())
                  && routed.size() == 4;
            },
            "the changes of another instance never reached a dispatcher reloading changes");
      }
    }
  }

  private static WebhookRegistry registry(PostgresStore store, ManualClock clock) {
    return WebhookRegistry.builder()
        .store(store)
        .clock(clock)
        .filterCompiler(Filters.compiler())
        .allowInsecureLoopbackForDevelopment(true)
        .build();
  }

  private static Webhook receiving(WebhookRegistry registry, int i) {
    Webhook w =
        registry.create(
            dev.hookline.WebhookDefinition.builder()
                .name("hook " + i)
                .uri("http://127.0.0.1:9/" + i)
                .apiKey(Fixtures.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    dev.hookline.testing.TestWebhooks.markVerified(registry, w.id());
    return registry.enable(w.id());
  }
}
