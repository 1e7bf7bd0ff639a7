package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A number in filter text took any Unicode digit after its first ASCII one ({@code
 * Character.isDigit}), and {@code BigDecimal} read them as their values: {@code data.n == 1٣} (an
 * Arabic-Indic three) was {@code data.n == 13}, and {@code 2.٥} was 2.5, a filter that looks like
 * another than the one it is. Digits in filter text are ASCII, as in JSON, and the index segment
 * {@code [n]} already took only ASCII ones.
 */
class NonAsciiDigitsReviewTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "data.n == 1\u0663", // ARABIC-INDIC DIGIT THREE
        "data.n == 2.\u0665", // ARABIC-INDIC DIGIT FIVE after the point
        "data.n == 1e\u0662", // in the exponent
        "data.n == 1\uFF10", // FULLWIDTH DIGIT ZERO
        "data.n == 7\u0967" // DEVANAGARI DIGIT ONE
      })
  void aNumberTakesAsciiDigitsOnly(String text) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parse(text), text);
    assertEquals(1, e.line());
    assertEquals(11, e.column(), e::getMessage);
    assertTrue(e.problem().contains("malformed number"), e::getMessage);
    assertTrue(e.problem().contains("ASCII digits 0-9"), e::getMessage);
  }
}
