/**
 * JMH benchmarks and the load harness. Run {@code benchmarks/run} from the repository root; see the
 * README's Performance section.
 */
@NullMarked
package dev.hookline.bench;

import org.jspecify.annotations.NullMarked;
