/** Storage of API tokens and the audit log, for implementers. */
@NullMarked
package dev.hookline.admin.spi;

import org.jspecify.annotations.NullMarked;
