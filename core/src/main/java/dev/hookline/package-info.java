/**
 * Hookline core: the webhook and event model, the user-event catalogue, the {@link
 * dev.hookline.WebhookRegistry} and the exceptions every module throws.
 *
 * <p>Everything here is null-free: parameters are checked with {@code Objects.requireNonNull},
 * lookups return {@link java.util.Optional}, collections are never null.
 */
@NullMarked
package dev.hookline;

import org.jspecify.annotations.NullMarked;
