package dev.hookline.admin;

import dev.hookline.Secret;
import java.util.Objects;

/**
 * A token just made: the only time its value is available. Hookline stores only its hash.
 *
 * <p>Immutable and thread-safe; {@link #toString()} never shows the token.
 *
 * @param id the token's id, as the audit log and {@code DELETE /tokens/{id}} name it
 * @param token the token, {@code hkl_} and 43 URL-safe characters
 */
public record IssuedToken(String id, Secret token) {
  /** Checks the components. */
  public IssuedToken {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(token, "token");
  }
}
