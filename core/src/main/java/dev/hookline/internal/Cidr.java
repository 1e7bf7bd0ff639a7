package dev.hookline.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** An IPv4 or IPv6 address range. Immutable and thread-safe. */
public final class Cidr {
  private final byte[] network;
  private final int prefix;

  private Cidr(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Parses {@code address/prefix}; the address must be a numeric literal.
   *
   * @param text for example {@code 10.0.0.0/8} or {@code fc00::/7}
   * @return the range
   * @throws IllegalArgumentException if malformed
   */
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("CIDR '" + text + "' needs a /prefix");
    }
    String addr = text.substring(0, slash);
    Optional<InetAddress> parsed =
        addr.contains(":") ? IpLiterals.parseIpv6(addr) : IpLiterals.parseCanonicalIpv4(addr);
    if (parsed.isEmpty()) {
      throw new IllegalArgumentException("CIDR '" + text + "' has a malformed address");
    }
    byte[] bytes = addr.contains(":") ? IpLiterals.sixteenBytes(addr) : parsed.get().getAddress();
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("CIDR '" + text + "' has a malformed prefix", e);
    }
    if (prefix < 0 || prefix > bytes.length * 8) {
      throw new IllegalArgumentException("CIDR '" + text + "' prefix is out of range");
    }
    return new Cidr(bytes, prefix);
  }

  /**
   * Returns whether the address lies in the range (same family only).
   *
   * @param address 4 or 16 bytes
   * @return true if inside
   */
  public boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (address[full] & mask) == (network[full] & mask);
  }

  static InetAddress address(byte[] bytes) {
    try {
      // Inet6Address keeps IPv4-mapped forms as IPv6 (InetAddress.getByAddress would not).
      return bytes.length == 16
          ? Inet6Address.getByAddress(null, bytes, -1)
          : InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address length " + bytes.length, e);
    }
  }
}
