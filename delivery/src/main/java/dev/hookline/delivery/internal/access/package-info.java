/**
 * What Hookline's own modules read of a dispatcher that its API does not show; delivery exports
 * this package only to them. Not API.
 */
@NullMarked
package dev.hookline.delivery.internal.access;

import org.jspecify.annotations.NullMarked;
