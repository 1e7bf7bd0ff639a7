package dev.hookline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/notification.schema.json accepts the documented body and rejects bodies that break it, so
 * that the end-to-end checks in {@link DemoTest} and {@link QuickStartTest} can fail.
 */
class NotificationSchemaTest {
  private static final String FULL =
      """
      {"id":"evt_1","type":"user.updated","timestamp":"2026-11-22T10:15:30.123Z",
       "subject":{"user_id":"usr_1","app_id":"app_console","tenant":"acme"},
       "changed":["email","password"],"data":{"email":"ada@example.com"}}""";

  @Test
  void theDocumentedBodyWithEveryOptionalMemberIsValid() {
    assertEquals(List.of(), NotificationSchema.problems(FULL));
    assertEquals(
        List.of(),
        NotificationSchema.problems(
            """
            {"id":"evt_2","type":"webhook.test","timestamp":"2026-11-22T10:15:30.000Z",
             "subject":{"user_id":"hookline-test"},"data":{}}"""));
  }

  @Test
  void aBodyWithoutSubjectIsRejected() {
    List<String> problems =
        NotificationSchema.problems(
            """
            {"id":"evt_1","type":"user.created","timestamp":"2026-11-22T10:15:30.123Z",
             "data":{}}""");
    assertFalse(problems.isEmpty());
    assertTrue(problems.toString().contains("subject"), problems.toString());
  }

  @Test
  void bodiesThatBreakTheSchemaAreRejected() {
    for (String broken :
        List.of(
            FULL.replace("\"user_id\":\"usr_1\",", ""), // subject without a user
            FULL.replace("\"changed\":[\"email\",\"password\"]", "\"changed\":[]"),
            FULL.replace("\"tenant\":\"acme\"", "\"tenant\":\"\""),
            FULL.replace("2026-11-22T10:15:30.123Z", "2026-11-22 10:15"),
            FULL.replace("\"data\":{\"email\":\"ada@example.com\"}", "\"data\":[1]"),
            FULL.replace("\"id\":\"evt_1\",", ""),
            FULL.replace("\"type\":\"user.updated\"", "\"type\":\"User Updated\""),
            FULL.replace("{\"id\"", "{\"extra\":1,\"id\""),
            FULL.replace("\"tenant\":\"acme\"", "\"tenant\":\"acme\",\"org\":\"x\""))) {
      assertFalse(NotificationSchema.problems(broken).isEmpty(), broken);
    }
  }
}
