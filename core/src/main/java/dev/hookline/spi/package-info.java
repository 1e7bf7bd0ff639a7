/**
 * Extension points for implementers: the {@link dev.hookline.spi.Store} that persists webhooks and
 * the delivery outbox, the {@link dev.hookline.spi.FilterCompiler} that the filters module
 * provides, the {@link dev.hookline.spi.EndpointVerifier} that the delivery module provides, and
 * the {@link dev.hookline.spi.IdGenerator}.
 */
@NullMarked
package dev.hookline.spi;

import org.jspecify.annotations.NullMarked;
