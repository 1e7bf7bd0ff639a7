package dev.hookline.spi;

/**
 * Which queued deliveries a claim takes. Dispatchers claim first attempts and retries in separate
 * lanes so that a backlog of retries for failing endpoints never delays fresh events.
 *
 * <p>Immutable and thread-safe.
 */
public enum Lane {
  /** Deliveries never attempted yet. */
  FIRST_ATTEMPTS,
  /** Deliveries with at least one failed attempt. */
  RETRIES,
  /** Both. */
  ANY
}
