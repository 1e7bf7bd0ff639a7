package dev.hookline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.DeliveryCounts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo runs to its end and tells the story it promises. */
class DemoTest {
  @Test
  void theDemoDeliversEverythingInTheEnd() throws Exception {
    check("--store=memory");
  }

  @Test
  void theDemoRunsTheSameOnPostgres() throws Exception {
    check("--store=postgres");
  }

  private static void check(String store) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Demo.Summary summary;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      summary = Demo.run(out, store);
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(summary.allDelivered(), printed);
    assertEquals(new DeliveryCounts(15, 0, 0, 15, 0, 0), summary.counts().get("CRM sync"));
    assertEquals(new DeliveryCounts(2, 0, 0, 2, 0, 0), summary.counts().get("Security alerts"));
    assertEquals(new DeliveryCounts(2, 0, 0, 2, 0, 0), summary.counts().get("Analytics"));
    assertTrue(printed.contains("FAILED after 4 attempts"), printed);
    assertTrue(printed.contains("redeliverFailed -> 2 deliveries requeued"), printed);
    assertTrue(printed.contains("listener /security  verified user.updated"), printed);
    // Every notification the listener verified matches docs/notification.schema.json.
    int checked = NotificationSchema.assertAllValid(summary.notifications());
    assertTrue(checked >= 19, "every delivery reached the listener: " + checked);
    assertTrue(
        summary.notifications().stream().anyMatch(b -> b.contains("\"changed\":[\"email\"]")),
        "the changed attributes are on the wire");
    assertTrue(
        summary.notifications().stream()
            .allMatch(
                b ->
                    b.contains(
                        "\"subject\":{\"user_id\":\"usr_ada\",\"app_id\":\"app_console\",\"tenant\":\"acme\"}")),
        "the subject is on the wire");
  }

  @Test
  void anUnknownArgumentIsRefusedWithTheChoices() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Demo.run(System.out, "--store=cassandra"));
    assertTrue(e.getMessage().contains("--store=memory"), e.getMessage());
  }
}
