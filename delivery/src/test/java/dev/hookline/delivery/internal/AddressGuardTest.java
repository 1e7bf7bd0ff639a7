package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.AddressPolicy;
import dev.hookline.testing.HostileUris;
import java.net.URI;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The send-time guard refuses the same hostile table as registration, with the same reasons. */
class AddressGuardTest {
  static Stream<Arguments> cases() {
    return HostileUris.CASES.stream().map(c -> Arguments.of(c.uri(), c.expected()));
  }

  @Test
  void theTableHoldsAtLeastFortyHostileUris() {
    assertTrue(HostileUris.CASES.size() >= 40);
  }

  @ParameterizedTest(name = "{0} is refused before sending as {1}")
  @MethodSource("cases")
  void refusedAtSendTime(String uri, dev.hookline.AddressBlock expected) {
    AddressGuard guard = new AddressGuard(AddressPolicy.defaults(), HostileUris.RESOLVER);
    URI parsed = URI.create(uri);
    Optional<String> refusal = guard.refusal(parsed);
    assertTrue(refusal.isPresent(), uri);
    if (parsed.getHost() == null) {
      // forms like https://127.1/ have no host for java.net.URI: nothing can be sent there
      assertEquals("the URI has no host", refusal.get());
    } else {
      assertTrue(refusal.get().contains(expected.describe()), () -> uri + " gave " + refusal.get());
    }
  }

  @ParameterizedTest(name = "{0} passes when allow-listed")
  @MethodSource("cases")
  void allowListedPassesAtSendTime(String uri, dev.hookline.AddressBlock expected) {
    URI parsed = URI.create(uri);
    if (parsed.getHost() == null) {
      return; // covered above: never sendable
    }
    AddressPolicy allowAll =
        AddressPolicy.builder()
            .allowCidr("0.0.0.0/0")
            .allowCidr("::/0")
            .allowHost(parsed.getHost())
            .build();
    assertEquals(
        Optional.empty(), new AddressGuard(allowAll, HostileUris.RESOLVER).refusal(parsed), uri);
  }
}
