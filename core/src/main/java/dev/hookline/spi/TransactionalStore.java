package dev.hookline.spi;

import dev.hookline.Delivery;
import java.sql.Connection;
import java.util.List;

/**
 * A {@link Store} that can write the outbox inside the caller's own database transaction, so that a
 * change to a user and its notifications commit or roll back together (the transactional outbox).
 * The PostgreSQL store implements it; the dispatcher's {@code publish(Connection, Event)} uses it.
 *
 * <p>Implementations must be thread-safe; the connection is used only on the calling thread.
 */
public interface TransactionalStore extends Store {

  /**
   * Adds deliveries through the caller's connection, inside whatever transaction it has open. The
   * implementation neither commits, rolls back nor closes the connection. Same semantics as {@link
   * #enqueue(List)} otherwise: duplicates of an (event id, webhook id) pair are skipped, and an
   * event id that names a different event fails the call with nothing of it left in the caller's
   * transaction.
   *
   * @param connection the caller's connection, normally with auto-commit off
   * @param deliveries new pending deliveries
   * @return the deliveries actually added (visible to workers once the caller commits)
   * @throws dev.hookline.EventConflictException if an event's id names a different event
   */
  List<Delivery> enqueue(Connection connection, List<Delivery> deliveries);
}
