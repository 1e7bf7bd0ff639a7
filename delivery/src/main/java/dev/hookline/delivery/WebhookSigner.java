package dev.hookline.delivery;

import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Computes Standard Webhooks signatures: {@code v1,<base64 HMAC-SHA256 of
 * "{id}.{timestamp}.{body}">} keyed by the base64-decoded part of a {@code whsec_} secret.
 *
 * <p>Stateless and thread-safe: every call uses its own {@link Mac}.
 */
public final class WebhookSigner {
  private static final String PREFIX = "whsec_";
  private static final String ALGORITHM = "HmacSHA256";

  private WebhookSigner() {}

  /**
   * Signs one message with one secret.
   *
   * @param secret the {@code whsec_<base64>} secret (the prefix is optional)
   * @param messageId the message id (the event id, sent as {@code webhook-id})
   * @param timestamp the unix time in seconds, sent as {@code webhook-timestamp}
   * @param body the exact bytes of the request body
   * @return the signature, {@code v1,<base64>}
   * @throws IllegalArgumentException if the secret is not valid base64 (the message never shows the
   *     secret)
   */
  public static String sign(Secret secret, String messageId, long timestamp, byte[] body) {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(body, "body");
    Mac mac = newMac(key(secret));
    mac.update((messageId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    byte[] digest = mac.doFinal(body);
    return "v1," + Base64.getEncoder().encodeToString(digest);
  }

  /**
   * Signs one message with every given secret, for the {@code webhook-signature} header: the
   * signatures separated by single spaces, in the order of {@code secrets}.
   *
   * @param secrets the active secrets; at least one
   * @param messageId the message id
   * @param timestamp the unix time in seconds
   * @param body the exact bytes of the request body
   * @return the header value
   * @throws IllegalArgumentException if {@code secrets} is empty or a secret is malformed
   */
  public static String signatureHeader(
      List<SigningSecret> secrets, String messageId, long timestamp, byte[] body) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one signing secret is needed to sign");
    }
    StringBuilder header = new StringBuilder(secrets.size() * 48);
    for (SigningSecret s : secrets) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append(sign(s.secret(), messageId, timestamp, body));
    }
    return header.toString();
  }

  private static byte[] key(Secret secret) {
    String value = secret.reveal();
    String encoded = value.startsWith(PREFIX) ? value.substring(PREFIX.length()) : value;
    byte[] key;
    try {
      key = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      // Deliberately without the cause: its message may quote the secret's characters.
      throw new IllegalArgumentException(
          "the signing secret is not 'whsec_' followed by standard base64", null);
    }
    if (key.length == 0) {
      throw new IllegalArgumentException("the signing secret holds no key bytes");
    }
    return key;
  }

  /**
   * One {@link Mac} per thread: {@code Mac.getInstance} looks the provider up every time, which
   * measured as a visible share of an attempt's CPU; {@code init} with the key resets it for reuse.
   */
  private static final ThreadLocal<Mac> MACS =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Mac.getInstance(ALGORITHM);
            } catch (GeneralSecurityException e) {
              // Every Java SE platform must provide HmacSHA256; reaching here is a broken runtime.
              throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
            }
          });

  private static Mac newMac(byte[] key) {
    Mac mac = MACS.get();
    try {
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac;
    } catch (InvalidKeyException e) {
      throw new IllegalArgumentException("the signing secret is not a usable HMAC key", null);
    }
  }
}
