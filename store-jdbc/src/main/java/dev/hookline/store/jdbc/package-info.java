/**
 * The PostgreSQL implementation of Hookline's Store SPI: {@link
 * dev.hookline.store.jdbc.PostgresStore}, a durable transactional outbox that several application
 * instances share, claiming work with {@code FOR UPDATE SKIP LOCKED} leases.
 */
@NullMarked
package dev.hookline.store.jdbc;

import org.jspecify.annotations.NullMarked;
