package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
  private static final Secret VECTOR_SECRET = Secret.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  private static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long VECTOR_TS = 1614265330L;
  private static final byte[] VECTOR_BODY =
      "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  private static final String VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  @Test
  void matchesTheStandardWebhooksTestVector() {
    assertEquals(
        VECTOR_SIGNATURE, WebhookSigner.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY));
  }

  @Test
  void signsWithEverySecretDuringRotationSpaceSeparated() {
    Secret other = Secret.of("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]));
    Instant t = Instant.EPOCH;
    String header =
        WebhookSigner.signatureHeader(
            List.of(
                new SigningSecret(VECTOR_SECRET, t, Optional.of(t.plusSeconds(60))),
                new SigningSecret(other, t, Optional.empty())),
            VECTOR_ID,
            VECTOR_TS,
            VECTOR_BODY);
    String[] parts = header.split(" ", -1);
    assertEquals(2, parts.length);
    assertEquals(VECTOR_SIGNATURE, parts[0]);
    assertEquals(WebhookSigner.sign(other, VECTOR_ID, VECTOR_TS, VECTOR_BODY), parts[1]);
    assertFalse(parts[0].equals(parts[1]));
  }

  @Test
  void aDifferentBodyGivesADifferentSignature() {
    byte[] changed = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);
    assertFalse(
        VECTOR_SIGNATURE.equals(WebhookSigner.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, changed)));
  }

  @Test
  void malformedSecretIsRejectedWithoutShowingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                WebhookSigner.sign(
                    Secret.of("whsec_not*base64!secretvalue"), VECTOR_ID, VECTOR_TS, VECTOR_BODY));
    assertFalse(String.valueOf(e.getMessage()).contains("secretvalue"));
    assertEquals(null, e.getCause());
  }

  @Test
  void noSecretsIsAnError() {
    assertThrows(
        IllegalArgumentException.class,
        () -> WebhookSigner.signatureHeader(List.of(), VECTOR_ID, VECTOR_TS, VECTOR_BODY));
  }
}
