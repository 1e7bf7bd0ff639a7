package dev.hookline.delivery.internal;

import dev.hookline.ErrorKind;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Decides, just before a request goes out, whether its destination may be contacted. This is the
 * one place where the SSRF guard (resolving the host and refusing loopback, private, link-local and
 * metadata addresses) plugs in.
 *
 * <p>Implementations must be thread-safe, and must answer within the given time.
 */
@FunctionalInterface
public interface DestinationCheck {

  /** Allows every destination. */
  DestinationCheck ALLOW_ALL = (uri, timeout) -> Optional.empty();

  /**
   * Why a destination may not be contacted now.
   *
   * @param kind how the attempt is recorded: {@link ErrorKind#BLOCKED_ADDRESS} for a refused
   *     address, {@link ErrorKind#TIMEOUT} or {@link ErrorKind#CONNECT_FAILED} when the name could
   *     not be resolved in time or at all
   * @param detail what happened, for people (never a secret)
   * @param local true when the refusal says nothing about the destination (this process could not
   *     check it now): nothing is sent and the attempt does not count against the endpoint
   */
  record Refusal(ErrorKind kind, String detail, boolean local) {
    /** Checks the fields. */
    public Refusal {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(detail, "detail");
    }

    /**
     * A refusal about the destination itself.
     *
     * @param kind how the attempt is recorded
     * @param detail what happened, for people (never a secret)
     */
    public Refusal(ErrorKind kind, String detail) {
      this(kind, detail, false);
    }
  }

  /**
   * Checks a destination.
   *
   * @param uri the request URI
   * @param timeout the longest the check may take (it is part of the attempt's deadline)
   * @return why the destination is refused, or empty if it may be contacted
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  Optional<Refusal> refusal(URI uri, Duration timeout) throws InterruptedException;

  /**
   * Checks a destination of a webhook of {@code tenant}. By default the same as {@link
   * #refusal(URI, Duration)}; a check that holds shared resources (lookup threads) limits what one
   * tenant's destinations may hold of them, so that one tenant cannot hold back the others.
   *
   * @param uri the request URI
   * @param tenant the webhook's tenant, or null for the host's own
   * @param timeout the longest the check may take (it is part of the attempt's deadline)
   * @return why the destination is refused, or empty if it may be contacted
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  default Optional<Refusal> refusal(URI uri, @Nullable String tenant, Duration timeout)
      throws InterruptedException {
    return refusal(uri, timeout);
  }
}
