package dev.hookline.admin;

import java.util.Optional;

/**
 * What a token (or another {@link Principal}) may do. Each scope grants only what it names.
 *
 * <p>Immutable and thread-safe.
 */
public enum Scope {
  /** Read webhooks, their summaries and the event catalogue. */
  WEBHOOKS_READ("webhooks:read"),
  /** Create, change, enable, disable, verify, test and delete webhooks; rotate their secrets. */
  WEBHOOKS_WRITE("webhooks:write"),
  /** Read the delivery log and each delivery's attempts. */
  DELIVERIES_READ("deliveries:read"),
  /** Redeliver one delivery, or every failed delivery in a window. */
  DELIVERIES_REDELIVER("deliveries:redeliver"),
  /** Create, list and revoke tokens, and read the audit log. */
  TOKENS_ADMIN("tokens:admin");

  private final String wireName;

  Scope(String wireName) {
    this.wireName = wireName;
  }

  /**
   * Returns the scope's name in the API, such as {@code webhooks:read}.
   *
   * @return the name
   */
  public String wireName() {
    return wireName;
  }

  /**
   * Finds a scope by its name in the API.
   *
   * @param wireName the name, such as {@code webhooks:read}
   * @return the scope, or empty if none has that name
   */
  public static Optional<Scope> fromWireName(String wireName) {
    for (Scope s : values()) {
      if (s.wireName.equals(wireName)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
