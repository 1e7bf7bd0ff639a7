package dev.hookline.delivery.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A format's headers are checked where it adds them, with a message saying what is wrong, instead
 * of failing each attempt later as an internal error that counts against the endpoint's health.
 */
class RenderedNotificationTest {
  private final RenderedNotification base =
      RenderedNotification.of("application/json", "{}".getBytes(StandardCharsets.UTF_8));

  @Test
  void aBlankNameIsRefusedAsBlank() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> base.withHeader(" ", "x"));
    assertEquals("a header name must not be blank", e.getMessage());
  }

  @Test
  void aNameThatIsNotAnHttpTokenIsRefusedNamingTheCharacter() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> base.withHeader("X-A b", "x"));
    assertTrue(e.getMessage().contains("'X-A b'"), e.getMessage());
    assertTrue(e.getMessage().contains("' '"), e.getMessage());
    assertTrue(e.getMessage().contains("letters, digits and"), e.getMessage());
    IllegalArgumentException colon =
        assertThrows(IllegalArgumentException.class, () -> base.withHeader("X-A:", "x"));
    assertTrue(colon.getMessage().contains("':'"), colon.getMessage());
  }

  @Test
  void aValueWithALineBreakIsRefusedNamingTheHeader() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> base.withHeader("X-A", "a\r\nb"));
    assertEquals(
        "the value of header 'X-A' holds the character U+000D; a value may hold no control"
            + " character but a tab",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> base.withHeader("X-A", "a\u0000"));
    assertThrows(
        IllegalArgumentException.class,
        () -> RenderedNotification.of("application/json\r\nX-Evil: 1", new byte[0]));
  }

  @Test
  void reservedNamesAreStillRefusedAndGoodHeadersKept() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> base.withHeader("Authorization", "x"));
    assertTrue(e.getMessage().contains("set by the dispatcher"), e.getMessage());
    RenderedNotification r = base.withHeader("X-Token-Type", "secevent+jwt;\tv=1");
    assertEquals(Map.of("X-Token-Type", "secevent+jwt;\tv=1"), r.headers());
  }
}
