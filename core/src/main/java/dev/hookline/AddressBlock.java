package dev.hookline;

/**
 * Why the SSRF guard refuses an address.
 *
 * <p>Immutable and thread-safe.
 */
public enum AddressBlock {
  /** 127.0.0.0/8, ::1, localhost. */
  LOOPBACK("loopback address"),
  /** 0.0.0.0, ::. */
  UNSPECIFIED("unspecified address"),
  /** 0.0.0.0/8. */
  THIS_NETWORK("'this network' address"),
  /** 10/8, 172.16/12, 192.168/16, fec0::/10. */
  PRIVATE("private address"),
  /** 169.254/16, fe80::/10. */
  LINK_LOCAL("link-local address"),
  /** 169.254.169.254, fd00:ec2::254. */
  CLOUD_METADATA("cloud metadata address"),
  /** 100.64/10. */
  SHARED_CGNAT("shared (CGNAT) address"),
  /** 198.18/15. */
  BENCHMARKING("benchmarking address"),
  /** 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32. */
  DOCUMENTATION("documentation address"),
  /** 240/4 and other reserved or non-global ranges. */
  RESERVED("reserved address"),
  /** 224/4, ff00::/8. */
  MULTICAST("multicast address"),
  /** 255.255.255.255. */
  BROADCAST("broadcast address"),
  /** fc00::/7. */
  UNIQUE_LOCAL("IPv6 unique-local address"),
  /** 2001::/32, which hides an IPv4 address. */
  TEREDO("Teredo address"),
  /** IPv4-mapped, IPv4-compatible, NAT64 or 6to4 forms of a refused IPv4 address. */
  EMBEDDED_IPV4("IPv6 address embedding a refused IPv4 address"),
  /** A numeric host that is not a canonical dotted quad (decimal, short, octal, hex forms). */
  AMBIGUOUS_LITERAL("ambiguous IP literal (write a canonical dotted quad without leading zeros)");

  private final String description;

  AddressBlock(String description) {
    this.description = description;
  }

  /**
   * Returns a short description for messages.
   *
   * @return the description
   */
  public String describe() {
    return description;
  }
}
