package dev.hookline;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A secret that signs notifications ({@code whsec_} followed by base64 of the key bytes), with when
 * it was made and, during a rotation, when it stops being used.
 *
 * <p>Immutable and thread-safe; {@link #toString()} never shows the secret.
 *
 * @param secret the {@code whsec_...} value
 * @param createdAt when it was made
 * @param expiresAt when it stops signing, if it is being rotated out
 */
public record SigningSecret(Secret secret, Instant createdAt, Optional<Instant> expiresAt) {

  /** Checks that no component is null. */
  public SigningSecret {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /**
   * Returns whether this secret still signs at the given time.
   *
   * @param now the time
   * @return true if it has no expiry or expires after {@code now}
   */
  public boolean activeAt(Instant now) {
    return expiresAt.map(now::isBefore).orElse(true);
  }
}
