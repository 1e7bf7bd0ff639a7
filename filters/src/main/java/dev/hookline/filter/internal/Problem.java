package dev.hookline.filter.internal;

import dev.hookline.InvalidFilterException;

/** Shorthands for {@link InvalidFilterException}. */
final class Problem {
  private Problem() {}

  static InvalidFilterException of(String problem) {
    return new InvalidFilterException(problem, 0, 0);
  }

  /** Returns a printable, clipped form of user input for messages. */
  static String quote(String s) {
    String clipped = s.length() > 60 ? s.substring(0, 60) + "…" : s;
    StringBuilder b = new StringBuilder(clipped.length() + 2).append('"');
    clipped.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.append('"').toString();
  }
}
