package dev.hookline.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.hookline.Event;
import dev.hookline.SigningSecret;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DEBUG logging of a busy run shows ids and outcomes, never an API key, secret or signature. */
class NoSecretsInLogsTest {

  @Test
  void logsNeverContainTheApiKeySecretOrSignature() {
    WireMockServer server = Harness.wireMock();
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<String> signatures = new ArrayList<>();
    Webhook ok;
    Webhook failing;
    Webhook gone;
    try {
      server.stubFor(post(urlEqualTo("/ok")).willReturn(aResponse().withStatus(200)));
      server.stubFor(post(urlEqualTo("/fail")).willReturn(aResponse().withStatus(500)));
      server.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
      Harness h = new Harness();
      ok = h.receiving(server.baseUrl() + "/ok", null, UserEvents.CREATED);
      failing = h.receiving(server.baseUrl() + "/fail", null, UserEvents.CREATED);
      gone = h.receiving(server.baseUrl() + "/gone", null, UserEvents.CREATED);
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try (Dispatcher dispatcher =
          h.dispatcher(Duration.ofSeconds(2))
              .retrySchedule(
                  RetrySchedule.builder()
                      .delays(Duration.ofSeconds(1))
                      .attemptTimeout(Duration.ofSeconds(2))
                      .build())
              .build()) {
        Event e = h.event(UserEvents.CREATED);
        dispatcher.publish(e);
        dispatcher.runDueNow();
        h.clock.advance(Duration.ofSeconds(2));
        dispatcher.runDueNow();
        assertFalse(dispatcher.toString().contains(Harness.API_KEY));
      }
    } finally {
      System.setErr(originalErr);
      server.stop();
    }
    server
        .findAll(postRequestedFor(urlEqualTo("/ok")))
        .forEach(r -> signatures.add(r.getHeader("webhook-signature")));
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertTrue(logs.contains(ok.id()), "the run was logged at DEBUG");
    assertTrue(logs.contains("endpoint failing: webhook=" + failing.id()), logs);
    assertTrue(logs.contains(gone.id()), logs);
    assertFalse(logs.contains(Harness.API_KEY), "API key in logs");
    assertFalse(logs.contains("Bearer"), "Authorization in logs");
    for (Webhook w : List.of(ok, failing, gone)) {
      for (SigningSecret s : w.signingSecrets()) {
        String secret = s.secret().reveal();
        assertFalse(logs.contains(secret.substring("whsec_".length())), "signing secret in logs");
      }
    }
    assertFalse(signatures.isEmpty());
    for (String sig : signatures) {
      assertFalse(logs.contains(sig.substring(3)), "signature in logs");
    }
  }

  @Test
  void anEndpointEchoingTheHeadersLeavesNoKeyOrSignatureInTheDeliveryLog() throws Exception {
    com.sun.net.httpserver.HttpServer echo =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    List<String> seenSignatures = new java.util.concurrent.CopyOnWriteArrayList<>();
    echo.createContext(
        "/",
        x -> {
          x.getRequestBody().readAllBytes();
          String sig = x.getRequestHeaders().getFirst("webhook-signature");
          seenSignatures.add(sig);
          byte[] page =
              ("<h1>Bad gateway</h1><pre>Authorization: "
                      + x.getRequestHeaders().getFirst("Authorization")
                      + "\nwebhook-signature: "
                      + sig
                      + "</pre>")
                  .getBytes(StandardCharsets.UTF_8);
          x.sendResponseHeaders(502, page.length);
          x.getResponseBody().write(page);
          x.close();
        });
    echo.start();
    try {
      Harness h = new Harness();
      Webhook w =
          h.receiving(
              "http://127.0.0.1:" + echo.getAddress().getPort() + "/hook",
              null,
              UserEvents.CREATED);
      h.registry.rotateSigningSecret(w.id(), Duration.ofHours(1)); // two signatures
      try (Dispatcher dispatcher = h.dispatcher(Duration.ofSeconds(5)).build()) {
        Event e = h.event(UserEvents.CREATED);
        dispatcher.publish(e);
        dispatcher.runDueNow();
        String recorded = h.only(e.id()).attempts().get(0).responseBody();
        assertTrue(recorded.contains("Bad gateway"), recorded);
        assertTrue(recorded.contains("Authorization: [redacted]"), recorded);
        assertFalse(recorded.contains(Harness.API_KEY), recorded);
        assertEquals(1, seenSignatures.size());
        String[] parts = seenSignatures.get(0).split(" ", -1);
        assertEquals(2, parts.length, "both secrets signed during the overlap");
        for (String part : parts) {
          assertFalse(recorded.contains(part.substring(3)), recorded);
        }
      }
    } finally {
      echo.stop(0);
    }
  }
}
