package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The builder promises that the data is copied ("later changes to data do not reach the event") and
 * the event is immutable; a tree holding Java objects (POJO nodes) or byte arrays (binary nodes)
 * kept sharing them with the caller.
 */
class EventDataReviewTest {
  private static Event.Builder event(ObjectNode data) {
    return Event.builder(UserEvents.UPDATED)
        .user("usr_1")
        .occurredAt(Instant.parse("2026-11-22T10:15:30Z"))
        .data(data);
  }

  @Test
  void dataHoldingAJavaObjectIsRefusedNamingTheField() {
    List<String> roles = new ArrayList<>(List.of("member"));
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.putObject("profile").putPOJO("roles", roles);
    EventValidationException e =
        assertThrows(EventValidationException.class, () -> event(data).build());
    assertTrue(e.hasViolation("data"), e.getMessage());
    assertTrue(e.getMessage().contains("/profile/roles"), e.getMessage());
  }

  @Test
  void dataHoldingBytesDoesNotShareThemWithTheCaller() {
    byte[] blob = {1, 2, 3};
    ObjectNode data = JsonNodeFactory.instance.objectNode().put("blob", blob);
    Event e = event(data).build();
    String before = e.data().toString();
    blob[0] = 9; // a later change by the caller
    assertEquals(before, e.data().toString(), "the caller's array reached the event");
  }

  /**
   * A number longer than JSON parsers read by default (Jackson's 1,000 characters) was written into
   * the body and the PostgreSQL store, whose claims then could not read the event back.
   */
  @Test
  void dataHoldingANumberTooLongToReadBackIsRefusedNamingTheField() {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.putArray("ids").add(new BigInteger("9".repeat(1001)));
    EventValidationException e =
        assertThrows(EventValidationException.class, () -> event(data).build());
    assertTrue(e.hasViolation("data"), e.getMessage());
    assertTrue(e.getMessage().contains("/ids/0"), e.getMessage());
    assertTrue(e.getMessage().contains("1000 characters"), e.getMessage());

    ObjectNode longest = JsonNodeFactory.instance.objectNode();
    longest.put("n", new BigDecimal("1." + "5".repeat(998)));
    assertEquals(1000, event(longest).build().data().get("n").asText().length());
  }

  /**
   * Review round 19: an object key longer than JSON parsers read by default (Jackson's 50,000 bytes
   * of UTF-8) was accepted: listeners could not parse the body or the Security Event Token carrying
   * it, nor the PostgreSQL store read the event back (LongDataKeyReviewTest in hookline-set).
   */
  @Test
  void dataHoldingAKeyTooLongToReadBackIsRefusedNamingTheField() {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.putObject("profile").put("\u00e9".repeat(25_001), 1); // 50,002 bytes, 25,001 chars
    EventValidationException e =
        assertThrows(EventValidationException.class, () -> event(data).build());
    assertTrue(e.hasViolation("data"), e.getMessage());
    assertTrue(e.getMessage().contains("/profile"), e.getMessage());
    assertTrue(e.getMessage().contains("50000 bytes"), e.getMessage());
    assertTrue(e.getMessage().length() < 1_000, "the key is not quoted");

    ObjectNode longest = JsonNodeFactory.instance.objectNode();
    longest.put("k".repeat(50_000), 1);
    assertEquals(1, event(longest).build().data().size());
    ObjectNode pairs = JsonNodeFactory.instance.objectNode();
    pairs.put("\ud83d\ude00".repeat(12_500), 1); // 50,000 bytes in surrogate pairs
    assertEquals(1, event(pairs).build().data().size());
  }
}
