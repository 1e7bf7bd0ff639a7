package dev.hookline.admin.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One change made through the management API: when, by whom, to what, and which fields changed.
 * Never holds a secret: fields are named, their values are not recorded.
 *
 * <p>Immutable and thread-safe.
 *
 * @param sequence the store's position of the entry, increasing; 0 before it is appended
 * @param at when the change was made
 * @param tokenId the id of the token that made it, if a token did (never the token)
 * @param principal who made it
 * @param tenant the tenant of the changed resource; empty for the host's own
 * @param action what was done, such as {@code webhook.create}
 * @param target the id of what was changed
 * @param changedFields the names of the fields that changed
 */
public record AuditEntry(
    long sequence,
    Instant at,
    Optional<String> tokenId,
    String principal,
    Optional<String> tenant,
    String action,
    String target,
    List<String> changedFields) {

  /** Checks the components and copies the field names. */
  public AuditEntry {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(target, "target");
    changedFields = List.copyOf(changedFields);
  }

  /**
   * Returns this entry at a position in the store.
   *
   * @param position the sequence number the store gave it
   * @return the entry with that sequence
   */
  public AuditEntry withSequence(long position) {
    return new AuditEntry(position, at, tokenId, principal, tenant, action, target, changedFields);
  }
}
