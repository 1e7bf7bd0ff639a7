package dev.hookline.testing;

import dev.hookline.AddressBlock;
import dev.hookline.spi.HostResolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A table of hostile endpoint URIs for SSRF tests, each with the reason the default {@link
 * dev.hookline.AddressPolicy} must give, and a fake DNS ({@link #RESOLVER}) for the names in it, so
 * tests never depend on real DNS. Used at registration (core) and at send time (delivery); users
 * can run it against their own policy or egress set-up.
 *
 * <p>Immutable and thread-safe.
 */
public final class HostileUris {
  /**
   * One hostile URI and the reason it must be refused.
   *
   * @param uri the endpoint URI
   * @param expected the reason
   */
  public record Case(String uri, AddressBlock expected) {
    /** Checks that no component is null. */
    public Case {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(expected, "expected");
    }
  }

  /** Names the fake DNS resolves, and to what. */
  public static final Map<String, String> DNS =
      Map.ofEntries(
          Map.entry("public.example.test", "93.184.216.34"),
          Map.entry("intranet.example.test", "10.1.2.3"),
          Map.entry("corp.example.test", "172.20.0.9"),
          Map.entry("home.example.test", "192.168.1.1"),
          Map.entry("loop.example.test", "127.0.0.1"),
          Map.entry("meta.example.test", "169.254.169.254"),
          Map.entry("ula.example.test", "fd12:3456::1"),
          Map.entry("mapped.example.test", "::ffff:10.0.0.1"),
          Map.entry("v6loop.example.test", "::1"));

  /** Resolves exactly the names in {@link #DNS}; every other name is unknown. */
  public static final HostResolver RESOLVER =
      host -> {
        String a = DNS.get(host);
        if (a == null) {
          throw new UnknownHostException(host);
        }
        return List.of(InetAddress.getByName(a));
      };

  /** The hostile URIs: literals in every spelling and names that resolve to refused addresses. */
  public static final List<Case> CASES =
      List.of(
          // loopback, in every spelling
          new Case("https://127.0.0.1/", AddressBlock.LOOPBACK),
          new Case("https://127.255.255.254/", AddressBlock.LOOPBACK),
          new Case("https://localhost/", AddressBlock.LOOPBACK),
          new Case("https://LOCALHOST./", AddressBlock.LOOPBACK),
          new Case("https://api.localhost/", AddressBlock.LOOPBACK),
          new Case("https://[::1]/", AddressBlock.LOOPBACK),
          new Case("https://[0:0:0:0:0:0:0:1]/", AddressBlock.LOOPBACK),
          new Case("https://2130706433/", AddressBlock.AMBIGUOUS_LITERAL),
          new Case("https://127.1/", AddressBlock.AMBIGUOUS_LITERAL),
          new Case("https://0177.0.0.1/", AddressBlock.AMBIGUOUS_LITERAL),
          new Case("https://0x7f.0.0.1/", AddressBlock.AMBIGUOUS_LITERAL),
          new Case("https://0x7f000001/", AddressBlock.AMBIGUOUS_LITERAL),
          new Case("https://017700000001/", AddressBlock.AMBIGUOUS_LITERAL),
          new Case("https://127.000.000.001/", AddressBlock.AMBIGUOUS_LITERAL),
          new Case("https://[::ffff:127.0.0.1]/", AddressBlock.EMBEDDED_IPV4),
          new Case("https://[::ffff:7f00:1]/", AddressBlock.EMBEDDED_IPV4),
          new Case("https://[::127.0.0.1]/", AddressBlock.EMBEDDED_IPV4),
          new Case("https://[64:ff9b::7f00:1]/", AddressBlock.EMBEDDED_IPV4),
          new Case("https://[2002:7f00:1::]/", AddressBlock.EMBEDDED_IPV4),
          new Case("https://[2002:a9fe:a9fe::1]/", AddressBlock.EMBEDDED_IPV4),
          // unspecified and this-network
          new Case("https://0.0.0.0/", AddressBlock.UNSPECIFIED),
          new Case("https://[::]/", AddressBlock.UNSPECIFIED),
          new Case("https://0.1.2.3/", AddressBlock.THIS_NETWORK),
          // private
          new Case("https://10.0.0.1/", AddressBlock.PRIVATE),
          new Case("https://10.255.255.255/", AddressBlock.PRIVATE),
          new Case("https://172.16.0.1/", AddressBlock.PRIVATE),
          new Case("https://172.31.255.254/", AddressBlock.PRIVATE),
          new Case("https://192.168.0.1/", AddressBlock.PRIVATE),
          new Case("https://[fec0::1]/", AddressBlock.PRIVATE),
          // link-local and metadata
          new Case("https://169.254.0.1/", AddressBlock.LINK_LOCAL),
          new Case("https://169.254.169.254/latest/meta-data/", AddressBlock.CLOUD_METADATA),
          new Case("https://[fe80::1]/", AddressBlock.LINK_LOCAL),
          new Case("https://[fd00:ec2::254]/", AddressBlock.CLOUD_METADATA),
          new Case("https://[::ffff:169.254.169.254]/", AddressBlock.EMBEDDED_IPV4),
          // special-purpose IPv4
          new Case("https://100.64.0.1/", AddressBlock.SHARED_CGNAT),
          new Case("https://100.127.255.254/", AddressBlock.SHARED_CGNAT),
          new Case("https://198.18.0.1/", AddressBlock.BENCHMARKING),
          new Case("https://198.19.255.254/", AddressBlock.BENCHMARKING),
          new Case("https://192.0.2.10/", AddressBlock.DOCUMENTATION),
          new Case("https://240.0.0.1/", AddressBlock.RESERVED),
          new Case("https://255.255.255.255/", AddressBlock.BROADCAST),
          new Case("https://224.0.0.1/", AddressBlock.MULTICAST),
          new Case("https://239.255.255.250/", AddressBlock.MULTICAST),
          // special-purpose IPv6
          new Case("https://[fc00::1]/", AddressBlock.UNIQUE_LOCAL),
          new Case("https://[fd12:3456::1]/", AddressBlock.UNIQUE_LOCAL),
          new Case("https://[ff02::1]/", AddressBlock.MULTICAST),
          new Case("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", AddressBlock.TEREDO),
          new Case("https://[2001:db8::1]/", AddressBlock.DOCUMENTATION),
          new Case("https://[100::1]/", AddressBlock.RESERVED),
          new Case("https://[3fff::1]/", AddressBlock.DOCUMENTATION),
          new Case("https://[2001:2::1]/", AddressBlock.BENCHMARKING),
          new Case("https://[2001:10::1]/", AddressBlock.RESERVED),
          new Case("https://[2001:20::1]/", AddressBlock.RESERVED),
          // names that resolve to refused addresses
          new Case("https://intranet.example.test/", AddressBlock.PRIVATE),
          new Case("https://corp.example.test/", AddressBlock.PRIVATE),
          new Case("https://home.example.test/", AddressBlock.PRIVATE),
          new Case("https://loop.example.test/", AddressBlock.LOOPBACK),
          new Case("https://meta.example.test/", AddressBlock.CLOUD_METADATA),
          new Case("https://ula.example.test/", AddressBlock.UNIQUE_LOCAL),
          new Case("https://v6loop.example.test/", AddressBlock.LOOPBACK),
          new Case("https://mapped.example.test/", AddressBlock.PRIVATE));

  private HostileUris() {}
}
