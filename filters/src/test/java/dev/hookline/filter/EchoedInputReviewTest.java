package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import dev.hookline.internal.Printable;
import org.junit.jupiter.api.Test;

/**
 * Filters come from customers through APIs, and their errors go back to them and into logs. Most
 * messages quote the input clipped to 60 characters with control characters replaced ({@code
 * Problem.quote}), but three echoed it whole: the JSON form's pointer and unknown operators (a
 * 5,000-character key came back twice, 10,000 characters, and a key holding a line break put the
 * break into the message), an unknown field or unexpected word of the text form (up to 4,096
 * characters), and a character outside the BMP, of which the text form's "unexpected character"
 * showed only the first half of its surrogate pair.
 */
class EchoedInputReviewTest {
  private static final int BOUND = 400;

  @Test
  void aLongJsonOperatorIsClippedInTheMessage() {
    String key = "$" + "x".repeat(5000);
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parseJson("{\"" + key + "\": 1}"));
    assertTrue(e.getMessage().length() < BOUND, () -> e.getMessage().length() + " characters");
    assertTrue(e.getMessage().contains("unknown operator"), e::getMessage);
  }

  @Test
  void aLongJsonFieldIsClippedInThePointer() {
    String key = "data." + "x".repeat(3000) + "!";
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parseJson("{\"" + key + "\": 1}"));
    assertTrue(e.getMessage().length() < BOUND, () -> e.getMessage().length() + " characters");
    assertTrue(e.getMessage().startsWith("at /data.xxx"), e::getMessage);
  }

  @Test
  void aLineBreakInAJsonKeyDoesNotReachTheMessage() {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> Filters.parseJson("{\"$or\": [{\"$bad\\nWARN forged log line\": 1}]}"));
    assertFalse(e.getMessage().contains("\n"), e::getMessage);
    assertTrue(e.getMessage().contains("at /$or/0/$bad?WARN"), e::getMessage);
  }

  @Test
  void aLongUnknownFieldIsClippedInTheMessage() {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class, () -> Filters.parse("f" + "o".repeat(4000) + " == 1"));
    assertTrue(e.getMessage().length() < BOUND, () -> e.getMessage().length() + " characters");
    assertTrue(e.problem().startsWith("unknown field 'fooo"), e::getMessage);
  }

  @Test
  void aLongUnexpectedWordIsClippedInTheMessage() {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class, () -> Filters.parse("data.x == 1 " + "y".repeat(4000)));
    assertTrue(e.getMessage().length() < BOUND, () -> e.getMessage().length() + " characters");
    assertTrue(e.problem().contains("but found 'yyy"), e::getMessage);
  }

  @Test
  void anUnexpectedCharacterOutsideTheBmpIsShownWhole() {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parse("data.x == 1 \uD83D\uDE00"));
    assertTrue(e.problem().contains("unexpected character '\uD83D\uDE00'"), e::getMessage);
  }

  /**
   * Problem.clip promises never to give half of a surrogate pair, but a lone surrogate in the input
   * (a string literal's {@code \\ud800} escape, or the raw character) was echoed as it was: the
   * registry's violation carried it to the admin API, whose UTF-8 JSON writes it as an escaped lone
   * surrogate that strict JSON parsers refuse, and a log line as '?'.
   */
  @Test
  void aLoneSurrogateInTheInputDoesNotReachTheMessage() {
    for (String filter :
        new String[] {
          "data.x \"\\ud800\"",
          "data.x == 1 and data.y \"a\uDC00b\"",
          "changed(\"\\ud83d\")",
          "{\"$changed\": [\"\\ud800\"]}"
        }) {
      InvalidFilterException e =
          assertThrows(
              InvalidFilterException.class,
              () -> {
                if (filter.startsWith("{")) {
                  Filters.parseJson(filter);
                } else {
                  Filters.parse(filter);
                }
              },
              filter);
      assertFalse(
          Printable.hasUnpairedSurrogate(e.getMessage()), () -> filter + ": " + e.getMessage());
      assertTrue(e.getMessage().matches("(?s).*\"a?\\?b?\".*"), e::getMessage);
    }
    // a proper pair is still shown
    InvalidFilterException pair =
        assertThrows(InvalidFilterException.class, () -> Filters.parse("data.x \"\uD83D\uDE00\""));
    assertTrue(pair.getMessage().contains("\"\uD83D\uDE00\""), pair::getMessage);
  }
}
