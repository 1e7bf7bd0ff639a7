package dev.hookline.internal;

import java.net.InetAddress;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Strict parsing of IP literals. The JVM's resolver accepts {@code 2130706433} and {@code 127.1} as
 * 127.0.0.1 and reads {@code 0177.0.0.1} as decimal: an SSRF guard must not guess, so only a
 * canonical dotted quad (no leading zeros) counts as IPv4 here.
 */
public final class IpLiterals {
  private static final Pattern NUMERIC =
      Pattern.compile("(0x[0-9a-f]*|[0-9]+)(\\.(0x[0-9a-f]*|[0-9]*))*\\.?");
  private static final Pattern OCTET = Pattern.compile("0|[1-9][0-9]{0,2}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+(%[0-9a-z_.-]+)?");

  private IpLiterals() {}

  /**
   * Returns whether a host is made of numbers and dots (decimal, octal-looking or hex), which a
   * resolver may read as an IPv4 address.
   *
   * @param host lower-case host
   * @return true if numeric-looking
   */
  public static boolean looksNumeric(String host) {
    return NUMERIC.matcher(host).matches();
  }

  /**
   * Parses a canonical dotted quad.
   *
   * @param text for example {@code 93.184.216.34}
   * @return the address, or empty if not exactly four decimal octets without leading zeros
   */
  public static Optional<InetAddress> parseCanonicalIpv4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return Optional.empty();
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      if (!OCTET.matcher(parts[i]).matches()) {
        return Optional.empty();
      }
      int v = Integer.parseInt(parts[i]);
      if (v > 255) {
        return Optional.empty();
      }
      bytes[i] = (byte) v;
    }
    return Optional.of(Cidr.address(bytes));
  }

  /**
   * Parses an IPv6 literal (without brackets). The result keeps all 16 bytes even for IPv4-mapped
   * forms, which the JVM would turn into an IPv4 address.
   *
   * @param text for example {@code ::1} or {@code ::ffff:127.0.0.1}
   * @return the address, or empty if malformed
   */
  public static Optional<InetAddress> parseIpv6(String text) {
    String lower = text.toLowerCase(java.util.Locale.ROOT);
    if (!lower.contains(":") || !IPV6.matcher(lower).matches()) {
      return Optional.empty();
    }
    try {
      byte[] bytes = sixteenBytes(lower);
      return Optional.of(Cidr.address(bytes));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Returns the 16 bytes of an IPv6 literal, keeping IPv4-mapped forms as IPv6.
   *
   * @param text the literal, without brackets or zone
   * @return 16 bytes
   * @throws IllegalArgumentException if malformed
   */
  public static byte[] sixteenBytes(String text) {
    String s = text;
    int zone = s.indexOf('%');
    if (zone >= 0) {
      s = s.substring(0, zone);
    }
    byte[] out = new byte[16];
    int[] groups = new int[8];
    String head = s;
    String tail = "";
    int dbl = s.indexOf("::");
    if (dbl >= 0) {
      if (s.indexOf("::", dbl + 1) >= 0) {
        throw new IllegalArgumentException("two '::' in " + text);
      }
      head = s.substring(0, dbl);
      tail = s.substring(dbl + 2);
    }
    int[] h = groups(head);
    int[] t = groups(tail);
    if (dbl < 0 && h.length != 8) {
      throw new IllegalArgumentException("IPv6 needs 8 groups: " + text);
    }
    if (h.length + t.length > (dbl < 0 ? 8 : 7)) {
      throw new IllegalArgumentException("too many groups: " + text);
    }
    System.arraycopy(h, 0, groups, 0, h.length);
    System.arraycopy(t, 0, groups, 8 - t.length, t.length);
    for (int i = 0; i < 8; i++) {
      out[2 * i] = (byte) (groups[i] >>> 8);
      out[2 * i + 1] = (byte) groups[i];
    }
    return out;
  }

  private static int[] groups(String part) {
    if (part.isEmpty()) {
      return new int[0];
    }
    String[] raw = part.split(":", -1);
    boolean v4Tail = raw[raw.length - 1].contains(".");
    int[] out = new int[raw.length + (v4Tail ? 1 : 0)];
    for (int i = 0; i < raw.length; i++) {
      String g = raw[i];
      if (i == raw.length - 1 && v4Tail) {
        byte[] v4 =
            parseCanonicalIpv4(g)
                .orElseThrow(() -> new IllegalArgumentException("bad embedded IPv4 " + g))
                .getAddress();
        out[i] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
        out[i + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
        continue;
      }
      if (g.isEmpty() || g.length() > 4) {
        throw new IllegalArgumentException("bad IPv6 group '" + g + "'");
      }
      out[i] = Integer.parseInt(g, 16);
    }
    return out;
  }
}
