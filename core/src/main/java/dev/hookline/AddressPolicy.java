package dev.hookline;

import dev.hookline.internal.Cidr;
import dev.hookline.internal.IpLiterals;
import dev.hookline.spi.HostResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The SSRF guard's rules: which addresses a webhook may point at. By default only public unicast
 * addresses are allowed; loopback, unspecified, private, link-local (with the cloud metadata
 * addresses), shared (CGNAT), benchmarking, documentation, reserved, multicast and broadcast ranges
 * are refused, and so are IPv6 forms that embed a refused IPv4 address (IPv4-mapped,
 * IPv4-compatible, NAT64, 6to4) and Teredo. The tables are explicit CIDRs, not {@code
 * InetAddress.isXxx()}, which misses several of these.
 *
 * <p>Host names written as ambiguous IPv4 literals ({@code 2130706433}, {@code 127.1}, {@code
 * 0177.0.0.1}, {@code 0x7f.0.0.1}) are refused outright rather than guessed at: the JVM's resolver
 * reads some of them as loopback.
 *
 * <p>An explicit allow-list of CIDRs and host names exists for development and tests. Immutable and
 * thread-safe.
 */
public final class AddressPolicy {
  private static final List<Rule> V4_RULES =
      List.of(
          rule("255.255.255.255/32", AddressBlock.BROADCAST),
          rule("0.0.0.0/32", AddressBlock.UNSPECIFIED),
          rule("0.0.0.0/8", AddressBlock.THIS_NETWORK),
          rule("10.0.0.0/8", AddressBlock.PRIVATE),
          rule("100.64.0.0/10", AddressBlock.SHARED_CGNAT),
          rule("127.0.0.0/8", AddressBlock.LOOPBACK),
          rule("169.254.169.254/32", AddressBlock.CLOUD_METADATA),
          rule("169.254.0.0/16", AddressBlock.LINK_LOCAL),
          rule("172.16.0.0/12", AddressBlock.PRIVATE),
          rule("192.0.0.0/24", AddressBlock.RESERVED),
          rule("192.0.2.0/24", AddressBlock.DOCUMENTATION),
          rule("192.88.99.0/24", AddressBlock.RESERVED),
          rule("192.168.0.0/16", AddressBlock.PRIVATE),
          rule("198.18.0.0/15", AddressBlock.BENCHMARKING),
          rule("198.51.100.0/24", AddressBlock.DOCUMENTATION),
          rule("203.0.113.0/24", AddressBlock.DOCUMENTATION),
          rule("224.0.0.0/4", AddressBlock.MULTICAST),
          rule("240.0.0.0/4", AddressBlock.RESERVED));

  private static final List<Rule> V6_RULES =
      List.of(
          rule("::/128", AddressBlock.UNSPECIFIED),
          rule("::1/128", AddressBlock.LOOPBACK),
          rule("fd00:ec2::254/128", AddressBlock.CLOUD_METADATA),
          rule("fc00::/7", AddressBlock.UNIQUE_LOCAL),
          rule("fe80::/10", AddressBlock.LINK_LOCAL),
          rule("fec0::/10", AddressBlock.PRIVATE),
          rule("ff00::/8", AddressBlock.MULTICAST),
          rule("2001::/32", AddressBlock.TEREDO),
          rule("2001:db8::/32", AddressBlock.DOCUMENTATION),
          rule("3fff::/20", AddressBlock.DOCUMENTATION), // RFC 9637
          rule("2001:2::/48", AddressBlock.BENCHMARKING), // RFC 5180
          rule("2001:10::/28", AddressBlock.RESERVED), // ORCHID, RFC 4843
          rule("2001:20::/28", AddressBlock.RESERVED), // ORCHIDv2, RFC 7343
          rule("64:ff9b:1::/48", AddressBlock.RESERVED),
          rule("100::/64", AddressBlock.RESERVED));

  private static final Cidr IPV4_MAPPED = Cidr.parse("::ffff:0:0/96");
  private static final Cidr IPV4_COMPATIBLE = Cidr.parse("::/96");
  private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
  private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");
  private static final Cidr GLOBAL_UNICAST = Cidr.parse("2000::/3");

  private static final AddressPolicy DEFAULTS = new AddressPolicy(List.of(), Set.of());

  private final List<Cidr> allowedCidrs;
  private final Set<String> allowedHosts;

  private AddressPolicy(List<Cidr> allowedCidrs, Set<String> allowedHosts) {
    this.allowedCidrs = allowedCidrs;
    this.allowedHosts = allowedHosts;
  }

