package dev.hookline.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * 10,000 random mutations of valid requests: every one must end in {@link
 * WebhookVerificationException}, never in another exception and never in acceptance. Each unmutated
 * request is then verified, to show the rejection came from the mutation.
 */
class MutationTest {
  private static final int MUTATIONS = 10_000;
  private static final long SEED = 0x600DF00DL;
  private static final int MAX_BODY = 8 * 1024;
  private static final List<String> SIGNED_HEADERS =
      List.of("Authorization", "webhook-id", "webhook-timestamp", "webhook-signature");

  enum Kind {
    FLIP_BODY,
    FLIP_ID,
    FLIP_TIMESTAMP,
    FLIP_SIGNATURE,
    FLIP_API_KEY,
    TRUNCATE_HEADER,
    TRUNCATE_BODY,
    EXTEND_BODY,
    DUPLICATE_HEADER,
    NON_BASE64_SIGNATURE,
    OVERSIZED_HEADER,
    OVERSIZED_BODY,
    MISSING_HEADER,
    SIGNATURE_OF_ANOTHER_REQUEST
  }

  private final Random random = new Random(SEED);
  private final WebhookVerifier verifier =
      WebhookVerifier.builder()
          .apiKey(Requests.API_KEY)
          .signingSecret(Requests.SECRET)
          .clock(ManualClock.at(Requests.NOW))
          .maxBodyBytes(MAX_BODY)
          .build();

  @Test
  void everyMutationOfAValidRequestIsRefusedWithAVerificationException() {
    Map<Kind, Map<Reason, Integer>> outcomes = new EnumMap<>(Kind.class);
    for (int i = 0; i < MUTATIONS; i++) {
      String id = "evt_" + Long.toHexString(random.nextLong());
      byte[] body = body(id);
      Map<String, List<String>> headers = Requests.headers(id, body);
      Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
      Map<String, List<String>> mutatedHeaders = Requests.copy(headers);
      byte[] mutatedBody = mutate(kind, mutatedHeaders, body.clone());
      assertFalse(
          mutatedHeaders.equals(headers) && Arrays.equals(mutatedBody, body),
          "mutation " + i + " (" + kind + ") changed nothing");

      try {
        Notification accepted = verifier.verify(mutatedHeaders, mutatedBody);
        fail("mutation " + i + " (" + kind + ", seed " + SEED + ") was accepted: " + accepted);
      } catch (WebhookVerificationException e) {
        outcomes
            .computeIfAbsent(kind, k -> new EnumMap<>(Reason.class))
            .merge(e.reason(), 1, Integer::sum);
      } catch (RuntimeException | Error e) {
        throw new AssertionError(
            "mutation " + i + " (" + kind + ", seed " + SEED + ") threw " + e, e);
      }
      assertEquals(id, verifier.verify(headers, body).id(), "the unmutated request verifies");
    }

    Map<String, Map<Reason, Integer>> table = new TreeMap<>();
    outcomes.forEach((k, v) -> table.put(k.name(), v));
    System.out.println("Mutation outcomes (kind -> reason counts): " + table);
    int total = outcomes.values().stream().flatMap(m -> m.values().stream()).mapToInt(n -> n).sum();
    assertEquals(MUTATIONS, total);
    for (Kind kind : Kind.values()) {
      assertTrue(outcomes.containsKey(kind), "kind never drawn: " + kind);
    }
    assertTrue(
        outcomes.getOrDefault(Kind.OVERSIZED_BODY, Map.of()).containsKey(Reason.BODY_TOO_LARGE));
    assertTrue(
        outcomes
            .getOrDefault(Kind.DUPLICATE_HEADER, Map.of())
            .containsKey(Reason.MALFORMED_HEADER));
    assertTrue(
        outcomes.getOrDefault(Kind.FLIP_BODY, Map.of()).containsKey(Reason.INVALID_SIGNATURE));
  }

