/** Extension points of the dispatcher: notification formats beyond the built-in one. */
@NullMarked
package dev.hookline.delivery.spi;

import org.jspecify.annotations.NullMarked;
