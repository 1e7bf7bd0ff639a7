/** Implementation of the SET verifier (key sources); not API. */
@NullMarked
package dev.hookline.receiver.set.internal;

import org.jspecify.annotations.NullMarked;
