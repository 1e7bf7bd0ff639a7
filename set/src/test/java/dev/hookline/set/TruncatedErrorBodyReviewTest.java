package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.testing.ManualClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Review round 11: {@code errorCode(status, body)} gets the start of the response body, as much as
 * the dispatcher keeps ({@code maxResponseBytes}, 4096 by default, 0 to 16384). It parsed that
 * start as a whole JSON document, so a 400 whose RFC 8935 error body was longer than what was kept
 * (a receiver's long {@code description}, or a host keeping 256 bytes of each answer) was not JSON
 * any more: {@code err}, which comes first, was dropped and the attempt recorded as a bare "HTTP
 * 400".
 */
class TruncatedErrorBodyReviewTest {
  // EC, not Fixtures' RSA keys: generating those takes seconds on a busy machine
  private static final SigningKey KEY =
      SigningKey.generate("ec-err", SigningAlgorithm.ES256, new SecureRandom());

  private final SecurityEventTokenFormat format =
      SecurityEventTokenFormat.builder()
          .issuer("https://id.example.com")
          .signingKeys(
              InMemorySigningKeys.of(
                  KEY, ManualClock.at(Instant.parse("2026-11-22T10:00:00Z")), Duration.ofDays(1)))
          .build();

  @Test
  void theErrCodeOfAnErrorBodyCutShortIsStillRead() {
    String whole =
        "{\"err\":\"invalid_audience\",\"description\":\""
            + "the audience is wrong; ".repeat(300)
            + "\"}";
    String kept = whole.substring(0, 256);
    assertEquals(Optional.of("invalid_audience"), format.errorCode(400, kept));
    assertEquals(Optional.of("invalid_audience"), format.errorCode(400, whole));
  }

  @Test
  void anErrAfterTheCutOrNestedOrNotTextIsNotTakenForTheCode() {
    String description = "x".repeat(300);
    assertEquals(
        Optional.empty(),
        format.errorCode(
            400, ("{\"description\":\"" + description + "\",\"err\":\"late\"}").substring(0, 256)));
    assertEquals(
        Optional.empty(),
        format.errorCode(400, "{\"detail\":{\"err\":\"nested\"},\"x\":\"" + description));
    assertEquals(Optional.empty(), format.errorCode(400, "{\"err\":{\"code\":\"invalid_key\"}"));
    assertEquals(Optional.empty(), format.errorCode(400, "[{\"err\":\"in_an_array\"}]"));
    assertEquals(Optional.empty(), format.errorCode(400, "{\"err\":\"unfinished"));
  }
}
