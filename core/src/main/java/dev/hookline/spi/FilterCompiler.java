package dev.hookline.spi;

import dev.hookline.EventType;
import dev.hookline.InvalidFilterException;
import java.util.Set;

/**
 * Turns filter text into a {@link CompiledFilter}. The filters module provides the implementation;
 * core holds filters only as text, so it never depends on that module.
 *
 * <p>Implementations must be thread-safe.
 */
public interface FilterCompiler {

  /**
   * Parses, validates and compiles a filter.
   *
   * @param text the filter text
   * @param subscribedTypes the webhook's event types; a filter that names a type outside them is
   *     rejected
   * @return the compiled filter
   * @throws InvalidFilterException with the position and what was expected, if the text is not a
   *     valid filter for these types
   */
  CompiledFilter compile(String text, Set<EventType> subscribedTypes);
}
