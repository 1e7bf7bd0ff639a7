package dev.hookline.spi;

import dev.hookline.Event;
import java.util.function.Predicate;

/**
 * A filter ready to run: a thread-safe predicate over events, with its canonical text (the form the
 * registry stores).
 */
public interface CompiledFilter extends Predicate<Event> {

  /**
   * Returns the filter's canonical text; compiling it again gives an equal filter.
   *
   * @return the canonical text
   */
  String canonicalText();
}
