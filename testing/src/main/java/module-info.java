/**
 * Fixtures for Hookline's tests and users' tests: the Store contract kit, a manual clock, a bounded
 * poll, hostile URIs for SSRF tests, a recording webhook receiver, a loopback webhook sink, a
 * throwaway certificate authority for HTTPS on loopback, and a small JDBC connection pool for tests
 * and benchmarks.
 */
module dev.hookline.testing {
  requires transitive dev.hookline.core;
  requires transitive org.junit.jupiter.api;
  requires transitive java.sql;
  requires static transitive org.jspecify;

  exports dev.hookline.testing;
  exports dev.hookline.testing.jdbc;
  exports dev.hookline.testing.tls;
}
