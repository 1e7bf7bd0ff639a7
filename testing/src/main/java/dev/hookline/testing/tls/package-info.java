/**
 * Real TLS for tests on loopback: {@link dev.hookline.testing.tls.TestCertificates}, a throwaway
 * certificate authority made at run time (no private key is checked in), and the {@link
 * dev.hookline.testing.tls.ServerCertificate}s it issues: trusted, expired, or for the wrong host.
 */
@NullMarked
package dev.hookline.testing.tls;

import org.jspecify.annotations.NullMarked;
