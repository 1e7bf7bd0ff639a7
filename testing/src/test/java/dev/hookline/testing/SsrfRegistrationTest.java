package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.AddressBlock;
import dev.hookline.AddressPolicy;
import dev.hookline.UserEvents;
import dev.hookline.Violation;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookValidationException;
import dev.hookline.store.InMemoryStore;
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
  static Stream<Arguments> hostileUris() {
    return HostileUris.CASES.stream().map(c -> Arguments.of(c.uri(), c.expected()));
  }

  private static WebhookRegistry registry(AddressPolicy policy) {
    return WebhookRegistry.builder()
        .store(new InMemoryStore())
        .addressPolicy(policy)
        .hostResolver(HostileUris.RESOLVER)
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
            .hostResolver(HostileUris.RESOLVER)
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    dev.create(definition("http://127.0.0.1:8080/h"));
    dev.create(definition("https://loop.example.test/h"));
    assertThrows(
        WebhookValidationException.class, () -> dev.create(definition("https://10.0.0.1/")));
  }
}
