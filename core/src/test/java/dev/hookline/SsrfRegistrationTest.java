package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.HostResolver;
import dev.hookline.store.InMemoryStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SSRF guard at registration: hostile hosts, written as literals in every form or as names that
 * resolve to refused addresses, are refused with their specific reason; the same hosts pass once
 * allow-listed.
 */
class SsrfRegistrationTest {
  /** Names a fake DNS resolves, so the test never depends on real DNS. */
  private static final Map<String, String> DNS =
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

  private static final HostResolver FAKE_DNS =
      host -> {
        String a = DNS.get(host);
        if (a == null) {
          throw new UnknownHostException(host);
        }
        return List.of(InetAddress.getByName(a));
      };

  static Stream<Arguments> hostileUris() {
    return Stream.of(
        // loopback, in every spelling
        Arguments.of("https://127.0.0.1/", AddressBlock.LOOPBACK),
        Arguments.of("https://127.255.255.254/", AddressBlock.LOOPBACK),
        Arguments.of("https://localhost/", AddressBlock.LOOPBACK),
        Arguments.of("https://LOCALHOST./", AddressBlock.LOOPBACK),
        Arguments.of("https://api.localhost/", AddressBlock.LOOPBACK),
        Arguments.of("https://[::1]/", AddressBlock.LOOPBACK),
        Arguments.of("https://[0:0:0:0:0:0:0:1]/", AddressBlock.LOOPBACK),
        Arguments.of("https://2130706433/", AddressBlock.AMBIGUOUS_LITERAL),
        Arguments.of("https://127.1/", AddressBlock.AMBIGUOUS_LITERAL),
        Arguments.of("https://0177.0.0.1/", AddressBlock.AMBIGUOUS_LITERAL),
        Arguments.of("https://0x7f.0.0.1/", AddressBlock.AMBIGUOUS_LITERAL),
        Arguments.of("https://0x7f000001/", AddressBlock.AMBIGUOUS_LITERAL),
        Arguments.of("https://017700000001/", AddressBlock.AMBIGUOUS_LITERAL),
        Arguments.of("https://127.000.000.001/", AddressBlock.AMBIGUOUS_LITERAL),
        Arguments.of("https://[::ffff:127.0.0.1]/", AddressBlock.EMBEDDED_IPV4),
        Arguments.of("https://[::ffff:7f00:1]/", AddressBlock.EMBEDDED_IPV4),
        Arguments.of("https://[::127.0.0.1]/", AddressBlock.EMBEDDED_IPV4),
        Arguments.of("https://[64:ff9b::7f00:1]/", AddressBlock.EMBEDDED_IPV4),
        Arguments.of("https://[2002:7f00:1::]/", AddressBlock.EMBEDDED_IPV4),
        Arguments.of("https://[2002:a9fe:a9fe::1]/", AddressBlock.EMBEDDED_IPV4),
        // unspecified and this-network
        Arguments.of("https://0.0.0.0/", AddressBlock.UNSPECIFIED),
        Arguments.of("https://[::]/", AddressBlock.UNSPECIFIED),
        Arguments.of("https://0.1.2.3/", AddressBlock.THIS_NETWORK),
        // private
        Arguments.of("https://10.0.0.1/", AddressBlock.PRIVATE),
        Arguments.of("https://10.255.255.255/", AddressBlock.PRIVATE),
        Arguments.of("https://172.16.0.1/", AddressBlock.PRIVATE),
        Arguments.of("https://172.31.255.254/", AddressBlock.PRIVATE),
        Arguments.of("https://192.168.0.1/", AddressBlock.PRIVATE),
        Arguments.of("https://[fec0::1]/", AddressBlock.PRIVATE),
        // link-local and metadata
        Arguments.of("https://169.254.0.1/", AddressBlock.LINK_LOCAL),
        Arguments.of("https://169.254.169.254/latest/meta-data/", AddressBlock.CLOUD_METADATA),
        Arguments.of("https://[fe80::1]/", AddressBlock.LINK_LOCAL),
        Arguments.of("https://[fd00:ec2::254]/", AddressBlock.CLOUD_METADATA),
        Arguments.of("https://[::ffff:169.254.169.254]/", AddressBlock.EMBEDDED_IPV4),
        // special-purpose IPv4
        Arguments.of("https://100.64.0.1/", AddressBlock.SHARED_CGNAT),
        Arguments.of("https://100.127.255.254/", AddressBlock.SHARED_CGNAT),
        Arguments.of("https://198.18.0.1/", AddressBlock.BENCHMARKING),
        Arguments.of("https://198.19.255.254/", AddressBlock.BENCHMARKING),
        Arguments.of("https://192.0.2.10/", AddressBlock.DOCUMENTATION),
        Arguments.of("https://240.0.0.1/", AddressBlock.RESERVED),
        Arguments.of("https://255.255.255.255/", AddressBlock.BROADCAST),
        Arguments.of("https://224.0.0.1/", AddressBlock.MULTICAST),
        Arguments.of("https://239.255.255.250/", AddressBlock.MULTICAST),
        // special-purpose IPv6
        Arguments.of("https://[fc00::1]/", AddressBlock.UNIQUE_LOCAL),
        Arguments.of("https://[fd12:3456::1]/", AddressBlock.UNIQUE_LOCAL),
        Arguments.of("https://[ff02::1]/", AddressBlock.MULTICAST),
        Arguments.of("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", AddressBlock.TEREDO),
        Arguments.of("https://[2001:db8::1]/", AddressBlock.DOCUMENTATION),
        Arguments.of("https://[100::1]/", AddressBlock.RESERVED),
        // names that resolve to refused addresses
        Arguments.of("https://intranet.example.test/", AddressBlock.PRIVATE),
        Arguments.of("https://corp.example.test/", AddressBlock.PRIVATE),
        Arguments.of("https://home.example.test/", AddressBlock.PRIVATE),
        Arguments.of("https://loop.example.test/", AddressBlock.LOOPBACK),
        Arguments.of("https://meta.example.test/", AddressBlock.CLOUD_METADATA),
        Arguments.of("https://ula.example.test/", AddressBlock.UNIQUE_LOCAL),
        Arguments.of("https://v6loop.example.test/", AddressBlock.LOOPBACK),
        Arguments.of("https://mapped.example.test/", AddressBlock.PRIVATE));
  }

