/** Where Security Event Token signing keys come from: {@link dev.hookline.set.spi.SigningKeys}. */
@NullMarked
package dev.hookline.set.spi;

import org.jspecify.annotations.NullMarked;
