package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import dev.hookline.Violation;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookValidationException;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A number whose exponent is near the end of {@code int}'s range, {@code 100e2147483647}, passed
 * the lexer (a {@code BigDecimal} holds it) and then failed with {@code ArithmeticException:
 * Overflow} as the literal dropped its trailing zeros, past the exponent check of "within ±1000"
 * (which took {@code Math.abs} of the scale, negative for {@code Integer.MIN_VALUE}). So a
 * customer's filter made {@code WebhookRegistry.create} throw an unchecked exception instead of a
 * {@link WebhookValidationException} naming {@code filter}, and the same from the JSON form and
 * {@code Field.eq(BigDecimal)}.
 */
class NumberScaleOverflowReviewTest {
  @Test
  void theTextFormRefusesItAtItsPosition() {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parse("data.n == 100e2147483647"));
    assertEquals(11, e.column(), e::getMessage);
    assertTrue(e.problem().contains("is out of range"), e::getMessage);
  }

  @Test
  void theJsonFormRefusesItAtItsPointer() {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> Filters.parseJson("{\"data.n\": {\"$gt\": 100e2147483646}}"));
    assertTrue(e.getMessage().startsWith("at /data.n/$gt: number"), e::getMessage);
  }

  @Test
  void theJavaFormRefusesIt() {
    for (BigDecimal n :
        new BigDecimal[] {
          new BigDecimal(BigInteger.ONE, Integer.MIN_VALUE),
          new BigDecimal(BigInteger.TEN, Integer.MIN_VALUE + 1),
          new BigDecimal(BigInteger.valueOf(100), -Integer.MAX_VALUE)
        }) {
      InvalidFilterException e =
          assertThrows(InvalidFilterException.class, () -> Filters.field("data.n").eq(n));
      assertTrue(e.problem().contains("is out of range"), e::getMessage);
    }
  }

  @Test
  void theRegistryNamesTheFilter() {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(ManualClock.startingAtEpoch2026())
            .filterCompiler(Filters.compiler())
            .build();
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () ->
                registry.create(
                    WebhookDefinition.builder()
                        .name("CRM sync")
                        .uri("https://crm.example.com/hooks")
                        .apiKey("key-0123456789abcdef")
                        .events(Fixtures.CREATED)
                        .filter("data.seats > 100e2147483647")
                        .build()));
    Violation v = e.violations().get(0);
    assertEquals("filter", v.field());
    assertTrue(v.problem().startsWith("line 1, column 14: number"), v::problem);
    assertEquals(Set.of(), Set.copyOf(registry.list()));
  }
}