  private static WebhookRegistry registry(AddressPolicy policy) {
    return WebhookRegistry.builder()
        .store(new InMemoryStore())
        .addressPolicy(policy)
        .hostResolver(FAKE_DNS)
        .build();
  }

  private static WebhookDefinition definition(String uri) {
    return WebhookDefinition.builder()
        .name("target")
        .uri(uri)
        .apiKey("k3y-0123456789-abcdef")
        .events(UserEvents.CREATED)
        .build();
  }

  @Test
  void theTableHoldsAtLeastFortyHostileUris() {
    assertTrue(hostileUris().count() >= 40);
  }

  @ParameterizedTest(name = "{0} is refused as {1}")
  @MethodSource("hostileUris")
  void hostileUriIsRefusedWithItsReason(String uri, AddressBlock expected) {
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () -> registry(AddressPolicy.defaults()).create(definition(uri)));
    assertEquals(1, e.violations().size(), e.getMessage());
    Violation v = e.violations().get(0);
    assertEquals("uri", v.field());
    assertTrue(
        v.problem().startsWith("points at a refused address: " + expected.describe()),
        () -> uri + " gave: " + v.problem());
  }

  @ParameterizedTest(name = "{0} passes when allow-listed")
  @MethodSource("hostileUris")
  void allowListedHostsPass(String uri, AddressBlock expected) {
    String host = java.net.URI.create(uri).getHost();
    AddressPolicy.Builder policy = AddressPolicy.builder().allowCidr("0.0.0.0/0").allowCidr("::/0");
    if (host == null) {
      // java.net.URI sees no host in forms like https://127.1/: no client can send there, so
      // no allow-list makes them valid.
      WebhookValidationException e =
          assertThrows(
              WebhookValidationException.class,
              () -> registry(policy.build()).create(definition(uri)));
      assertEquals(AddressBlock.AMBIGUOUS_LITERAL, expected);
      assertTrue(e.getMessage().contains("ambiguous IP literal"), e.getMessage());
      return;
    }
    Webhook w = registry(policy.allowHost(host).build()).create(definition(uri));
    assertEquals(uri, w.uri().toString());
  }

  @Test
  void publicNamesAndAddressesPass() {
    WebhookRegistry r = registry(AddressPolicy.defaults());
    r.create(definition("https://public.example.test/hook"));
    r.create(definition("https://93.184.216.34/hook"));
    r.create(definition("https://[2606:2800:220:1:248:1893:25c8:1946]/hook"));
    assertEquals(3, r.list().size());
  }

  @Test
  void unresolvableNamesAreAcceptedAndCheckedAgainAtSendTime() {
    Webhook w =
        registry(AddressPolicy.defaults()).create(definition("https://not-yet.example.test/h"));
    assertEquals("not-yet.example.test", w.uri().getHost());
  }

  @Test
  void theDevelopmentOptionAllowsLoopbackOnly() {
    WebhookRegistry dev =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .hostResolver(FAKE_DNS)
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    dev.create(definition("http://127.0.0.1:8080/h"));
    dev.create(definition("https://loop.example.test/h"));
    assertThrows(
        WebhookValidationException.class, () -> dev.create(definition("https://10.0.0.1/")));
  }
}
