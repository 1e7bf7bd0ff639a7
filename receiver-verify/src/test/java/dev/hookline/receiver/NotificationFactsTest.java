package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static dev.hookline.receiver.Requests.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.receiver.WebhookVerificationException.Reason;
import dev.hookline.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The body's {@code subject} and {@code changed}: parsed when present, tolerated when absent. */
class NotificationFactsTest {
  private final WebhookVerifier verifier =
      WebhookVerifier.builder()
          .apiKey(API_KEY)
          .signingSecret(SECRET)
          .clock(ManualClock.at(NOW))
          .build();

  private static byte[] body(String id, String extraFields) {
    return ("{\"id\":\""
            + id
            + "\",\"type\":\"user.updated\",\"timestamp\":\"2026-11-22T10:15:30.123Z\","
            + extraFields
            + "\"data\":{\"email\":\"ada@example.com\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private Notification verify(String id, byte[] body) {
    return verifier.verify(headers(id, body), body);
  }

  @Test
  void theFullSubjectAndTheChangedAttributesAreExposed() {
    byte[] body =
        body(
            "evt_full",
            "\"subject\":{\"user_id\":\"u_42\",\"app_id\":\"app_7\",\"tenant\":\"acme\"},"
                + "\"changed\":[\"email\",\"phone_number\"],");
    Notification n = verify("evt_full", body);
    Notification.Subject subject = n.subject().orElseThrow();
    assertEquals("u_42", subject.userId());
    assertEquals(Optional.of("app_7"), subject.appId());
    assertEquals(Optional.of("acme"), subject.tenant());
    assertEquals(List.of("email", "phone_number"), n.changed());
    assertThrows(UnsupportedOperationException.class, () -> n.changed().add("name"));
  }

  @Test
  void appIdTenantAndChangedAreOptional() {
    Notification n = verify("evt_min", body("evt_min", "\"subject\":{\"user_id\":\"u_42\"},"));
    assertEquals(
        new Notification.Subject("u_42", Optional.empty(), Optional.empty()),
        n.subject().orElseThrow());
    assertEquals(List.of(), n.changed());
  }

  @Test
  void aBodyFromAnOlderSenderWithoutSubjectOrChangedIsAccepted() {
    Notification n = verify("evt_old", body("evt_old", ""));
    assertTrue(n.subject().isEmpty());
    assertTrue(n.changed().isEmpty());
    assertEquals("ada@example.com", n.data().get("email").asText());
  }

  @Test
  void jsonNullsCountAsAbsent() {
    Notification n =
        verify(
            "evt_null",
            body(
                "evt_null",
                "\"subject\":{\"user_id\":\"u_1\",\"app_id\":null,\"tenant\":null},"
                    + "\"changed\":null,"));
    assertEquals(Optional.empty(), n.subject().orElseThrow().appId());
    assertEquals(List.of(), n.changed());
    assertTrue(verify("evt_null2", body("evt_null2", "\"subject\":null,")).subject().isEmpty());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"subject\":\"u_42\",",
        "\"subject\":{},",
        "\"subject\":{\"user_id\":\"\"},",
        "\"subject\":{\"user_id\":42},",
        "\"subject\":{\"user_id\":\"u_1\",\"tenant\":7},",
        "\"subject\":{\"user_id\":\"u_1\",\"app_id\":\"\"},",
        "\"changed\":\"email\",",
        "\"changed\":[\"email\",3],",
        "\"changed\":[null],"
      })
  void aSubjectOrChangedOfTheWrongShapeIsMalformed(String fields) {
    byte[] body = body("evt_bad", fields);
    WebhookVerificationException e =
        assertThrows(WebhookVerificationException.class, () -> verify("evt_bad", body));
    assertEquals(Reason.MALFORMED_BODY, e.reason());
    assertFalse(e.getMessage().contains("ada@example.com"), e.getMessage());
  }

  @Test
  void subjectAndChangedTakePartInEquality() {
    byte[] a = body("evt_eq", "\"subject\":{\"user_id\":\"u_1\"},\"changed\":[\"email\"],");
    byte[] b = body("evt_eq", "\"subject\":{\"user_id\":\"u_1\"},\"changed\":[\"name\"],");
    Notification first = verify("evt_eq", a);
    verifier.release(first);
    Notification again = verify("evt_eq", a);
    verifier.release(again);
    assertEquals(first, again);
    assertNotEquals(first, verify("evt_eq", b));
  }
}