  private byte[] body(String id) {
    // vary the size and content a little: up to ~2 KB of data
    StringBuilder extra = new StringBuilder();
    int n = random.nextInt(40);
    for (int k = 0; k < n; k++) {
      extra
          .append(",\"k")
          .append(k)
          .append("\":\"")
          .append(Long.toString(random.nextLong(), 36))
          .append("\"");
    }
    return ("{\"id\":\""
            + id
            + "\",\"type\":\"user.updated\",\"timestamp\":\"2026-11-22T10:15:30.123Z\",\"data\":"
            + "{\"userId\":\"u_1\",\"email\":\"ada@example.com\""
            + extra
            + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private byte[] mutate(Kind kind, Map<String, List<String>> h, byte[] body) {
    switch (kind) {
      case FLIP_BODY -> {
        int at = random.nextInt(body.length);
        body[at] ^= (byte) (1 + random.nextInt(255));
        return body;
      }
      case FLIP_ID -> flip(h, "webhook-id", 0);
      case FLIP_TIMESTAMP -> flip(h, "webhook-timestamp", 0);
      case FLIP_SIGNATURE -> flip(h, "webhook-signature", 0);
      case FLIP_API_KEY -> flip(h, "Authorization", "Bearer ".length());
      case TRUNCATE_HEADER -> {
        String name = pick(SIGNED_HEADERS);
        String value = single(h, name);
        h.put(name, List.of(value.substring(0, random.nextInt(value.length()))));
      }
      case TRUNCATE_BODY -> {
        return Arrays.copyOf(body, random.nextInt(body.length));
      }
      case EXTEND_BODY -> {
        byte[] longer = Arrays.copyOf(body, body.length + 1 + random.nextInt(16));
        for (int k = body.length; k < longer.length; k++) {
          longer[k] = (byte) " \n\t}x0".charAt(random.nextInt(6));
        }
        return longer;
      }
      case DUPLICATE_HEADER -> {
        String name = pick(SIGNED_HEADERS);
        String value = single(h, name);
        switch (random.nextInt(3)) {
          case 0 -> Requests.values(h, name).add(value);
          case 1 -> Requests.values(h, name).add(value + "x");
          default -> h.put(name.toUpperCase(Locale.ROOT), new ArrayList<>(List.of(value)));
        }
      }
      case NON_BASE64_SIGNATURE -> {
        String junk = "!*%$#@^&()[]{}<>?\u00e9\u4e2d \t";
        StringBuilder sb = new StringBuilder(random.nextBoolean() ? "v1," : "");
        int length = 1 + random.nextInt(60);
        for (int k = 0; k < length; k++) {
          sb.append(junk.charAt(random.nextInt(junk.length())));
        }
        h.put("webhook-signature", List.of(sb.toString()));
      }
      case OVERSIZED_HEADER -> {
        String name = pick(SIGNED_HEADERS);
        int size = 5_000 + random.nextInt(200_000);
        String value = single(h, name);
        h.put(
            name,
            List.of(value + (name.equals("webhook-signature") ? " v1," : "") + "A".repeat(size)));
      }
      case OVERSIZED_BODY -> {
        // whitespace keeps it valid JSON; only its size is wrong
        String text = new String(body, StandardCharsets.UTF_8);
        String padded =
            text.substring(0, text.length() - 1)
                + " ".repeat(MAX_BODY - body.length + 1 + random.nextInt(10_000))
                + "}";
        return padded.getBytes(StandardCharsets.UTF_8);
      }
      case MISSING_HEADER -> {
        String name = pick(SIGNED_HEADERS);
        if (random.nextBoolean()) {
          h.remove(name);
        } else {
          h.put(name, List.of(""));
        }
      }
      case SIGNATURE_OF_ANOTHER_REQUEST -> {
        String otherId = "evt_other" + random.nextInt(1000);
        h.put(
            "webhook-signature",
            List.of(
                Requests.sign(
                    Requests.SECRET, otherId, Requests.NOW.getEpochSecond(), body(otherId))));
      }
    }
    return body;
  }

  /** Changes one character at or after {@code from} to a different one (any char up to 0xFF). */
  private void flip(Map<String, List<String>> h, String name, int from) {
    char[] chars = single(h, name).toCharArray();
    int at = from + random.nextInt(chars.length - from);
    chars[at] = (char) ((chars[at] ^ (1 + random.nextInt(255))) & 0xFF);
    h.put(name, List.of(new String(chars)));
  }

  private static String single(Map<String, List<String>> h, String name) {
    return Requests.values(h, name).get(0);
  }

  private String pick(List<String> names) {
    return names.get(random.nextInt(names.size()));
  }
}
