/**
 * Test fixtures: {@link dev.hookline.testing.ManualClock}, the {@link
 * dev.hookline.testing.StoreContract} kit that every Store implementation runs, {@link
 * dev.hookline.testing.HostileUris} for SSRF tests, {@link dev.hookline.testing.RecordingReceiver},
 * a loopback webhook listener that records every request in full for integration tests to assert
 * on, {@link dev.hookline.testing.LoopbackSink}, a fast loopback webhook receiver that only counts,
 * and {@link dev.hookline.testing.Poll}, the bounded wait for real I/O. JDBC fixtures are in {@link
 * dev.hookline.testing.jdbc}; a test certificate authority is in {@link dev.hookline.testing.tls}.
 */
@NullMarked
package dev.hookline.testing;

import org.jspecify.annotations.NullMarked;
