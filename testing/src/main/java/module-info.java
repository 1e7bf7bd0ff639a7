/** Fixtures for Hookline's tests and users' tests: the Store contract kit and a manual clock. */
module dev.hookline.testing {
  requires transitive dev.hookline.core;
  requires transitive org.junit.jupiter.api;
  requires static transitive org.jspecify;

  exports dev.hookline.testing;
}
