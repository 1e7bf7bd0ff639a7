package dev.hookline.internal;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Shows a webhook URI in {@code toString()} and log lines without what may be a credential: the
 * user-info, and the path and query, which capability URLs (a chat service's incoming-webhook URL,
 * say) use as the secret. What remains, {@code https://host:port/…}, says which endpoint it is.
 *
 * <p>Thread-safe (stateless).
 */
public final class UriDisplay {
  private UriDisplay() {}

  /**
   * Returns the scheme, host and port of a URI, with {@code /…} when more followed.
   *
   * @param uri the URI
   * @return the display form
   */
  public static String of(URI uri) {
    String host = uri.getHost();
    if (uri.getScheme() == null || host == null) {
      return "[URI without a host, " + uri.toString().length() + " characters]";
    }
    StringBuilder out = new StringBuilder(uri.getScheme()).append("://").append(host);
    if (uri.getPort() >= 0) {
      out.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      out.append("/…");
    }
    return out.toString();
  }

  /**
   * Returns the display form of URI text that may not even parse.
   *
   * @param text the text
   * @return the display form; never the text itself when it does not parse
   */
  public static String of(String text) {
    try {
      return of(new URI(text));
    } catch (URISyntaxException e) {
      return "[unparsable URI, " + text.length() + " characters]";
    }
  }
}
