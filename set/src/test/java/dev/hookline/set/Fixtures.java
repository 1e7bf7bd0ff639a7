package dev.hookline.set;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Keys, events and webhooks the SET tests share. Keys are generated once per JVM (RSA is slow). */
final class Fixtures {
  static final String ISSUER = "https://id.example.com";
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  static final SecureRandom RANDOM = new SecureRandom();
  static final SigningKey RSA_1 = SigningKey.generate("rsa-1", SigningAlgorithm.RS256, RANDOM);
  static final SigningKey RSA_2 = SigningKey.generate("rsa-2", SigningAlgorithm.RS256, RANDOM);
  static final SigningKey EC_1 = SigningKey.generate("ec-1", SigningAlgorithm.ES256, RANDOM);

  private Fixtures() {}

  static Event updated(String id, Instant at) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("email", "ada@example.com");
    data.putObject("profile").put("locale", "en-GB");
    return Event.builder(UserEvents.UPDATED)
        .id(id)
        .occurredAt(at)
        .subject(new Subject("user-42", Optional.of("app-7"), Optional.of("acme")))
        .changed("email", "profile.locale")
        .data(data)
        .build();
  }

  static Webhook webhook(String uri, Optional<String> audience) {
    return webhook("wh_set", uri, audience);
  }

  static Webhook webhook(String id, String uri, Optional<String> audience) {
    return new Webhook(
        id,
        Optional.empty(),
        "set",
        "",
        URI.create(uri),
        Secret.of("test-api-key-0123456789"),
        Set.of(UserEvents.UPDATED),
        Optional.empty(),
        WebhookFormat.SECURITY_EVENT_TOKEN,
        audience,
        WebhookStatus.VERIFIED,
        true,
        Optional.empty(),
        List.of(new SigningSecret(Secret.of("whsec_AAAA"), T0, Optional.empty())),
        T0,
        T0,
        1);
  }
}
