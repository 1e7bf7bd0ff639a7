package dev.hookline.delivery.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.hookline.ErrorKind;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HttpSenderTest {
  // Generous for a loaded, shared machine: fault answers arrive in milliseconds anyway.
  private static final Duration DEADLINE = Duration.ofMillis(1500);
  // Ending within deadline + this proves the body is covered: the dribble would take 10 s.
  private static final long MARGIN_MS = 1000;
  private static WireMockServer server;
  private static ExecutorService executor;
  private static HttpSender sender;

  @BeforeAll
  static void startServer() {
    server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    executor = Executors.newCachedThreadPool(Threads.named("test-http"));
    sender =
        new HttpSender(
            HttpClients.defaultClient(DEADLINE, executor), 64, DestinationCheck.ALLOW_ALL);
  }

  @AfterAll
  static void stopServer() {
    server.stop();
    executor.shutdownNow();
  }

  private SendOutcome sendTo(String path) throws InterruptedException {
    HttpRequest r =
        HttpClients.requestBuilder(URI.create(server.baseUrl() + path), DEADLINE)
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    return sender.send(r, DEADLINE);
  }

  private void fault(String path, Fault fault) {
    server.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withFault(fault)));
  }

  @Test
  void keepsOnlyTheFirstBytesOfTheBody() throws Exception {
    server.stubFor(
        post(urlEqualTo("/big"))
            .willReturn(aResponse().withStatus(200).withBody("x".repeat(1000))));
    SendOutcome o = sendTo("/big");
    assertEquals(200, o.status().orElse(-1), o.detail());
    assertEquals(64, o.body().length());
  }

  @Test
  void aNulOrAMalformedByteInTheBodyIsKeptAsTheReplacementCharacter() throws Exception {
    server.stubFor(
        post(urlEqualTo("/binary"))
            .willReturn(
                aResponse().withStatus(500).withBody(new byte[] {'o', 'k', 0, (byte) 0xff, '!'})));
    SendOutcome o = sendTo("/binary");
    // Every store keeps the same text: PostgreSQL's jsonb refuses \u0000.
    assertEquals("ok\uFFFD\uFFFD!", o.body());
  }

  @Test
  void connectionReset() throws Exception {
    fault("/reset", Fault.CONNECTION_RESET_BY_PEER);
    SendOutcome o = sendTo("/reset");
    assertEquals(Optional.of(ErrorKind.CONNECTION_RESET), o.error(), o.detail());
  }

  @Test
  void emptyResponse() throws Exception {
    fault("/empty", Fault.EMPTY_RESPONSE);
    SendOutcome o = sendTo("/empty");
    assertEquals(Optional.of(ErrorKind.CONNECTION_RESET), o.error(), o.detail());
  }

  @Test
  void malformedChunk() throws Exception {
    fault("/chunk", Fault.MALFORMED_RESPONSE_CHUNK);
    SendOutcome o = sendTo("/chunk");
    assertEquals(Optional.of(ErrorKind.MALFORMED_RESPONSE), o.error(), o.detail());
  }

  @Test
  void randomData() throws Exception {
    fault("/random", Fault.RANDOM_DATA_THEN_CLOSE);
    SendOutcome o = sendTo("/random");
    assertEquals(Optional.of(ErrorKind.MALFORMED_RESPONSE), o.error(), o.detail());
  }

  @Test
  void refused() throws Exception {
    HttpRequest r =
        HttpClients.requestBuilder(URI.create("http://127.0.0.1:1/x"), DEADLINE)
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    SendOutcome o = sender.send(r, DEADLINE);
    assertEquals(Optional.of(ErrorKind.CONNECT_FAILED), o.error(), o.detail());
  }

  @Test
  void dribbleIsCutAtTheDeadline() throws Exception {
    server.stubFor(
        post(urlEqualTo("/dribble"))
            .willReturn(
                aResponse()
                    .withStatus(200)
                    .withBody("y".repeat(50))
                    .withChunkedDribbleDelay(50, 10_000)));
    long start = System.nanoTime();
    SendOutcome o = sendTo("/dribble");
    long ms = (System.nanoTime() - start) / 1_000_000;
    // Cut at the deadline; the 200 that came before the body is the answer.
    assertEquals(200, o.status().orElse(-1), o.detail());
    assertTrue(o.detail().contains("body too slow"), o.detail());
    assertTrue(ms < DEADLINE.toMillis() + MARGIN_MS, "took " + ms + " ms");
  }

  private static final String KEY = "key-0123456789abcdef-echoed";
  private static final String SIG_A = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=";
  private static final String SIG_B = "v1,fvR8xmmLoLLQ1Iz3hJ3jXD/yeO7EXWoRQqTkyNwUpAo=";

  private static HttpHeaders credentials() {
    return HttpHeaders.of(
        Map.of(
            "Authorization", List.of("Bearer " + KEY),
            "webhook-signature", List.of(SIG_A + " " + SIG_B)),
        (name, value) -> true);
  }

  private static void assertNoCredential(String body) {
    for (String s : List.of(KEY, SIG_A.substring(3), SIG_B.substring(3), "Bearer ")) {
      assertFalse(body.contains(s), body);
    }
  }

  @Test
  void anEndpointThatEchoesTheRequestDoesNotGetTheCredentialsStored() throws Exception {
    // Long: the first templated answer of a cold WireMock is slow, and nothing here is timed.
    Duration deadline = Duration.ofSeconds(20);
    server.stubFor(
        post(urlEqualTo("/echo"))
            .willReturn(
                aResponse()
                    .withStatus(400)
                    .withBody(
                        """
                        Authorization: {{request.headers.Authorization}}
                        key: {{regexExtract request.headers.Authorization '[^ ]+$'}}
                        webhook-signature: {{request.headers.[webhook-signature]}}""")
                    .withTransformers("response-template")));
    HttpRequest r =
        HttpClients.requestBuilder(URI.create(server.baseUrl() + "/echo"), deadline)
            .header("Authorization", "Bearer " + KEY)
            .header("webhook-signature", SIG_A + " " + SIG_B)
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    SendOutcome o =
        new HttpSender(
                HttpClients.defaultClient(deadline, executor), 4096, DestinationCheck.ALLOW_ALL)
            .send(r, deadline);
    assertEquals(400, o.status().orElse(-1), o.detail());
    assertTrue(o.body().startsWith("Authorization: [redacted]"), o.body());
    assertNoCredential(o.body());
  }

  @Test
  void credentialsAreRedactedWholeInPiecesAndJsonEscaped() {
    String body =
        "{\"auth\":\"Bearer "
            + KEY
            + "\",\"key\":\""
            + KEY
            + "\",\"sig\":\""
            + SIG_A.replace("/", "\\/")
            + "\",\"raw\":\""
            + SIG_B.substring(3)
            + "\"}";
    String redacted = HttpSender.redactCredentials(body, credentials(), false);
    assertNoCredential(redacted);
    assertFalse(redacted.contains(SIG_A.substring(3).replace("/", "\\/")), redacted);
    assertTrue(redacted.startsWith("{\"auth\":\"[redacted]\",\"key\":\"[redacted]\""), redacted);
  }

  @Test
  void aCredentialCutShortAtTheByteLimitIsRedactedToo() {
    String cut = "error; you sent Authorization: Bearer " + KEY.substring(0, 7);
    assertEquals(
        "error; you sent Authorization: [redacted]",
        HttpSender.redactCredentials(cut, credentials(), true));
    assertEquals(
        "signed " + "[redacted]",
        HttpSender.redactCredentials("signed " + SIG_B.substring(0, 5), credentials(), true));
    assertEquals(
        "no credentials here, and not cut: Bear",
        HttpSender.redactCredentials(
            "no credentials here, and not cut: Bear", credentials(), false));
  }

  @Test
  void credentialsEchoedEscapedOrEncodedAreRedactedToo() {
    String key = "k3y\"with\\quote+plus=eq/slash&amp";
    String sig = "v1,AbC+dEf/GhI=";
    HttpHeaders sent =
        HttpHeaders.of(
            java.util.Map.of(
                "Authorization", List.of("Bearer " + key), "webhook-signature", List.of(sig)),
            (n, v) -> true);
    String jsonKey = key.replace("\\", "\\\\").replace("\"", "\\\"");
    List<String> echoes =
        List.of(
            "{\"authorization\":\"Bearer " + jsonKey + "\"}",
            "{\"sig\":\"AbC\\u002bdEf/GhI\\u003d\"}", // Gson-style escapes
            "{\"sig\":\"AbC\\u002BdEf\\/GhI\\u003D\"}",
            "token=" + java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8),
            "<td>k3y&quot;with\\quote+plus=eq/slash&amp;amp</td>");
    for (String echo : echoes) {
      String redacted = HttpSender.redactCredentials(echo, sent, false);
      assertTrue(redacted.contains("[redacted]"), echo + " -> " + redacted);
      assertFalse(redacted.contains("quote+plus") || redacted.contains("quote%2Bplus"), redacted);
      assertFalse(redacted.contains("AbC"), redacted);
    }
  }
}
