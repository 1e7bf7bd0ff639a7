package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.internal.Printable;
import dev.hookline.store.InMemoryStore;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Violations quote some of what was refused (an unknown event type's name, where in the data an
 * event breaks a rule), clipped to 100 characters. The clip cut a surrogate pair in two when the
 * 100th character was its first half, and an event type name holding a lone surrogate was quoted as
 * it was: the violation then held half a pair, which the admin API's UTF-8 JSON writes as an
 * escaped lone surrogate that strict parsers refuse, and a log line as '?'.
 */
class EchoedSurrogateReviewTest {
  private static final String EMOJI = "\uD83D\uDE00";

  private static WebhookValidationException createWithEventName(String name) {
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    return assertThrows(
        WebhookValidationException.class,
        () ->
            registry.create(
                WebhookDefinition.builder()
                    .name("echo")
                    .uri("https://1.1.1.1/hook")
                    .apiKey("echo-api-key-0123456789")
                    .eventNames(List.of(name))
                    .build()));
  }

  @Test
  void aLongUnknownEventTypeIsNotClippedInsideASurrogatePair() {
    WebhookValidationException e = createWithEventName("a".repeat(99) + EMOJI + "b");
    assertTrue(e.hasViolation("events"), e::getMessage);
    assertFalse(Printable.hasUnpairedSurrogate(e.getMessage()), e::getMessage);
    assertTrue(e.getMessage().contains("'" + "a".repeat(99) + "…'"), e::getMessage);
  }

  @Test
  void aLoneSurrogateInAnUnknownEventTypeIsShownAsAQuestionMark() {
    WebhookValidationException e = createWithEventName("user.x\uD800y");
    assertFalse(Printable.hasUnpairedSurrogate(e.getMessage()), e::getMessage);
    assertTrue(e.getMessage().contains("'user.x?y'"), e::getMessage);
    // a proper pair is shown as it is
    WebhookValidationException pair = createWithEventName("user." + EMOJI);
    assertTrue(pair.getMessage().contains("'user." + EMOJI + "'"), pair::getMessage);
  }

  @Test
  void aLongPointerToBadDataIsNotClippedInsideASurrogatePair() {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    // "/" and 98 characters, then the pair at the 100th and 101st
    data.putObject("a".repeat(98) + EMOJI).put("ratio", Double.NaN);
    EventValidationException e =
        assertThrows(
            EventValidationException.class,
            () ->
                Event.builder(UserEvents.UPDATED)
                    .user("usr_1")
                    .occurredAt(Instant.parse("2026-11-22T10:15:30Z"))
                    .data(data)
                    .build());
    assertTrue(e.hasViolation("data"), e::getMessage);
    assertFalse(Printable.hasUnpairedSurrogate(e.getMessage()), e::getMessage);
    assertTrue(e.getMessage().contains("/" + "a".repeat(98) + "..."), e::getMessage);
  }
}
