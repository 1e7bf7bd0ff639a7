package dev.hookline.delivery.internal;

/**
 * What may stand in an HTTP header name and value (RFC 9110), checked before a request is built.
 */
public final class HttpFields {
  private HttpFields() {}

  /**
   * Whether {@code c} may stand in a header name (RFC 9110's {@code tchar}).
   *
   * @param c a character
   * @return true for letters, digits and {@code !#$%&'*+-.^_`|~}
   */
  public static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /**
   * Whether {@code s} is a header name: one or more {@link #isTokenChar token characters}.
   *
   * @param s the text
   * @return true if it is a token
   */
  public static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!isTokenChar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code s} is one or more visible ASCII characters (no space, no control character): an
   * API key that can go in {@code Authorization: Bearer}.
   *
   * @param s the text
   * @return true if it is
   */
  static boolean isVisibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return !s.isEmpty();
  }
}
