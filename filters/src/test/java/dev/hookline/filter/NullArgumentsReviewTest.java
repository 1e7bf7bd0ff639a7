package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.EventType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A null attribute given to {@code Filters.changed} failed with a {@code NullPointerException} that
 * said nothing ({@code List.of} carries no message), and a null {@code EventType} given to {@code
 * Filters.type} with one naming the code ("because types[i] is null"), where every other factory
 * names its argument.
 */
class NullArgumentsReviewTest {
  private static void assertNamed(String argument, Executable call) {
    NullPointerException e = assertThrows(NullPointerException.class, call);
    assertEquals(argument, e.getMessage());
  }

  @Test
  void filterFactoriesNameTheNullArgument() {
    assertNamed("attribute", () -> Filters.changed("email", null));
    assertNamed("attributes", () -> Filters.changed((String[]) null));
    assertNamed("type", () -> Filters.type("user.created", null));
    assertNamed("type", () -> Filters.type((EventType) null));
    assertNamed("filter", () -> Filters.allOf(Filters.parse("true"), null));
  }
}
