package dev.hookline.receiver.internal;

import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerificationException.Reason;
import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Case-insensitive, duplicate-refusing, size-capped reads from a header multi-map. Stateless. */
public final class HeaderReader {
  private HeaderReader() {}

  /**
   * Returns the one value of a header, or null if it is absent. A header that appears more than
   * once (several values, or several keys differing only in case) is refused: two parties reading
   * different copies is how request smuggling starts.
   */
  public static @Nullable String single(
      Map<String, ? extends Collection<String>> headers, String name, int maxLength) {
    @Nullable String found = null;
    int count = 0;
    for (Map.Entry<String, ? extends Collection<String>> e : headers.entrySet()) {
      String key = e.getKey();
      Collection<String> values = e.getValue();
      if (key == null || values == null || !key.equalsIgnoreCase(name)) {
        continue;
      }
      for (String value : values) {
        if (value == null) {
          continue;
        }
        count++;
        if (count > 1) {
          throw new WebhookVerificationException(
              Reason.MALFORMED_HEADER, "the " + name + " header appears more than once");
        }
        found = value;
      }
    }
    if (found != null && found.length() > maxLength) {
      throw new WebhookVerificationException(
          Reason.MALFORMED_HEADER,
          "the "
              + name
              + " header is "
              + found.length()
              + " characters long; at most "
              + maxLength
              + " are allowed");
    }
    return found;
  }

  /** Whether every character is visible ASCII (0x21 to 0x7E): no space, control or non-ASCII. */
  public static boolean isVisibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }
}
