package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookValidationException;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A webhook's name, description or token audience with an unpaired surrogate (half of a UTF-16
 * pair, which no UTF-8 text holds) was accepted by {@code create}: the in-memory store kept it, the
 * PostgreSQL store kept a '?' in its place. For the audience that is the {@code aud} of every token
 * the webhook gets, so on PostgreSQL a listener configured with the audience its owner set refused
 * them all (WRONG_AUDIENCE) until each delivery failed; the admin API lets a tenant set all three
 * (JSON's {@code "\ud800"}). Refused, naming the field, as a control character is.
 */
class WebhookTextSurrogateTest {
  private static final String SCHEMA = "webhook_text_surrogate";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

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

  @ParameterizedTest(name = "{0} store, {1}")
  @CsvSource({
    "memory, name",
    "memory, description",
    "memory, audience",
    "postgres, name",
    "postgres, description",
    "postgres, audience"
  })
  void anUnpairedSurrogateIsRefusedAtCreate(String kind, String field) {
    EmbeddedDb.truncate(DS, SCHEMA);
    try (Store store =
        kind.equals("postgres") ? EmbeddedDb.store(DS, SCHEMA) : new InMemoryStore()) {
      WebhookRegistry registry =
          WebhookRegistry.builder().store(store).allowInsecureLoopbackForDevelopment(true).build();
      String odd = "urn:listener:\uD800";
      WebhookDefinition.Builder b =
          WebhookDefinition.builder()
              .name(field.equals("name") ? odd : "surrogates")
              .description(field.equals("description") ? odd : "")
              .uri("http://127.0.0.1:9/hook")
              .apiKey("surrogate-api-key-0123456789")
              .events(UserEvents.CREATED)
              .format(WebhookFormat.SECURITY_EVENT_TOKEN)
              .audience(field.equals("audience") ? odd : "urn:listener");
      try {
        Webhook w = registry.create(b.build());
        Webhook stored = registry.require(w.id());
        String value =
            switch (field) {
              case "name" -> stored.name();
              case "description" -> stored.description();
              default -> stored.audience().orElse("");
            };
        fail(
            kind
                + ": accepted; the store gives back "
                + (value.equals(odd) ? "the same text" : "'" + value + "'"));
      } catch (WebhookValidationException e) {
        assertTrue(e.hasViolation(field), e.getMessage());
      }
    }
  }
}
