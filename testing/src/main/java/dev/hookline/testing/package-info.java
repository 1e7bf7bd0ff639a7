/**
 * Test fixtures: {@link dev.hookline.testing.ManualClock} and the {@link
 * dev.hookline.testing.StoreContract} kit that every Store implementation runs.
 */
@NullMarked
package dev.hookline.testing;

import org.jspecify.annotations.NullMarked;
