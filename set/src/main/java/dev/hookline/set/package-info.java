/**
 * Security Event Token notifications: {@link dev.hookline.set.SecurityEventTokenFormat} for the
 * dispatcher, {@link dev.hookline.set.SigningKey}, {@link dev.hookline.set.InMemorySigningKeys}
 * with rotation, and the public {@link dev.hookline.set.Jwks}.
 */
@NullMarked
package dev.hookline.set;

import org.jspecify.annotations.NullMarked;
