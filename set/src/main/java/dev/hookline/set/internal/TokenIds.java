package dev.hookline.set.internal;

import dev.hookline.Event;
import dev.hookline.Webhook;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The {@code jti} of a notification's token, in either shape: a UUID derived from the event id and
 * the webhook id, so that a retry's token has the same {@code jti} and each webhook's its own (RFC
 * 7519 section 4.1.7: a {@code jti} names one token, and two webhooks get two tokens).
 */
public final class TokenIds {
  private TokenIds() {}

  /**
   * Returns the {@code jti} for an event's notification to a webhook.
   *
   * @param event the event
   * @param webhook the webhook
   * @return a UUID, the same for the same event and webhook
   */
  public static String jti(Event event, Webhook webhook) {
    return uuid("jti", event.id(), webhook.id());
  }

  /**
   * Returns a UUID derived from the event id alone, the same in every webhook's notification of it.
   *
   * @param event the event
   * @return a UUID
   */
  public static String transaction(Event event) {
    return uuid("txn", event.id());
  }

  /**
   * A UUID (RFC 9562 version 8) from SHA-256 of the parts: the same parts give the same UUID, and
   * it has the form of Akamai's ids.
   */
  private static String uuid(String label, String... parts) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    sha256.update(("hookline-set-" + label).getBytes(StandardCharsets.UTF_8));
    for (String part : parts) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      // length-prefixed, so that ("ab", "c") and ("a", "bc") differ
      sha256.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      sha256.update(bytes);
    }
    ByteBuffer hash = ByteBuffer.wrap(sha256.digest());
    long high = (hash.getLong() & ~0xF000L) | 0x8000L; // version 8
    long low = (hash.getLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // variant 10
    return new UUID(high, low).toString();
  }
}
