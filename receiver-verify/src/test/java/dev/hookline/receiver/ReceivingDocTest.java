package dev.hookline.receiver;

import static dev.hookline.receiver.Requests.API_KEY;
import static dev.hookline.receiver.Requests.NOW;
import static dev.hookline.receiver.Requests.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.testing.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The listener for other frameworks in docs/receiving.md, and what its body handling does. */
class ReceivingDocTest {
  private final WebhookVerifier verifier =
      WebhookVerifier.builder()
          .apiKey(API_KEY)
          .signingSecret(SECRET)
          .clock(ManualClock.at(NOW))
          .maxBodyBytes(64 * 1024)
          .build();

  /** A body that never ends, as an attacker's upload; it counts what was read of it. */
  private static final class EndlessBody extends InputStream {
    long read;

    @Override
    public int read() {
      read++;
      return 'x';
    }

    @Override
    public int read(byte[] b, int off, int len) {
      java.util.Arrays.fill(b, off, off + len, (byte) 'x');
      read += len;
      return len;
    }
  }

  @Test
  void theFrameworkSnippetReadsAtMostOneByteOverTheLimitWhichIsRefusedWith413() throws IOException {
    String docs = Files.readString(Path.of("../docs/receiving.md"), StandardCharsets.UTF_8);
    int from = docs.indexOf("### From any other framework");
    int code = docs.indexOf("```java", from);
    String snippet = docs.substring(code, docs.indexOf("```\n", code + 7));
    assertFalse(snippet.contains("@RequestBody"), "reads the whole body before verifying it");
    assertTrue(snippet.contains("in.readNBytes(verifier.maxBodyBytes() + 1)"), snippet);

    // What the snippet does with an authenticated request whose body does not end:
    EndlessBody in = new EndlessBody();
    byte[] body = in.readNBytes(verifier.maxBodyBytes() + 1);
    List<Notification> received = new ArrayList<>();
    VerifyingHandler.Response r =
        VerifyingHandler.create(verifier, received::add)
            .respond("POST", Requests.headers("evt_endless", body), body);
    assertEquals(413, r.status());
    assertEquals(verifier.maxBodyBytes() + 1L, in.read);
    assertTrue(received.isEmpty());
  }
}
