package dev.hookline.set;

import static dev.hookline.set.Fixtures.ISSUER;
import static dev.hookline.set.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.EventValidationException;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.receiver.set.SecurityEvent;
import dev.hookline.receiver.set.SecurityEventTokenVerifier;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Review round 19: event data whose object holds a key longer than JSON parsers read by default
 * (Jackson's {@code StreamReadConstraints} name limit: 50,000 bytes of UTF-8 read from bytes) was
 * accepted by {@code Event.build()} and {@code publish} (a 60 KB key fits the default 256 KiB
 * payload), and the Security Event Token format wrote it, but a default {@code
 * SecurityEventTokenVerifier} refused every attempt's token as {@code MALFORMED_BODY} ("the token's
 * claims is not base64url JSON"), answered 400 {@code invalid_request}: the delivery was retried
 * until it failed, with nothing the sender could change. The PostgreSQL store, which reads data
 * back with Jackson too, could not read such an event for a claim either. As for numbers and
 * nesting, whatever {@code Event.build()} accepts, the token carries and the receiver reads.
 */
class LongDataKeyReviewTest {
  private static final String AUDIENCE = "urn:hookline:long-key";

  @ParameterizedTest(name = "a key of {0} x ''{1}'' at depth {2}")
  @CsvSource({
    "50000, k, 1", // 50,000 bytes: the longest a parser reads
    "50001, k, 1",
    "25000, é, 1", // 50,000 bytes in 25,000 characters
    "25001, é, 1", // 50,002 bytes in 25,001 characters: under the limit counted in characters
    "60000, k, 3"
  })
  void whatEventBuildAcceptsTheTokenCarriesAndTheReceiverReads(int repeat, String unit, int depth) {
    String key = unit.repeat(repeat);
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    ObjectNode at = data;
    for (int i = 1; i < depth; i++) {
      at = at.putObject("nested");
    }
    at.put(key, "value");
    Event event;
    try {
      event =
          Event.builder(UserEvents.UPDATED)
              .id("evt_long_key")
              .occurredAt(T0)
              .subject(Subject.user("user-42"))
              .data(data)
              .build();
    } catch (EventValidationException refused) {
      assertTrue(refused.hasViolation("data"), refused.getMessage());
      assertTrue(
          key.getBytes(StandardCharsets.UTF_8).length > 50_000,
          "a key the receiver reads was refused: " + refused.getMessage());
      assertTrue(refused.getMessage().contains("50000"), refused.getMessage());
      assertTrue(refused.getMessage().length() < 1_000, "the key is not quoted whole");
      return;
    }
    ManualClock clock = ManualClock.at(T0);
    InMemorySigningKeys keys = InMemorySigningKeys.of(Fixtures.EC_1, clock, Duration.ofDays(1));
    SecurityEventTokenFormat format =
        SecurityEventTokenFormat.builder().issuer(ISSUER).signingKeys(keys).build();
    Webhook webhook = Fixtures.webhook("https://rp.example/hook", Optional.of(AUDIENCE));
    String token = format.token(event, webhook, T0);
    SecurityEventTokenVerifier verifier =
        SecurityEventTokenVerifier.builder()
            .allowWithoutApiKey()
            .jwks(keys.jwks().json())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .clock(clock)
            .build();
    SecurityEvent received = verifier.verify(Map.of(), token.getBytes(StandardCharsets.US_ASCII));
    assertEquals(event.data(), received.data());
  }
}
