/** Implementation details of core. Not API: may change in any release. */
@NullMarked
package dev.hookline.internal;

import org.jspecify.annotations.NullMarked;
