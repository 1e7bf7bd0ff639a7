package dev.hookline.delivery.internal;

import java.net.URI;
import java.util.Optional;

/**
 * Decides, just before a request goes out, whether its destination may be contacted. This is the
 * one place where an SSRF guard (resolving the host and refusing loopback, private, link-local and
 * metadata addresses) plugs in; until then every destination is allowed.
 *
 * <p>Implementations must be thread-safe and quick.
 */
@FunctionalInterface
public interface DestinationCheck {

  /** Allows every destination. */
  DestinationCheck ALLOW_ALL = uri -> Optional.empty();

  /**
   * Checks a destination.
   *
   * @param uri the request URI
   * @return why the destination is refused, or empty if it may be contacted
   */
  Optional<String> refusal(URI uri);
}
