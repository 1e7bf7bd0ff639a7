package dev.hookline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A secret string (an API key or a signing secret) that never shows itself by accident: {@link
 * #toString()} is redacted, {@link #equals} compares in constant time, and the only way to read the
 * value is the explicitly named {@link #reveal()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  /**
   * Wraps a secret value.
   *
   * @param value the secret; may be empty (validation happens where the secret is used)
   * @return the wrapped secret
   */
  public static Secret of(String value) {
    return new Secret(Objects.requireNonNull(value, "value"));
  }

  /**
   * Returns the secret value. Call this only where the value must leave the process (an HTTP
   * header, an HMAC key, an encrypted column), never to log or display it.
   *
   * @return the secret value
   */
  public String reveal() {
    return value;
  }

  /**
   * Compares a candidate with this secret in time that does not depend on where they differ.
   *
   * @param candidate the value to check
   * @return true if {@code candidate} equals the secret
   */
  public boolean matches(String candidate) {
    Objects.requireNonNull(candidate, "candidate");
    return MessageDigest.isEqual(
        value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns the secret's length in characters, which validation may report without revealing the
   * value.
   *
   * @return the length
   */
  public int length() {
    return value.length();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Secret other && matches(other.value);
  }

  @Override
  public int hashCode() {
    // A constant: a value-derived hash would let a hash table's timing hint at the secret.
    return 0x5ec7e7;
  }

  /** Returns {@code Secret[redacted]}, never the value. */
  @Override
  public String toString() {
    return "Secret[redacted]";
  }
}
