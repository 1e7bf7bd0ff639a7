/** Implementation of the delivery engine; not API. */
@NullMarked
package dev.hookline.delivery.internal;

import org.jspecify.annotations.NullMarked;
