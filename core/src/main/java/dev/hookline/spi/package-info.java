/**
 * Extension points for implementers: the {@link dev.hookline.spi.Store} that persists webhooks and
 * the delivery outbox, the {@link dev.hookline.spi.FilterCompiler} that the filters module
 * provides, the {@link dev.hookline.spi.IdGenerator}, the {@link dev.hookline.spi.SecretCipher} and
 * {@link dev.hookline.spi.HostResolver}, and the values the Store exchanges with the dispatcher
 * ({@link dev.hookline.spi.Lease}, {@link dev.hookline.spi.ClaimRequest}, {@link
 * dev.hookline.spi.ClaimedDelivery}).
 *
 * <p>A Store sits below the registry's rules: it stores what it is given. Code that writes to a
 * Store directly, like code that writes to its database, bypasses validation and verification;
 * applications go through {@code WebhookRegistry} and {@code Dispatcher}.
 */
@NullMarked
package dev.hookline.spi;

import org.jspecify.annotations.NullMarked;