  /**
   * Returns the default policy: public unicast addresses only, nothing allow-listed.
   *
   * @return the default policy
   */
  public static AddressPolicy defaults() {
    return DEFAULTS;
  }

  /**
   * Starts a policy with an allow-list.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a copy that also allows loopback ({@code 127.0.0.0/8}, {@code ::1}, {@code localhost}):
   * what the registry's development option adds.
   *
   * @return the widened policy
   */
  public AddressPolicy withLoopbackAllowed() {
    return toBuilder().allowCidr("127.0.0.0/8").allowCidr("::1/128").allowHost("localhost").build();
  }

  private Builder toBuilder() {
    Builder b = new Builder();
    b.cidrs.addAll(allowedCidrs);
    b.hosts.addAll(allowedHosts);
    return b;
  }

  /**
   * Says why an address is refused.
   *
   * @param address a resolved address
   * @return the reason, or empty if the address is allowed
   */
  public Optional<AddressBlock> check(InetAddress address) {
    return checkBytes(Objects.requireNonNull(address, "address").getAddress());
  }

  private Optional<AddressBlock> classify(byte[] bytes) {
    if (bytes.length == 4) {
      for (Rule r : V4_RULES) {
        if (r.cidr.contains(bytes)) {
          return Optional.of(r.block);
        }
      }
      return Optional.empty();
    }
    Optional<byte[]> embedded = embeddedIpv4(bytes);
    if (embedded.isPresent()) {
      Optional<AddressBlock> inner = checkBytes(embedded.get());
      return inner.map(b -> AddressBlock.EMBEDDED_IPV4);
    }
    for (Rule r : V6_RULES) {
      if (r.cidr.contains(bytes)) {
        return Optional.of(r.block);
      }
    }
    return GLOBAL_UNICAST.contains(bytes) ? Optional.empty() : Optional.of(AddressBlock.RESERVED);
  }

  private Optional<AddressBlock> checkBytes(byte[] bytes) {
    for (Cidr c : allowedCidrs) {
      if (c.contains(bytes)) {
        return Optional.empty();
      }
    }
    return classify(bytes);
  }

  /** Returns the IPv4 address an IPv6 address carries in a well-known embedding, if any. */
  private static Optional<byte[]> embeddedIpv4(byte[] v6) {
    if (IPV4_MAPPED.contains(v6) || NAT64.contains(v6)) {
      return Optional.of(slice(v6, 12));
    }
    if (IPV4_COMPATIBLE.contains(v6) && !isZeroOrOne(v6)) {
      return Optional.of(slice(v6, 12));
    }
    if (SIX_TO_FOUR.contains(v6)) {
      return Optional.of(slice(v6, 2));
    }
    return Optional.empty();
  }

  private static boolean isZeroOrOne(byte[] v6) {
    for (int i = 0; i < 15; i++) {
      if (v6[i] != 0) {
        return false;
      }
    }
    return v6[15] == 0 || v6[15] == 1;
  }

  private static byte[] slice(byte[] bytes, int from) {
    byte[] v4 = new byte[4];
    System.arraycopy(bytes, from, v4, 0, 4);
    return v4;
  }

  /**
   * Returns whether a host name is on the allow-list.
   *
   * @param host the host as written in a URI
   * @return true if allow-listed (case-insensitive)
   */
  public boolean isHostAllowed(String host) {
    return allowedHosts.contains(host.toLowerCase(Locale.ROOT));
  }

  /**
   * Checks a URI host without resolving it: IP literals in any form are parsed and classified,
   * {@code localhost} names are loopback. Host names that need DNS are not judged here.
   *
   * @param uriHost the host as {@link java.net.URI#getHost()} gives it (IPv6 in brackets)
   * @return the reason the host is refused, if it can be told without DNS
   */
  public Optional<Refusal> checkLiteral(String uriHost) {
    String host = uriHost.toLowerCase(Locale.ROOT);
    if (isHostAllowed(host)) {
      return Optional.empty();
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      Optional<InetAddress> v6 = IpLiterals.parseIpv6(host.substring(1, host.length() - 1));
      if (v6.isEmpty()) {
        return Optional.of(new Refusal(AddressBlock.AMBIGUOUS_LITERAL, host));
      }
      return check(v6.get()).map(b -> new Refusal(b, v6.get().getHostAddress()));
    }
    if (IpLiterals.looksNumeric(host)) {
      Optional<InetAddress> v4 = IpLiterals.parseCanonicalIpv4(host);
      if (v4.isEmpty()) {
        return Optional.of(new Refusal(AddressBlock.AMBIGUOUS_LITERAL, host));
      }
      return check(v4.get()).map(b -> new Refusal(b, v4.get().getHostAddress()));
    }
    String bare = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (bare.equals("localhost") || bare.endsWith(".localhost")) {
      return isHostAllowed(bare)
          ? Optional.empty()
          : Optional.of(new Refusal(AddressBlock.LOOPBACK, host));
    }
    return Optional.empty();
  }

