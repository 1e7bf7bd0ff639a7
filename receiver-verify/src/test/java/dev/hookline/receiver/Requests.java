package dev.hookline.receiver;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds requests as the Hookline sender does, with a signing implementation written separately
 * from the one under test.
 */
final class Requests {
  static final Instant NOW = Instant.parse("2026-11-22T10:15:30Z");
  static final String API_KEY = "hk_3c1f0e2b9a8d7c6b5a4f3e2d1c0b9a8f";
  static final String OTHER_API_KEY = "hk_0000aaaa1111bbbb2222cccc3333dddd";
  static final String SECRET = secret(1);
  static final String OTHER_SECRET = secret(2);

  private Requests() {}

  /** A deterministic 32-byte {@code whsec_} secret. */
  static String secret(int seed) {
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (seed * 31 + i * 7);
    }
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  /** The body the sender posts. */
  static byte[] body(String id) {
    return ("{\"id\":\""
            + id
            + "\",\"type\":\"user.created\",\"timestamp\":\"2026-11-22T10:15:30.123Z\","
            + "\"data\":{\"userId\":\"u_42\",\"email\":\"ada@example.com\",\"name\":\"Ada Lovelace\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** {@code v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">}. */
  static String sign(String secret, String id, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
      byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
      byte[] content = new byte[prefix.length + body.length];
      System.arraycopy(prefix, 0, content, 0, prefix.length);
      System.arraycopy(body, 0, content, prefix.length, body.length);
      return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(content));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** Headers of a valid request signed with {@link #SECRET} at {@link #NOW}. */
  static Map<String, List<String>> headers(String id, byte[] body) {
    long ts = NOW.getEpochSecond();
    return headers(API_KEY, id, Long.toString(ts), sign(SECRET, id, ts, body));
  }

  /** A mutable header map (a plain map, so tests can also build case and duplicate variants). */
  static Map<String, List<String>> headers(
      String apiKey, String id, String timestamp, String signature) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Authorization", new ArrayList<>(List.of("Bearer " + apiKey)));
    h.put("Content-Type", new ArrayList<>(List.of("application/json")));
    h.put("webhook-id", new ArrayList<>(List.of(id)));
    h.put("webhook-timestamp", new ArrayList<>(List.of(timestamp)));
    h.put("webhook-signature", new ArrayList<>(List.of(signature)));
    return h;
  }

  /** The values of a header that the test put there. */
  static List<String> values(Map<String, List<String>> headers, String name) {
    return java.util.Objects.requireNonNull(headers.get(name), name);
  }

  /** A deep copy of a header map. */
  static Map<String, List<String>> copy(Map<String, List<String>> headers) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    headers.forEach((k, v) -> h.put(k, new ArrayList<>(v)));
    return h;
  }
}
