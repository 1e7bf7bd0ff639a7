/** Store implementations that ship with core: the {@link dev.hookline.store.InMemoryStore}. */
@NullMarked
package dev.hookline.store;

import org.jspecify.annotations.NullMarked;
