package dev.hookline.filter.internal;

import dev.hookline.InvalidFilterException;
import dev.hookline.internal.Printable;

/** Shorthands for {@link InvalidFilterException}. */
final class Problem {
  private Problem() {}

  static InvalidFilterException of(String problem) {
    return new InvalidFilterException(problem, 0, 0);
  }

  /** Returns a printable, clipped form of user input for messages, in double quotes. */
  static String quote(String s) {
    return '"' + clip(s) + '"';
  }

  /**
   * Returns user input as a message may show it: at most 60 characters (then "…"), never half of a
   * surrogate pair, control characters (a line break that would forge a log line) as '?'. A
   * surrogate the input holds alone (a string literal's {@code \\ud800}) is shown as '?' too: the
   * message goes into violations that the admin API writes as JSON, where a lone surrogate is no
   * text (strict parsers refuse its escape).
   */
  static String clip(String s) {
    return Printable.clip(s, 60);
  }
}
