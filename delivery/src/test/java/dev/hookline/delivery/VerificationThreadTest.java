package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The verification handshake's request goes out from a thread started for it, not the caller's: the
 * caller is often the host's own request thread, and an agent that instruments {@code
 * java.net.http} (the OpenTelemetry Java agent) injects that thread's context, the host's trace and
 * baggage, into every request it sends (checked under the agent in hookline-opentelemetry's
 * JavaAgentTest).
 */
class VerificationThreadTest {

  @Test
  void theHandshakeIsSentFromAThreadOfItsOwnAndTheCallerGetsItsResult() {
    WireMockServer server = Harness.wireMock();
    CountingHttpClient client =
        new CountingHttpClient(
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build());
    Harness h = new Harness();
    try (Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(30)).httpClient(client).build()) {
      server.stubFor(get(urlEqualTo("/hook")).willReturn(aResponse().withStatus(404)));
      Webhook w = h.registered(server.baseUrl() + "/hook", null, UserEvents.CREATED);
      VerificationResult result = dispatcher.startVerification(w.id());
      assertFalse(result.verified());
      assertEquals(
          "endpoint answered HTTP 404; expected 2xx with {\"key\": \"<X-Verification-Key"
              + " value>\"}",
          result.detail());
      List<Thread> senders = client.senders("/hook");
      assertEquals(1, senders.size(), "one handshake request");
      assertNotEquals(Thread.currentThread(), senders.get(0));
      assertEquals("hookline-verify", senders.get(0).getName());
    } finally {
      server.stop();
    }
  }
}
