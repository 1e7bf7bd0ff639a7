package dev.hookline.admin.internal;

import dev.hookline.internal.IpLiterals;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The key a client is counted under by the failed-authentication limit. An IPv6 client is its /64:
 * one subscriber, one LAN, usually gets a whole /64 (or more), so counting each of its 2^64
 * addresses apart would give it 2^64 times the limit. An IPv4-mapped IPv6 address is its IPv4
 * address. Anything else (an IPv4 address, a host's own label) is used as given. Never resolves a
 * name.
 */
final class ClientKey {
  private ClientKey() {}

  static String of(String remoteAddress) {
    String a = remoteAddress.trim();
    if (a.startsWith("[") && a.endsWith("]")) {
      a = a.substring(1, a.length() - 1);
    }
    int zone = a.indexOf('%');
    if (zone >= 0) {
      a = a.substring(0, zone);
    }
    if (a.indexOf(':') < 0) {
      return remoteAddress;
    }
    byte[] b;
    try {
      b = IpLiterals.sixteenBytes(a.toLowerCase(Locale.ROOT));
    } catch (RuntimeException e) {
      return remoteAddress; // not an IPv6 literal: counted as given
    }
    boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    for (int i = 0; i < 10 && mapped; i++) {
      mapped = b[i] == 0;
    }
    if (mapped) {
      return (b[12] & 255) + "." + (b[13] & 255) + "." + (b[14] & 255) + "." + (b[15] & 255);
    }
    HexFormat hex = HexFormat.of();
    StringBuilder key = new StringBuilder(24);
    for (int i = 0; i < 8; i += 2) {
      key.append(hex.toHexDigits(b[i])).append(hex.toHexDigits(b[i + 1])).append(':');
    }
    return key.append(":/64").toString();
  }
}
