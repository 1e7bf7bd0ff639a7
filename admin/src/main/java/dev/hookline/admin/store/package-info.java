/** The admin store's implementations: in memory and PostgreSQL. */
@NullMarked
package dev.hookline.admin.store;

import org.jspecify.annotations.NullMarked;
