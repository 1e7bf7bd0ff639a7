package dev.hookline.receiver.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks v1 signatures: {@code v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">},
 * keyed by the base64-decoded part of a {@code whsec_} secret, several space-separated in one
 * header during a rotation.
 *
 * <p>Immutable and thread-safe: each computation works on its own clone of a prepared {@link Mac}.
 */
public final class StandardWebhooksSignature {
  /** The prefix of a signing secret. */
  public static final String SECRET_PREFIX = "whsec_";

  /** The fewest key bytes a secret may hold (the Standard Webhooks specification's minimum). */
  public static final int MIN_KEY_BYTES = 24;

  /** The most key bytes a secret may hold (the Standard Webhooks specification's maximum). */
  public static final int MAX_KEY_BYTES = 64;

  private static final String ALGORITHM = "HmacSHA256";
  private static final byte[] VERSION_PREFIX = "v1,".getBytes(StandardCharsets.US_ASCII);

  private final List<SecretKeySpec> keys;
  private final List<Mac> prototypes;

  private StandardWebhooksSignature(List<SecretKeySpec> keys) {
    this.keys = keys;
    List<Mac> macs = new ArrayList<>(keys.size());
    for (SecretKeySpec key : keys) {
      macs.add(newMac(key));
    }
    this.prototypes = List.copyOf(macs);
  }

  /**
   * Prepares verification for the given secrets.
   *
   * @param secrets {@code whsec_...} values, each checked with {@link #decodeSecret}
   * @return the verifier
   * @throws IllegalArgumentException if a secret is not in the {@code whsec_} format
   */
  public static StandardWebhooksSignature forSecrets(List<String> secrets) {
    List<SecretKeySpec> keys = new ArrayList<>(secrets.size());
    for (String secret : secrets) {
      keys.add(new SecretKeySpec(decodeSecret(secret), ALGORITHM));
    }
    return new StandardWebhooksSignature(List.copyOf(keys));
  }

  /**
   * Decodes a signing secret's key bytes.
   *
   * @param secret the {@code whsec_<base64>} value
   * @return the key bytes
   * @throws IllegalArgumentException if it lacks the prefix, is not base64, or decodes to fewer
   *     than 24 or more than 64 bytes; the message never contains the secret
   */
  public static byte[] decodeSecret(String secret) {
    Objects.requireNonNull(secret, "secret");
    if (!secret.startsWith(SECRET_PREFIX)) {
      throw new IllegalArgumentException(
          "a signing secret must start with '" + SECRET_PREFIX + "' followed by base64");
    }
    for (int i = 0; i < secret.length(); i++) {
      if (Character.isWhitespace(secret.charAt(i)) || Character.isSpaceChar(secret.charAt(i))) {
        // The position only: whitespace is no part of the key, but say where it is.
        throw new IllegalArgumentException(
            "a signing secret must not contain whitespace; this one has some at position "
                + (i + 1)
                + " of "
                + secret.length()
                + " (a line break read from a file or an environment variable?)");
      }
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      // The decoder's message quotes the offending character; do not pass it on.
      throw new IllegalArgumentException(
          "a signing secret must be '" + SECRET_PREFIX + "' followed by standard base64", null);
    }
    if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "a signing secret must hold "
              + MIN_KEY_BYTES
              + " to "
              + MAX_KEY_BYTES
              + " key bytes (this one holds "
              + key.length
              + ")");
    }
    return key;
  }

  /**
   * Returns how many secrets this verifier tries.
   *
   * @return the number of secrets
   */
  public int secretCount() {
    return prototypes.size();
  }

  /**
   * Returns whether any {@code v1} signature in the header matches the request under any secret.
   * Entries of other versions, and malformed entries, match nothing. Comparison is on the exact
   * base64 text in constant time, so a non-canonical encoding of a valid MAC does not match.
   *
   * @param id the {@code webhook-id} value
   * @param timestamp the {@code webhook-timestamp} value, as sent
   * @param body the raw body
   * @param signatureHeader the {@code webhook-signature} value
   * @return true if a signature matches
   */
  public boolean matches(String id, String timestamp, byte[] body, String signatureHeader) {
    List<byte[]> candidates = v1Candidates(signatureHeader);
    if (candidates.isEmpty()) {
      return false;
    }
    for (int i = 0; i < prototypes.size(); i++) {
      byte[] expected = encode(mac(i, id, timestamp, body));
      for (byte[] candidate : candidates) {
        if (MessageDigest.isEqual(expected, candidate)) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<byte[]> v1Candidates(String header) {
    List<byte[]> out = new ArrayList<>(2);
    int start = 0;
    int length = header.length();
    while (start <= length) {
      int end = header.indexOf(' ', start);
      if (end < 0) {
        end = length;
      }
      if (end - start > VERSION_PREFIX.length && header.startsWith("v1,", start)) {
        out.add(
            header.substring(start + VERSION_PREFIX.length, end).getBytes(StandardCharsets.UTF_8));
      }
      start = end + 1;
    }
    return out;
  }

  private static byte[] encode(byte[] mac) {
    return Base64.getEncoder().encode(mac);
  }

  private byte[] mac(int secret, String id, String timestamp, byte[] body) {
    Mac mac = copy(secret);
    mac.update(id.getBytes(StandardCharsets.UTF_8));
    mac.update((byte) '.');
    mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
    mac.update((byte) '.');
    mac.update(body);
    return mac.doFinal();
  }

  private Mac copy(int secret) {
    try {
      // Cloning a keyed Mac skips the provider lookup and key schedule of a fresh instance.
      return (Mac) prototypes.get(secret).clone();
    } catch (CloneNotSupportedException e) {
      return newMac(keys.get(secret));
    }
  }

  private static Mac newMac(SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      // HmacSHA256 is required of every Java platform: this is a broken runtime.
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
