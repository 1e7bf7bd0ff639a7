/**
 * The listener side of Security Event Token notifications: {@link
 * dev.hookline.receiver.set.SecurityEventTokenVerifier} and the {@link
 * dev.hookline.receiver.set.SecurityEvent} it returns.
 */
@NullMarked
package dev.hookline.receiver.set;

import org.jspecify.annotations.NullMarked;
