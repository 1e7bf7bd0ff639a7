/**
 * Test fixtures: {@link dev.hookline.testing.ManualClock}, the {@link
 * dev.hookline.testing.StoreContract} kit that every Store implementation runs, {@link
 * dev.hookline.testing.HostileUris} for SSRF tests, and {@link dev.hookline.testing.LoopbackSink},
 * a fast loopback webhook receiver. JDBC fixtures are in {@link dev.hookline.testing.jdbc}.
 */
@NullMarked
package dev.hookline.testing;

import org.jspecify.annotations.NullMarked;
