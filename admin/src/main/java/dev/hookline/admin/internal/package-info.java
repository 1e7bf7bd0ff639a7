/** The admin module's implementation. Not API: may change in any release. */
@NullMarked
package dev.hookline.admin.internal;

import org.jspecify.annotations.NullMarked;
