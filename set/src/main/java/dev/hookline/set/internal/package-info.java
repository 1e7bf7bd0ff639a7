/** Implementation of the SET module; not API. */
@NullMarked
package dev.hookline.set.internal;

import org.jspecify.annotations.NullMarked;
