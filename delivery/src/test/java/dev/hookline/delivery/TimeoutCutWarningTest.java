package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A per-webhook attempt timeout longer than half the lease is cut to it with one WARN per webhook
 * version, not one on every attempt; the later attempts log it at DEBUG.
 */
class TimeoutCutWarningTest {

  @Test
  void aCutTimeoutIsWarnedOncePerWebhookVersion() {
    WireMockServer server = Harness.wireMock();
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    Webhook w;
    try {
      server.stubFor(post(urlEqualTo("/fail")).willReturn(aResponse().withStatus(500)));
      Harness h = new Harness();
      w = h.receiving(server.baseUrl() + "/fail", null, UserEvents.CREATED);
      RetrySchedule slow =
          RetrySchedule.builder()
              .attemptTimeout(Duration.ofSeconds(30)) // more than half of the 10 s lease
              .delays(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1))
              .build();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try (Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(2))
              .leaseDuration(Duration.ofSeconds(10))
              .retrySchedules(x -> slow)
              .build()) {
        dispatcher.publish(h.event(UserEvents.CREATED));
        dispatcher.publish(h.event(UserEvents.CREATED));
        for (int i = 0; i < 2; i++) {
          assertEquals(2, dispatcher.runDueNow());
          h.clock.advance(Duration.ofSeconds(2));
        }
        // A new version of the webhook (its API key rotated) is warned about once more.
        h.registry.rotateApiKey(w.id(), dev.hookline.Secret.of("another-api-key-0123456789"));
        for (int i = 0; i < 2; i++) {
          assertEquals(2, dispatcher.runDueNow());
          h.clock.advance(Duration.ofSeconds(2));
        }
      }
    } finally {
      System.setErr(originalErr);
      server.stop();
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    List<String> cut =
        lines.stream().filter(l -> l.contains("is cut to") && l.contains(w.id())).toList();
    assertEquals(8, cut.size(), "every attempt logs the cut: " + cut);
    assertEquals(
        2, cut.stream().filter(l -> l.contains(" WARN ")).count(), "one WARN per version: " + cut);
    assertEquals(6, cut.stream().filter(l -> l.contains(" DEBUG ")).count(), cut.toString());
  }
}
