package dev.hookline.receiver;

import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.receiver.internal.HeaderReader;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The endpoint verification handshake: the sender proves a listener consents by sending {@code GET
 * <uri>} with {@code X-Verification-Key: <random>}, and the listener answers 2xx with {@code
 * {"key":"<same value>"}}.
 *
 * <p>Answering needs no secret: the value is only echoed. Immutable and thread-safe.
 */
public final class VerificationChallenge {
  /** The header carrying the challenge value. */
  public static final String HEADER = "X-Verification-Key";

  /** The content type of {@link #responseBody()}. */
  public static final String CONTENT_TYPE = "application/json";

  /** The longest challenge value accepted. */
  public static final int MAX_KEY_LENGTH = 1024;

  private final String key;

  private VerificationChallenge(String key) {
    this.key = key;
  }

  /**
   * Recognises a handshake request: a {@code GET} with an {@code X-Verification-Key} header.
   *
   * @param method the HTTP method
   * @param headers the request headers, matched case-insensitively
   * @return the challenge, or empty if the request is not a handshake
   * @throws WebhookVerificationException with {@link Reason#MALFORMED_HEADER} if it is a handshake
   *     whose key is duplicated, empty, longer than 1024 characters or not visible ASCII
   */
  public static Optional<VerificationChallenge> detect(
      String method, Map<String, ? extends Collection<String>> headers) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(headers, "headers");
    if (!"GET".equals(method.toUpperCase(Locale.ROOT))) {
      return Optional.empty();
    }
    String key = HeaderReader.single(headers, HEADER, MAX_KEY_LENGTH);
    if (key == null) {
      return Optional.empty();
    }
    if (key.isEmpty() || !HeaderReader.isVisibleAscii(key)) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_HEADER,
          "the " + HEADER + " header must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters");
    }
    return Optional.of(new VerificationChallenge(key));
  }

  /**
   * Returns the challenge value.
   *
   * @return the value of {@code X-Verification-Key}
   */
  public String key() {
    return key;
  }

  /**
   * Returns the answer to send with a 200 status and {@link #CONTENT_TYPE}.
   *
   * @return {@code {"key":"<value>"}}, JSON-escaped
   */
  public String responseBody() {
    StringBuilder sb = new StringBuilder(key.length() + 12).append("{\"key\":\"");
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      // The key is visible ASCII, so only these two need escaping in a JSON string.
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append("\"}").toString();
  }

  @Override
  public String toString() {
    return "VerificationChallenge[key length=" + key.length() + "]";
  }
}
