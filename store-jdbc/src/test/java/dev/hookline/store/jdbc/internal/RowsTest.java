package dev.hookline.store.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.ErrorKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The JSON the store appends to a delivery's attempts. */
class RowsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the store wrote before the attempt was streamed: the same text, byte for byte. */
  private static String asTree(Attempt a) throws Exception {
    ObjectNode o = JSON.createObjectNode();
    o.put("number", a.number());
    o.put("started_at", a.startedAt().toString());
    o.put("duration", a.duration().toString());
    a.statusCode().ifPresent(s -> o.put("status", s));
    a.error().ifPresent(k -> o.put("error", k.name()));
    o.put("response_body", a.responseBody());
    o.put("detail", a.detail());
    ArrayNode arr = JSON.createArrayNode();
    arr.add(o);
    return JSON.writeValueAsString(arr);
  }

  @Test
  void anAttemptIsWrittenExactlyAsTheTreeWroteIt() throws Exception {
    Instant t = Instant.parse("2026-11-30T09:45:12.123456789Z");
    List<Attempt> attempts =
        List.of(
            Attempt.response(1, t, Duration.ofMillis(3), 204, ""),
            Attempt.response(2, Instant.EPOCH, Duration.ofSeconds(30), 500, "{\"error\":\"oops\"}"),
            new Attempt(
                3,
                t,
                Duration.ofNanos(1_500),
                OptionalInt.empty(),
                Optional.of(ErrorKind.TIMEOUT),
                "",
                "no answer within 10 s"),
            new Attempt(
                4,
                t.plusSeconds(86_400L * 365 * 8000),
                Duration.ZERO,
                OptionalInt.of(410),
                Optional.empty(),
                "quotes \" backslash \\ tab \t newline \n control \u0001 é ünïcødé 😀 </script>",
                "detail with \u2028 line separator"));
    for (Attempt a : attempts) {
      assertEquals(asTree(a), Rows.attemptArray(a), "attempt " + a.number());
    }
  }
}
