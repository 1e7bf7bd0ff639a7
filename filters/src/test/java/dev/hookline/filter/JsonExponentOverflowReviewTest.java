package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jackson reads a JSON number whose exponent does not fit an {@code int} ({@code 1e21474836470},
 * eleven characters, well within the 64 a number may have) by throwing {@code
 * NumberFormatException}, which {@link Filters#parseJson} let through: an API taking JSON filters
 * from customers answered such a body with an unchecked exception instead of an {@link
 * InvalidFilterException} saying what is wrong.
 */
class JsonExponentOverflowReviewTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"data.n\": 1e21474836470}",
        "{\"data.n\": {\"$in\": [1, -2.5e-99999999999]}}",
        "{\"$or\": [{\"data.n\": {\"$gt\": 100e21474836401}}]}"
      })
  void anExponentBeyondIntIsAnInvalidFilter(String json) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> Filters.parseJson(json));
    assertTrue(e.problem().startsWith("malformed JSON: "), e::getMessage);
    assertTrue(e.problem().contains("a power of ten within 10^±1000"), e::getMessage);
  }
}
