package dev.hookline.delivery.internal;

import dev.hookline.AddressPolicy;
import dev.hookline.BlockedAddressException;
import dev.hookline.spi.HostResolver;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;

/**
 * The SSRF guard at send time: before every request the destination's host is resolved again and
 * every address checked against the {@link AddressPolicy}, so a name that pointed at a public
 * address at registration and was re-pointed at an internal one since (DNS rebinding) is refused. A
 * name that does not resolve is let through: the client's own connect then fails.
 *
 * <p>Residual risk, documented in docs/security.md: the JDK client resolves the name again when it
 * connects, so a resolver that answers differently within that instant could still win the race;
 * deployments that need a hard guarantee route through an egress proxy.
 *
 * <p>Thread-safe.
 */
public final class AddressGuard implements DestinationCheck {
  private final AddressPolicy policy;
  private final HostResolver resolver;

  /**
   * Creates the guard.
   *
   * @param policy which addresses may be contacted
   * @param resolver how host names are resolved
   */
  public AddressGuard(AddressPolicy policy, HostResolver resolver) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  @Override
  public Optional<String> refusal(URI uri) {
    String host = uri.getHost();
    if (host == null) {
      return Optional.of("the URI has no host");
    }
    try {
      policy.resolveAndCheck(host, resolver);
      return Optional.empty();
    } catch (BlockedAddressException e) {
      return Optional.of(
          "refused by the SSRF guard: " + e.block().describe() + " (" + e.address() + ")");
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
