/**
 * JDBC fixtures: {@link dev.hookline.testing.jdbc.SimpleConnectionPool}, a small connection pool
 * for tests and benchmarks that run a JDBC store against a real database.
 */
@NullMarked
package dev.hookline.testing.jdbc;

import org.jspecify.annotations.NullMarked;
