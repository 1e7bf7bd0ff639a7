/** Implementation of the PostgreSQL store: SQL, migrations, row codecs. Not API. */
@NullMarked
package dev.hookline.store.jdbc.internal;

import org.jspecify.annotations.NullMarked;
