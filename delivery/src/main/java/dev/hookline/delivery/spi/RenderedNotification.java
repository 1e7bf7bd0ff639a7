package dev.hookline.delivery.spi;

import dev.hookline.delivery.internal.HttpFields;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One notification as a {@link NotificationFormat} wrote it: content type, body and the format's
 * own headers.
 *
 * <p>Immutable and thread-safe; {@link #toString()} shows sizes and header names only.
 */
public final class RenderedNotification {
  /** Headers the dispatcher sets itself or the HTTP client owns. */
  private static final Set<String> RESERVED =
      Set.of("authorization", "content-type", "content-length", "user-agent", "host");

  private final String contentType;
  private final byte[] body;
  private final Map<String, String> headers;

  private RenderedNotification(String contentType, byte[] body, Map<String, String> headers) {
    this.contentType = contentType;
    this.body = body;
    this.headers = Collections.unmodifiableMap(headers);
  }

  /**
   * Creates a notification without headers of its own.
   *
   * @param contentType the {@code Content-Type}
   * @param body the body (copied)
   * @return the notification
   */
  public static RenderedNotification of(String contentType, byte[] body) {
    Objects.requireNonNull(contentType, "contentType");
    if (contentType.isBlank()) {
      throw new IllegalArgumentException("contentType must not be blank");
    }
    checkValue("contentType", contentType);
    return new RenderedNotification(
        contentType, Objects.requireNonNull(body, "body").clone(), new LinkedHashMap<>());
  }

  /**
   * Returns a copy with one more header.
   *
   * @param name the header name; not one the dispatcher sets ({@code Authorization}, {@code
   *     Content-Type}, {@code Content-Length}, {@code User-Agent}, {@code Host})
   * @param value the value
   * @return the changed copy
   * @throws IllegalArgumentException if the name is blank, not an HTTP token (letters, digits and
   *     {@code !#$%&'*+-.^_`|~}) or reserved, or the value holds a control character other than a
   *     tab (a line break would end the header)
   */
  public RenderedNotification withHeader(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a header name must not be blank");
    }
    for (int i = 0; i < name.length(); i++) {
      if (!HttpFields.isTokenChar(name.charAt(i))) {
        throw new IllegalArgumentException(
            "header name '"
                + printable(name)
                + "' holds "
                + describe(name.charAt(i))
                + "; a name is letters, digits and !#$%&'*+-.^_`|~");
      }
    }
    if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("header '" + name + "' is set by the dispatcher");
    }
    checkValue("the value of header '" + name + "'", value);
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new RenderedNotification(contentType, body, more);
  }

  private static void checkValue(String what, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new IllegalArgumentException(
            what + " holds " + describe(c) + "; a value may hold no control character but a tab");
      }
    }
  }

  private static String describe(char c) {
    return c < 0x20 || c == 0x7f || c > 0x7e
        ? String.format(Locale.ROOT, "the character U+%04X", (int) c)
        : "'" + c + "'";
  }

  /** The name with control characters shown as escapes, for an error message. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? String.format(Locale.ROOT, "\\u%04X", (int) c) : c);
    }
    return b.toString();
  }

  /**
   * Returns the content type.
   *
   * @return the {@code Content-Type} value
   */
  public String contentType() {
    return contentType;
  }

  /**
   * Returns the body.
   *
   * @return a copy of the bytes
   */
  public byte[] body() {
    return body.clone();
  }

  /**
   * Returns the body's length.
   *
   * @return bytes
   */
  public int bodyLength() {
    return body.length;
  }

  /**
   * Returns the format's own headers, in the order added.
   *
   * @return the headers
   */
  public Map<String, String> headers() {
    return headers;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RenderedNotification r
        && contentType.equals(r.contentType)
        && Arrays.equals(body, r.body)
        && headers.equals(r.headers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(contentType, Arrays.hashCode(body), headers);
  }

  @Override
  public String toString() {
    return "RenderedNotification[contentType="
        + contentType
        + ", bodyBytes="
        + body.length
        + ", headers="
        + headers.keySet()
        + "]";
  }
}
