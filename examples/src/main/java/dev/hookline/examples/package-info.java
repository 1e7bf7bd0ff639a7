/** Runnable examples: {@link dev.hookline.examples.Demo} and the README's quick start. */
@NullMarked
package dev.hookline.examples;

import org.jspecify.annotations.NullMarked;
