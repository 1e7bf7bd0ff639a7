package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@link SetClaims#AKAMAI_IDENTITY_CLOUD} shape has the claims of Akamai Identity Cloud
 * Webhooks v3's documented sample token, names and JSON types, and maps the event types as
 * documented.
 */
class AkamaiClaimsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

  /**
   * The structure of the sample payload on Akamai's "Security Event Token Payloads" page, values
   * replaced by placeholders of the same JSON type.
   */
  private static final String AKAMAI_SAMPLE =
      "{\"iss\":\"s\",\"iat\":1,\"jti\":\"s\",\"aud\":\"s\",\"txn\":\"s\",\"toe\":1,"
          + "\"events\":{\"entityUpdated\":{\"attributes\":[\"s\"],\"captureApplicationId\":\"s\","
          + "\"captureClientId\":\"s\",\"entityType\":\"s\",\"globalSub\":\"s\",\"sub\":\"s\","
          + "\"id\":\"s\"}}}";

  private static SecurityEventTokenFormat.Builder akamai() {
    return SecurityEventTokenFormat.builder()
        .issuer(ISSUER)
        .signingKeys(InMemorySigningKeys.of(Fixtures.EC_1, ManualClock.at(T0), Duration.ZERO))
        .claims(SetClaims.AKAMAI_IDENTITY_CLOUD);
  }

  private static JsonNode claims(SecurityEventTokenFormat f, Event e, Webhook w) throws Exception {
    String token = f.token(e, w, T0.plusSeconds(5));
    return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.", -1)[1]));
  }

  private static Webhook webhook() {
    return Fixtures.webhook("https://rp.example/hook", Optional.empty());
  }

  @Test
  void aUserUpdatedTokenHasTheClaimNamesAndTypesOfAkamaisSample() throws Exception {
    JsonNode claims = claims(akamai().build(), Fixtures.updated("evt_akamai", T0), webhook());

    ObjectNode expected = (ObjectNode) JSON.readTree(AKAMAI_SAMPLE);
    // No Hookline counterpart: the API client that made the change, and Akamai's capture-v1 URI.
    ObjectNode event = (ObjectNode) expected.get("events").get("entityUpdated");
    event.remove(List.of("captureClientId", "globalSub"));
    assertEquals(shape(expected).toString(), shape(claims).toString());
  }

  @Test
  void aUserUpdatedTokenCarriesTheSubjectTheChangedAttributesAndTheEventId() throws Exception {
    JsonNode claims = claims(akamai().build(), Fixtures.updated("evt_akamai", T0), webhook());

    assertEquals(ISSUER, claims.get("iss").asText());
    assertEquals(T0.plusSeconds(5).getEpochSecond(), claims.get("iat").asLong());
    assertEquals("https://rp.example/hook", claims.get("aud").asText());
    assertEquals(T0.getEpochSecond(), claims.get("toe").asLong());
    assertTrue(UUID.matcher(claims.get("jti").asText()).matches(), claims.toString());
    assertTrue(UUID.matcher(claims.get("txn").asText()).matches(), claims.toString());
    JsonNode event = claims.get("events").get("entityUpdated");
    assertEquals("[\"email\",\"profile.locale\"]", event.get("attributes").toString());
    assertEquals("app-7", event.get("captureApplicationId").asText());
    assertEquals("user", event.get("entityType").asText());
    assertEquals("user-42", event.get("sub").asText());
    assertEquals("evt_akamai", event.get("id").asText());
    assertFalse(claims.toString().contains("acme"), "the tenant is not sent");
    assertFalse(claims.toString().contains("ada@example.com"), "nor is the event's data");
  }

  @Test
  void theJtiIsOnePerNotificationTheSameOnEveryRetryAndTxnOnePerEvent() throws Exception {
    SecurityEventTokenFormat f = akamai().build();
    Event e = Fixtures.updated("evt_jti", T0);
    Webhook w = webhook();
    String first = f.token(e, w, T0);
    String retry = f.token(e, w, T0.plus(Duration.ofMinutes(3)));
    JsonNode a = decode(first);
    JsonNode b = decode(retry);
    assertNotEquals(first, retry);
    assertEquals(a.get("jti"), b.get("jti"), "a retry is the same notification");
    assertEquals(a.get("txn"), b.get("txn"));

    Webhook other =
        new Webhook(
            "wh_other",
            w.tenant(),
            w.name(),
            w.description(),
            w.uri(),
            w.apiKey(),
            w.events(),
            w.filter(),
            w.format(),
            w.audience(),
            w.status(),
            w.enabled(),
            w.statusReason(),
            w.signingSecrets(),
            w.createdAt(),
            w.updatedAt(),
            w.version());
    JsonNode toOther = claims(f, e, other);
    assertNotEquals(a.get("jti"), toOther.get("jti"), "another webhook, another notification");
    assertEquals(a.get("txn"), toOther.get("txn"), "the same event: the same transaction");
    assertNotEquals(a.get("jti"), claims(f, Fixtures.updated("evt_jti2", T0), w).get("jti"));
    assertNotEquals("evt_jti", a.get("jti").asText(), "the event id is events.*.id");
  }

  @Test
  void createdAndDeletedHaveAkamaisNamesAndNoAttributes() throws Exception {
    SecurityEventTokenFormat f = akamai().build();
    Event created =
        Event.builder(UserEvents.CREATED)
            .id("evt_c")
            .occurredAt(T0)
            .user("user-1")
            .data(JsonNodeFactory.instance.objectNode().put("email", "ada@example.com"))
            .build();
    assertEquals(
        "{\"entityCreated\":{\"entityType\":\"user\",\"sub\":\"user-1\",\"id\":\"evt_c\"}}",
        claims(f, created, webhook()).get("events").toString());
    Event deleted =
        Event.builder(UserEvents.DELETED)
            .id("evt_d")
            .occurredAt(T0)
            .subject(Subject.user("user-1").withApp("app-7"))
            .build();
    assertEquals(
        "{\"entityDeleted\":{\"captureApplicationId\":\"app-7\",\"entityType\":\"user\","
            + "\"sub\":\"user-1\",\"id\":\"evt_d\"}}",
        claims(f, deleted, webhook()).get("events").toString());
    Event updatedNothing =
        Event.builder(UserEvents.UPDATED).id("evt_u").occurredAt(T0).user("user-1").build();
    assertEquals(
        "[]",
        claims(f, updatedNothing, webhook())
            .get("events")
            .get("entityUpdated")
            .get("attributes")
            .toString(),
        "entityUpdated always lists its attributes");
  }

  @Test
  void typesAkamaiHasNoNameForKeepTheirHooklineUriAndTheTestIsAkamaisTest() throws Exception {
    Event login =
        Event.builder(UserEvents.LOGGED_IN)
            .id("evt_l")
            .occurredAt(T0)
            .subject(Subject.user("user-1").withApp("app-7").withTenant("acme"))
            .data(JsonNodeFactory.instance.objectNode().put("ip", "192.0.2.1"))
            .build();
    assertEquals(
        "{\"https://schemas.hookline.dev/secevent/user.logged_in\":{\"captureApplicationId\":"
            + "\"app-7\",\"entityType\":\"user\",\"sub\":\"user-1\",\"id\":\"evt_l\"}}",
        claims(akamai().build(), login, webhook()).get("events").toString());
    assertEquals(
        List.of("urn:example:secevent:user.logged_in"),
        names(
            claims(akamai().eventTypePrefix("urn:example:secevent:").build(), login, webhook())
                .get("events")));
    Event custom =
        Event.builder(EventType.of("order.paid", "Order paid"))
            .id("evt_o")
            .occurredAt(T0)
            .user("user-1")
            .changed("total")
            .build();
    assertEquals(
        "{\"https://schemas.hookline.dev/secevent/order.paid\":{\"attributes\":[\"total\"],"
            + "\"entityType\":\"user\",\"sub\":\"user-1\",\"id\":\"evt_o\"}}",
        claims(akamai().build(), custom, webhook()).get("events").toString());

    Event test =
        Event.builder(EventType.WEBHOOK_TEST)
            .id("evt_t")
            .occurredAt(T0)
            .user("hookline-test")
            .data(JsonNodeFactory.instance.objectNode().put("message", "hello"))
            .build();
    assertEquals(
        "{\"test\":{\"id\":\"evt_t\"}}",
        claims(akamai().build(), test, webhook()).get("events").toString());
  }

  @Test
  void theShapeIsRequired() {
    assertThrows(NullPointerException.class, () -> akamai().claims(null));
  }

  private static JsonNode decode(String token) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.", -1)[1]));
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** The JSON with every value replaced by its type, member order kept; arrays by their items. */
  private static JsonNode shape(JsonNode node) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (node.isObject()) {
      ObjectNode out = f.objectNode();
      node.properties().forEach(e -> out.set(e.getKey(), shape(e.getValue())));
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = f.arrayNode();
      node.forEach(item -> out.add(shape(item)));
      // one item's type stands for all: the sample lists one attribute, a token any number
      return out.isEmpty() ? out : f.arrayNode().add(out.get(0));
    }
    return f.textNode(node.getNodeType().name());
  }
}
