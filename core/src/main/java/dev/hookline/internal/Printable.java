package dev.hookline.internal;

/** User input as an error message may quote it. */
public final class Printable {
  private Printable() {}

  /**
   * Returns {@code s} at most {@code max} characters long (then "…"), never cut inside a surrogate
   * pair (cut before it), with control characters (a line break that would forge a log line) and
   * surrogates the input holds alone shown as '?'. Messages go into violations that the admin API
   * writes as JSON, where a lone surrogate is no text (strict parsers refuse its escape).
   *
   * @param s the input
   * @param max the most characters kept, at least 2
   * @return what a message may show
   */
  public static String clip(String s, int max) {
    int end = s.length();
    if (end > max) {
      end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    }
    StringBuilder b = new StringBuilder(end + 1);
    s.substring(0, end)
        .codePoints()
        .forEach(
            c ->
                b.appendCodePoint(
                    Character.isISOControl(c) || Character.getType(c) == Character.SURROGATE
                        ? '?'
                        : c));
    return end < s.length() ? b.append('…').toString() : b.toString();
  }

  /**
   * Whether text holds half of a UTF-16 surrogate pair alone, which is no character: UTF-8 cannot
   * hold it, and PostgreSQL's driver sends {@code ?} in its place, so the text stored would not be
   * the text given.
   *
   * @param s the text
   * @return whether a surrogate stands without its other half
   */
  public static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++; // a pair
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
