package dev.hookline.admin;

import java.util.Optional;

/**
 * Maps a request to the {@link Principal} making it, so that a host can use its own authentication
 * (its session, OAuth) besides Hookline's tokens. {@link AdminApi} consults it for requests that
 * carry no valid Hookline token.
 *
 * <p>Such credentials may be ones a browser sends by itself (a session cookie), so a request an
 * authenticator recognises that would change something (any method but {@code GET}, {@code HEAD}
 * and {@code OPTIONS}) is refused with 403 when the browser says it came from another site: {@code
 * Sec-Fetch-Site} other than {@code same-origin} or {@code none} or, without it, an {@code Origin}
 * other than the request's own {@code Host}.
 *
 * <p>Implementations must be thread-safe, and must not treat a request they do not recognise as
 * authenticated.
 */
@FunctionalInterface
public interface Authenticator {
  /**
   * Authenticates a request.
   *
   * @param request the request (headers, client address)
   * @return the principal, or empty if the request is not authenticated (the API answers 401)
   */
  Optional<Principal> authenticate(AdminRequest request);
}
