package dev.hookline.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.standardwebhooks.Webhook;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Interoperability in both directions with the reference Java library of Standard Webhooks ({@code
 * com.standardwebhooks:standardwebhooks}): what it signs, we verify; what we accept, it accepts;
 * and what we refuse for a bad signature, it refuses too.
 */
class ReferenceLibraryInteropTest {
  private static final int CASES = 200;
  private final Random random = new Random(20261122L);

  @Test
  void whatTheReferenceLibrarySignsWeVerify() throws Exception {
    long ts = Requests.NOW.getEpochSecond();
    for (int i = 0; i < CASES; i++) {
      String secret = randomSecret();
      String id = randomId(i);
      String body = randomBody(id);
      String signature = new Webhook(secret).sign(id, ts, body);

      WebhookVerifier ours = verifier(secret, Instant.ofEpochSecond(ts));
      byte[] raw = body.getBytes(StandardCharsets.UTF_8);
      Notification n =
          ours.verify(Requests.headers(Requests.API_KEY, id, Long.toString(ts), signature), raw);
      assertEquals(id, n.id());
      assertArrayEquals(raw, n.rawBody());
    }
  }

  @Test
  void whatWeAcceptTheReferenceLibraryAccepts() throws Exception {
    // The reference library reads the system clock itself, so these requests are stamped now.
    long ts = Clock.systemUTC().instant().getEpochSecond();
    for (int i = 0; i < CASES; i++) {
      String secret = randomSecret();
      String id = randomId(i);
      String body = randomBody(id);
      byte[] raw = body.getBytes(StandardCharsets.UTF_8);
      String signature = Requests.sign(secret, id, ts, raw);
      if (i % 3 == 1) {
        // a rotation: a signature under a retired secret first, then the current one
        signature = Requests.sign(randomSecret(), id, ts, raw) + " " + signature;
      }
      Map<String, List<String>> headers =
          Requests.headers(Requests.API_KEY, id, Long.toString(ts), signature);

      WebhookVerifier ours = verifier(secret, Instant.ofEpochSecond(ts));
      assertEquals(id, ours.verify(headers, raw).id());

      Webhook reference = new Webhook(secret);
      reference.verify(body, headers);
      reference.verify(body, HttpHeaders.of(headers, (name, value) -> true));
    }
  }

  @Test
  void aSignatureWeRefuseTheReferenceLibraryRefuses() throws Exception {
    long ts = Clock.systemUTC().instant().getEpochSecond();
    for (int i = 0; i < CASES; i++) {
      String secret = randomSecret();
      String id = randomId(i);
      String body = randomBody(id);
      byte[] raw = body.getBytes(StandardCharsets.UTF_8);
      String good = Requests.sign(secret, id, ts, raw);
      char[] chars = good.toCharArray();
      int at = 3 + random.nextInt(chars.length - 5); // inside the base64, before the padding
      chars[at] = chars[at] == 'A' ? 'B' : 'A';
      Map<String, List<String>> headers =
          Requests.headers(Requests.API_KEY, id, Long.toString(ts), new String(chars));

      WebhookVerifier ours = verifier(secret, Instant.ofEpochSecond(ts));
      assertEquals(
          WebhookVerificationException.Reason.INVALID_SIGNATURE,
          assertThrows(WebhookVerificationException.class, () -> ours.verify(headers, raw))
              .reason());
      Webhook reference = new Webhook(secret);
      assertThrows(
          com.standardwebhooks.exceptions.WebhookVerificationException.class,
          () -> reference.verify(body, headers));
    }
  }

  private WebhookVerifier verifier(String secret, Instant now) {
    return WebhookVerifier.builder()
        .apiKey(Requests.API_KEY)
        .signingSecret(secret)
        .clock(Clock.fixed(now, ZoneOffset.UTC))
        .build();
  }

  private String randomSecret() {
    byte[] key = new byte[24 + random.nextInt(41)];
    random.nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  private String randomId(int i) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:~";
    StringBuilder sb = new StringBuilder("evt_").append(i).append('_');
    int length = 1 + random.nextInt(40);
    for (int k = 0; k < length; k++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private String randomBody(String id) {
    String[] names = {"Ada", "Zoë", "Łukasz", "李雷", "O'Brien \\\"quoted\\\"", "emoji \uD83D\uDE80"};
    return "{\"id\":\""
        + id
        + "\",\"type\":\"user.updated\",\"timestamp\":\"2026-11-22T10:15:30.123Z\",\"data\":"
        + "{\"userId\":\"u_"
        + random.nextInt(1_000_000)
        + "\",\"name\":\""
        + names[random.nextInt(names.length)]
        + "\",\"changedAttributes\":[\"email\",\"password\"],\"n\":"
        + random.nextLong()
        + "}}";
  }
}