  /**
   * Resolves a URI host and checks every address it resolves to: the check made before every
   * delivery attempt (and at registration).
   *
   * @param uriHost the host as {@link java.net.URI#getHost()} gives it
   * @param resolver the resolver
   * @return the checked addresses (for a literal, the literal's address)
   * @throws BlockedAddressException if the host or any address it resolves to is refused
   * @throws UnknownHostException if the name does not resolve
   */
  public List<InetAddress> resolveAndCheck(String uriHost, HostResolver resolver)
      throws UnknownHostException {
    Objects.requireNonNull(resolver, "resolver");
    Optional<Refusal> literal = checkLiteral(uriHost);
    if (literal.isPresent()) {
      throw new BlockedAddressException(literal.get());
    }
    String host = uriHost.toLowerCase(Locale.ROOT);
    if (isHostAllowed(host)) {
      return resolveAllowed(host, resolver);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return List.of(IpLiterals.parseIpv6(host.substring(1, host.length() - 1)).orElseThrow());
    }
    if (IpLiterals.looksNumeric(host)) {
      return List.of(IpLiterals.parseCanonicalIpv4(host).orElseThrow());
    }
    List<InetAddress> addresses = resolver.resolve(host);
    if (addresses.isEmpty()) {
      throw new UnknownHostException(host + ": no addresses");
    }
    for (InetAddress a : addresses) {
      Optional<AddressBlock> block = check(a);
      if (block.isPresent()) {
        throw new BlockedAddressException(
            new Refusal(block.get(), host + " -> " + a.getHostAddress()));
      }
    }
    return addresses;
  }

  private static List<InetAddress> resolveAllowed(String host, HostResolver resolver)
      throws UnknownHostException {
    if (host.startsWith("[") && host.endsWith("]")) {
      Optional<InetAddress> v6 = IpLiterals.parseIpv6(host.substring(1, host.length() - 1));
      if (v6.isPresent()) {
        return List.of(v6.get());
      }
    }
    Optional<InetAddress> v4 = IpLiterals.parseCanonicalIpv4(host);
    if (v4.isPresent()) {
      return List.of(v4.get());
    }
    List<InetAddress> addresses = resolver.resolve(host);
    if (addresses.isEmpty()) {
      throw new UnknownHostException(host + ": no addresses");
    }
    return addresses;
  }

  private static Rule rule(String cidr, AddressBlock block) {
    return new Rule(Cidr.parse(cidr), block);
  }

  private record Rule(Cidr cidr, AddressBlock block) {}

  /**
   * Why a host or address was refused.
   *
   * @param block the kind of address
   * @param address the address or host that was refused, as text
   */
  public record Refusal(AddressBlock block, String address) {
    /** Checks that no component is null. */
    public Refusal {
      Objects.requireNonNull(block, "block");
      Objects.requireNonNull(address, "address");
    }

    @Override
    public String toString() {
      return block.describe() + " (" + address + ")";
    }
  }

  /** Builds an {@link AddressPolicy}. Not thread-safe. */
  public static final class Builder {
    private final List<Cidr> cidrs = new ArrayList<>();
    private final Set<String> hosts = new LinkedHashSet<>();

    private Builder() {}

    /**
     * Allows a range that would otherwise be refused, for development and tests.
     *
     * @param cidr for example {@code 127.0.0.0/8} or {@code ::1/128}
     * @return this builder
     * @throws IllegalArgumentException if the CIDR is malformed
     */
    public Builder allowCidr(String cidr) {
      cidrs.add(Cidr.parse(Objects.requireNonNull(cidr, "cidr")));
      return this;
    }

    /**
     * Allows a host name whatever it resolves to, for development and tests.
     *
     * @param host the host name
     * @return this builder
     */
    public Builder allowHost(String host) {
      hosts.add(Objects.requireNonNull(host, "host").toLowerCase(Locale.ROOT));
      return this;
    }

    /**
     * Returns the policy.
     *
     * @return the policy
     */
    public AddressPolicy build() {
      return new AddressPolicy(List.copyOf(cidrs), Set.copyOf(hosts));
    }
  }
}
