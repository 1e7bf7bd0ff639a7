/** Implementation of the receiver helper; not exported, not API. */
@NullMarked
package dev.hookline.receiver.internal;

import org.jspecify.annotations.NullMarked;
