package dev.hookline.examples;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.AddressBlock;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Secret;
import dev.hookline.SecretCipherException;
import dev.hookline.SigningSecret;
import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookNotFoundException;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookStatus;
import dev.hookline.WebhookValidationException;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PublishResult;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.delivery.WebhookSigner;
import dev.hookline.filter.Filters;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.VerifyingHandler;
import dev.hookline.receiver.WebhookVerificationException;
import dev.hookline.receiver.WebhookVerifier;
import dev.hookline.spi.HostResolver;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.InMemoryStore;
import dev.hookline.store.jdbc.PostgresStore;
import dev.hookline.testing.HostileUris;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.TestWebhooks;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The "endpoint safety" check: a full delivery run, on the in-memory store and on PostgreSQL, with
 * every kind of endpoint failure, the verification handshake, signing-secret and API-key rotation,
 * receiver-side rejections, redelivery, SSRF refusals and validation errors, leaves no API key,
 * signing secret, signature, {@code Authorization} value or URI password in any log line (all
 * loggers at DEBUG, Hookline's at TRACE, pgjdbc's java.util.logging at FINEST), exception message,
 * listener argument, {@code toString()}, stored attempt, or PostgreSQL row.
 *
 * <p>Each run writes what it collected to {@code target/no-secrets-anywhere-<store>.txt}.
 */
class NoSecretsAnywhereTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(3);

  /**
   * The timeout of the "slow" webhook's first attempt alone, whose answer is held back {@link
   * #SLOW_MILLIS}: it times out after this long, not after {@link #ATTEMPT_TIMEOUT}. Every other
   * attempt, the slow webhook's retry among them, keeps {@link #ATTEMPT_TIMEOUT}, so a loaded
   * machine does not time them out.
   */
  private static final Duration SLOW_TIMEOUT = Duration.ofMillis(300);

  private static final int SLOW_MILLIS = 6_000;
  private static final String REBIND_HOST = "rebind.example.test";
  private static final String USERINFO_PASSWORD = "Pa55-in-the-userinfo-9kT3";
  private static final Pattern SIGNING_SECRET_LIKE = Pattern.compile("whsec_[A-Za-z0-9+/]{8,}");
  private static final Pattern SIGNATURE_LIKE = Pattern.compile("v1,[A-Za-z0-9+/]{16,}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final InetAddress LOOPBACK_V4 = loopbackV4();

  private static EmbeddedPostgres postgres;

  @BeforeAll
  static void startPostgres() throws IOException {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void nothingLeaksOnTheInMemoryStore() throws Exception {
    new Run("memory").execute(InMemoryStore::new, InMemoryStore::new, null);
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void nothingLeaksOnThePostgresStore() throws Exception {
    // A pool: the embedded server's own DataSource opens a new connection (a new server process,
    // and pgjdbc's FINEST log of it) for every statement, which made this run last minutes on a
    // loaded machine. Every statement still goes through pgjdbc and its log.
    try (SimpleConnectionPool ds = SimpleConnectionPool.of(postgres.getPostgresDatabase(), 8)) {
      byte[] masterKey = randomBytes(32);
      Run run = new Run("postgres");
      run.secret("PostgreSQL master key (base64)", Base64.getEncoder().encodeToString(masterKey));
      run.secret("PostgreSQL master key (hex)", HexFormat.of().formatHex(masterKey));
      run.execute(
          () -> postgresStore(ds, "nosecrets_main", masterKey),
          () -> postgresStore(ds, "nosecrets_ssrf", masterKey),
          ds);
    }
  }

  private static PostgresStore postgresStore(DataSource ds, String schema, byte[] masterKey) {
    return PostgresStore.builder(ds)
        .schema(schema)
        .secretCipher(AesGcmSecretCipher.builder().primaryKey("leaks-1", masterKey).build())
        .build();
  }

  /** One full run against one kind of store, and everything it collected. */
  private static final class Run {
    private final String storeName;
    private final ManualClock clock = ManualClock.at(T0);

    /** Every secret the run used, each with what it is: secret value to label. */
    private final Map<String, String> secrets = new LinkedHashMap<>();

    private final StringBuilder evidence = new StringBuilder();
    private final Recorder listener = new Recorder();

    /** The verifier behind each listener path; swapped as the listener follows a rotation. */
    private final Map<String, AtomicReference<WebhookVerifier>> verifiers =
        new ConcurrentHashMap<>();

    private final List<String> seenAuthorizations = new CopyOnWriteArrayList<>();
    private final List<String> seenSignatureHeaders = new CopyOnWriteArrayList<>();
    private final Map<String, Map<String, List<String>>> receiverRequestHeaders =
        new ConcurrentHashMap<>();
    private final List<Notification> received = new CopyOnWriteArrayList<>();
    private final List<String> echoedBodies = new CopyOnWriteArrayList<>();
    private String unsendableKey = "";

    Run(String storeName) {
      this.storeName = storeName;
    }

    // ------------------------------------------------------------------ the run

    void execute(Supplier<Store> mainStore, Supplier<Store> strictStore, DataSource pg)
        throws Exception {
      String captured;
      try (Capture capture = new Capture()) {
        WireMockServer wm =
            new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        HttpServer listenerServer = HttpServer.create(new InetSocketAddress(LOOPBACK_V4, 0), 0);
        try {
          wm.start();
          stub(wm);
          warm(wm);
          listenerServer.createContext("/receiver", recorded("/receiver"));
          listenerServer.createContext("/wrong-key", recorded("/wrong-key"));
          listenerServer.createContext("/wrong-sig", recorded("/wrong-sig"));
          listenerServer.createContext("/echo", this::echo);
          listenerServer.start();
          String listenerBase = "http://127.0.0.1:" + listenerServer.getAddress().getPort();
          try (Store store = mainStore.get();
              Store strict = strictStore.get()) {
            mainRun(store, wm, listenerBase);
            ssrfRun(strict);
            if (pg != null) {
              postgresExtras(pg, "nosecrets_main");
              postgresExtras(pg, "nosecrets_ssrf");
            }
            note("main store", store);
            note("strict store", strict);
          }
          for (ServeEvent e : wm.getAllServeEvents()) {
            String auth = e.getRequest().getHeader("Authorization");
            if (auth != null) {
              seenAuthorizations.add(auth);
            }
            String sig = e.getRequest().getHeader("webhook-signature");
            if (sig != null) {
              seenSignatureHeaders.add(sig);
            }
          }
        } finally {
          listenerServer.stop(0);
          wm.stop();
        }
        captured = capture.text();
      }
      check(captured);
    }

    private void mainRun(Store store, WireMockServer wm, String listenerBase) {
      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(store)
              .clock(clock)
              .filterCompiler(Filters.compiler())
              .hostResolver(HostileUris.RESOLVER) // never real DNS
              .allowInsecureLoopbackForDevelopment(true) // the endpoints are plain http, loopback
              .build();
      String wmBase = base(wm);
      RetrySchedule schedule =
          RetrySchedule.builder()
              .delays(Duration.ofSeconds(1), Duration.ofSeconds(2))
              .attemptTimeout(ATTEMPT_TIMEOUT)
              .build();
      // The slow endpoint's first attempt waits for its timeout in real time: a short one, for
      // that attempt only (the function is asked once per attempt, before it starts).
      AtomicBoolean slowFirstAttempt = new AtomicBoolean(true);
      RetrySchedule slowSchedule =
          RetrySchedule.builder()
              .delays(Duration.ofSeconds(1), Duration.ofSeconds(2))
              .attemptTimeout(SLOW_TIMEOUT)
              .build();
      try (Dispatcher dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .clock(clock)
              .jitter(() -> 0.5)
              .retrySchedule(schedule)
              .retrySchedules(
                  w ->
                      w.name().equals("slow") && slowFirstAttempt.getAndSet(false)
                          ? slowSchedule
                          : schedule)
              .verificationTimeout(ATTEMPT_TIMEOUT)
              .shutdownTimeout(Duration.ofSeconds(5))
              .listener(listener)
              .build()) {
        // ---- registration
        Webhook receiver =
            create(
                registry,
                "receiver",
                listenerBase + "/receiver",
                UserEvents.CREATED,
                UserEvents.UPDATED);
        Webhook wrongKey = create(registry, "wrong-key", listenerBase + "/wrong-key");
        Webhook wrongSig = create(registry, "wrong-sig", listenerBase + "/wrong-sig");
        Webhook echo = create(registry, "echo", listenerBase + "/echo");
        Webhook wrongEcho = create(registry, "wrong-echo", wmBase + "/wrong-echo");
        Webhook ok = create(registry, "ok", wmBase + "/ok");
        Webhook flaky = create(registry, "flaky", wmBase + "/flaky");
        Webhook slow = create(registry, "slow", wmBase + "/slow");
        Webhook reset = create(registry, "reset", wmBase + "/reset");
        Webhook down = create(registry, "down", wmBase + "/down");
        Webhook gone = create(registry, "gone", wmBase + "/gone");
        Webhook redirect = create(registry, "redirect", wmBase + "/redirect");
        List<Webhook> all =
            List.of(
                receiver, wrongKey, wrongSig, echo, wrongEcho, ok, flaky, slow, reset, down, gone,
                redirect);

        String receiverKey = receiver.apiKey().reveal();
        String secret0 = receiver.signingSecrets().get(0).secret().reveal();
        verifierAt("/receiver", verifier(List.of(receiverKey), List.of(secret0)));
        String notTheKey = newKey("configured-at-the-receiver-instead");
        verifierAt(
            "/wrong-key",
            verifier(
                List.of(notTheKey), List.of(wrongKey.signingSecrets().get(0).secret().reveal())));
        String otherSecret = newSigningSecret("configured-at-the-receiver-instead");
        verifierAt(
            "/wrong-sig", verifier(List.of(wrongSig.apiKey().reveal()), List.of(otherSecret)));

        // ---- the verification handshake
        for (Webhook w : List.of(receiver, wrongSig)) {
          VerificationResult v = dispatcher.startVerification(w.id());
          note("handshake " + w.name(), v);
          assertTrue(v.verified(), w.name() + ": " + v.detail());
        }
        // The handshake carries the API key: an endpoint expecting another refuses it.
        VerificationResult wrongKeyResult = dispatcher.startVerification(wrongKey.id());
        note("handshake wrong-key", wrongKeyResult);
        assertFalse(wrongKeyResult.verified());
        assertTrue(wrongKeyResult.detail().contains("401"), wrongKeyResult.detail());
        TestWebhooks.markVerified(registry, wrongKey.id()); // to see its notifications refused too
        VerificationResult wrongEchoResult = dispatcher.startVerification(wrongEcho.id());
        note("handshake wrong-echo", wrongEchoResult);
        assertFalse(wrongEchoResult.verified());
        assertTrue(wrongEchoResult.detail().contains("different key"), wrongEchoResult.detail());
        VerificationResult redirectResult = dispatcher.startVerification(redirect.id());
        note("handshake redirect", redirectResult);
        assertFalse(redirectResult.verified());
        assertTrue(redirectResult.detail().contains("302"), redirectResult.detail());
        note("wrong-echo after its failed handshake", registry.require(wrongEcho.id()));
        for (Webhook w : List.of(echo, ok, flaky, slow, reset, down, gone, redirect)) {
          TestWebhooks.markVerified(registry, w.id());
        }
        for (Webhook w : all) {
          note("enabled", registry.enable(w.id()));
        }

        // ---- round 1: every endpoint, once
        Event e1 = event(UserEvents.CREATED, "usr_1");
        PublishResult p1 = dispatcher.publish(e1);
        note("publish e1", p1);
        assertEquals(11, p1.count(), "every verified, enabled webhook but wrong-echo");
        dispatcher.runDueNow();
        assertEquals(WebhookStatus.DISABLED_BY_FAILURE, registry.require(gone.id()).status());
        assertEquals(DeliveryState.FAILED, only(dispatcher, gone, e1).state());
        assertEquals(DeliveryState.SUCCEEDED, only(dispatcher, ok, e1).state());
        assertEquals(DeliveryState.SUCCEEDED, only(dispatcher, receiver, e1).state());
        Attempt slowFirst = only(dispatcher, slow, e1).attempts().get(0);
        assertEquals(Optional.of(ErrorKind.TIMEOUT), slowFirst.error(), slowFirst.toString());
        Attempt resetFirst = only(dispatcher, reset, e1).attempts().get(0);
        assertTrue(resetFirst.error().isPresent(), resetFirst.toString());
        assertEquals(302, only(dispatcher, redirect, e1).attempts().get(0).statusCode().getAsInt());
        assertEquals(401, only(dispatcher, wrongKey, e1).attempts().get(0).statusCode().getAsInt());
        assertEquals(401, only(dispatcher, wrongSig, e1).attempts().get(0).statusCode().getAsInt());

        // ---- rotation: a second signing secret (both sign during the overlap), then a new key
        clock.advance(Duration.ofSeconds(30));
        Webhook rotated = registry.rotateSigningSecret(receiver.id(), Duration.ofDays(1));
        note("rotated signing secret", rotated);
        assertEquals(2, rotated.activeSigningSecrets(clock.instant()).size());
        noteSecrets(rotated);
        String secret1 = rotated.signingSecrets().get(1).secret().reveal();
        String newReceiverKey = newKey("receiver-rotated");
        // The listener first accepts both keys and both secrets, then the sender switches.
        verifierAt(
            "/receiver", verifier(List.of(receiverKey, newReceiverKey), List.of(secret0, secret1)));
        Webhook keyRotated = registry.rotateApiKey(receiver.id(), Secret.of(newReceiverKey));
        note("rotated API key", keyRotated);
        Event e2 = event(UserEvents.UPDATED, "usr_2");
        note("publish e2", dispatcher.publish(e2));

        // ---- round 2: retries (flaky and slow recover) and e2 with two signatures
        // Recovered by name, not by WireMock's count of what arrived: the slow endpoint's first
        // attempt gave up after SLOW_TIMEOUT, perhaps before WireMock read its request (a loaded
        // machine), and a request WireMock reads late would move the scenario on after the retry.
        wm.setScenarioState("flaky", "recovered");
        wm.setScenarioState("slow", "fast");
        clock.advance(Duration.ofSeconds(30));
        dispatcher.runDueNow();
        assertEquals(DeliveryState.SUCCEEDED, only(dispatcher, receiver, e2).state());
        assertEquals(DeliveryState.SUCCEEDED, only(dispatcher, flaky, e1).state());
        assertEquals(DeliveryState.SUCCEEDED, only(dispatcher, slow, e1).state());
        List<String> e2Signatures = signaturesOf(receiverRequestHeaders.get(e2.id()));
        assertEquals(2, e2Signatures.size(), "e2 went out during the overlap: " + e2Signatures);
        assertEquals(
            List.of("Bearer " + newReceiverKey),
            receiverRequestHeaders.get(e2.id()).get("Authorization"),
            "e2 carried the rotated key");

        // ---- round 3: retries exhausted
        clock.advance(Duration.ofMinutes(1));
        dispatcher.runDueNow();
        for (Webhook w : List.of(reset, down, redirect, echo, wrongKey, wrongSig)) {
          Delivery d = only(dispatcher, w, e1);
          assertEquals(DeliveryState.FAILED, d.state(), w.name() + ": " + d.attempts());
          assertEquals(3, d.attemptCount(), w.name());
        }
        assertTrue(
            wm.findAll(anyRequestedFor(urlEqualTo("/redirect-target"))).isEmpty(),
            "the redirect was not followed");

        // ---- recovery and redelivery
        wm.stubFor(post(urlEqualTo("/reset")).willReturn(ok()));
        wm.stubFor(post(urlEqualTo("/down")).willReturn(ok()));
        assertTrue(dispatcher.redeliver(only(dispatcher, reset, e1).id()));
        assertEquals(1, dispatcher.redeliverFailed(down.id(), T0));
        clock.advance(Duration.ofMinutes(1));
        dispatcher.runDueNow();
        assertEquals(DeliveryState.SUCCEEDED, only(dispatcher, reset, e1).state());
        assertEquals(DeliveryState.SUCCEEDED, only(dispatcher, down, e1).state());

        // ---- after the overlap: the listener drops the old key and secret
        clock.advance(Duration.ofDays(1).plusHours(1));
        verifierAt("/receiver", verifier(List.of(newReceiverKey), List.of(secret1)));
        Event e3 = event(UserEvents.UPDATED, "usr_3");
        note("publish e3", dispatcher.publish(e3));
        dispatcher.runDueNow();
        assertEquals(DeliveryState.SUCCEEDED, only(dispatcher, receiver, e3).state());
        assertEquals(1, signaturesOf(receiverRequestHeaders.get(e3.id())).size());
        assertEquals(3, received.size(), "the listener verified e1, e2 and e3: " + received);

        // ---- the listener rejects tampered copies of e3
        receiverRejections(
            receiverRequestHeaders.get(e3.id()),
            received.get(2).rawBody(),
            receiverKey,
            newReceiverKey,
            secret0,
            secret1);

        // ---- bad input that holds secrets
        validationErrors(registry, dispatcher, receiver, gone, listenerBase, secret1);

        // ---- a webhook written to the store past the registry's validation (an import, another
        // tool), whose key cannot be an HTTP header value
        unsendableKey = "key-" + hex(16) + "\r\nX-Injected: yes";
        Webhook imported =
            new Webhook(
                "wh_imported_" + hex(4),
                Optional.empty(),
                "imported",
                "",
                URI.create(listenerBase + "/receiver"),
                Secret.of(unsendableKey),
                Set.of(UserEvents.DELETED),
                Optional.empty(),
                WebhookFormat.STANDARD_WEBHOOKS,
                Optional.empty(),
                WebhookStatus.VERIFIED,
                true,
                Optional.empty(),
                List.of(
                    new SigningSecret(
                        Secret.of(newSigningSecret("imported")),
                        clock.instant(),
                        Optional.empty())),
                clock.instant(),
                clock.instant(),
                1);
        store.insertWebhook(imported);
        dispatcher.reloadWebhooks();
        Event e4 = event(UserEvents.DELETED, "usr_4");
        assertEquals(1, dispatcher.publish(e4).count());
        dispatcher.runDueNow();
        Attempt refused = only(dispatcher, imported, e4).attempts().get(0);
        assertEquals(Optional.of(ErrorKind.INTERNAL), refused.error(), refused.toString());
        assertTrue(refused.detail().contains("not a valid HTTP header value"), refused.toString());

        // ---- everything the run left behind
        for (Webhook w : registry.list()) {
          note("webhook", w);
          note("definition", w.definition());
          w.signingSecrets().forEach(s -> note("signing secret of " + w.id(), s));
          w.statusReason().ifPresent(r -> note("status reason of " + w.id(), r));
          noteSecrets(w);
          noteDeliveries(dispatcher, w);
        }
        note("dispatcher", dispatcher);
        note("registry", registry);
        verifiers.forEach(
            (path, v) -> {
              note("listener verifier " + path, v.get());
              note("listener handler " + path, VerifyingHandler.create(v.get(), n -> {}));
            });
        received.forEach(n -> note("notification", n));
      }
    }

    /**
     * The SSRF guard at send time. The main registry's development option allows all of loopback,
     * so this runs on a registry with the production policy over a store of its own: its one
     * endpoint's name resolves to a public address at registration, then to 127.0.0.1.
     */
    private void ssrfRun(Store store) throws IOException {
      AtomicReference<String> dnsAnswer = new AtomicReference<>("93.184.216.34");
      HostResolver rebinding =
          host ->
              host.equals(REBIND_HOST)
                  ? List.of(InetAddress.getAllByName(dnsAnswer.get()))
                  : HostileUris.RESOLVER.resolve(host);
      WebhookRegistry registry =
          WebhookRegistry.builder()
              .store(store)
              .clock(clock)
              .filterCompiler(Filters.compiler())
              .hostResolver(rebinding)
              .build();
      // Registration refuses hostile URIs, whatever API key comes with them.
      Set<AddressBlock> seen = EnumSet.noneOf(AddressBlock.class);
      for (HostileUris.Case c : HostileUris.CASES) {
        if (seen.add(c.expected())) {
          WebhookValidationException e =
              expect(
                  "registering hostile " + c.uri(),
                  WebhookValidationException.class,
                  () -> registry.create(definition("hostile", c.uri(), newKey("hostile"))));
          assertTrue(e.hasViolation("uri"), e.getMessage());
        }
      }
      Webhook w =
          registry.create(
              definition("rebinding", "https://" + REBIND_HOST + "/hook", newKey("rebinding")));
      noteSecrets(w);
      TestWebhooks.markVerified(registry, w.id());
      note("rebinding webhook", registry.enable(w.id()));
      dnsAnswer.set("127.0.0.1");
      // Should the guard ever let a request through, the proxy (nothing listens there) keeps it
      // on loopback: the JDK would not resolve the name itself.
      HttpClient client =
          HttpClient.newBuilder()
              .followRedirects(HttpClient.Redirect.NEVER)
              .proxy(ProxySelector.of(new InetSocketAddress(LOOPBACK_V4, closedPort())))
              .connectTimeout(ATTEMPT_TIMEOUT)
              .build();
      try (Dispatcher dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .clock(clock)
              .httpClient(client)
              .jitter(() -> 0.5)
              .retrySchedule(RetrySchedule.builder().attemptTimeout(ATTEMPT_TIMEOUT).build())
              .verificationTimeout(ATTEMPT_TIMEOUT)
              .shutdownTimeout(Duration.ofSeconds(5))
              .listener(listener)
              .build()) {
        Event e = event(UserEvents.CREATED, "usr_ssrf");
        assertEquals(1, dispatcher.publish(e).count());
        dispatcher.runDueNow();
        Delivery d = only(dispatcher, w, e);
        assertEquals(Optional.of(ErrorKind.BLOCKED_ADDRESS), d.attempts().get(0).error());
        assertTrue(d.attempts().get(0).detail().contains("loopback"), d.attempts().toString());
        VerificationResult handshake = dispatcher.startVerification(w.id());
        note("handshake rebinding", handshake);
        assertFalse(handshake.verified());
        assertTrue(handshake.detail().contains("loopback"), handshake.detail());
        for (Webhook x : registry.list()) {
          note("webhook", x);
          noteDeliveries(dispatcher, x);
        }
        note("ssrf dispatcher", dispatcher);
      }
    }

    private void receiverRejections(
        Map<String, List<String>> headers,
        byte[] body,
        String oldKey,
        String newKey,
        String oldSecret,
        String newSecret) {
      WebhookVerifier both = verifier(List.of(oldKey, newKey), List.of(oldSecret, newSecret));
      String attackerKey = newKey("attacker");
      rejected(
          "a wrong API key",
          both,
          replaced(headers, "Authorization", "Bearer " + attackerKey),
          body,
          WebhookVerificationException.Reason.INVALID_API_KEY);
      rejected(
          "the key under another scheme",
          both,
          replaced(headers, "Authorization", "Basic " + attackerKey),
          body,
          WebhookVerificationException.Reason.INVALID_API_KEY);
      String forged = "v1," + Base64.getEncoder().encodeToString(randomBytes(32));
      secret("forged signature", forged.substring(3));
      rejected(
          "a wrong signature",
          both,
          replaced(headers, "webhook-signature", forged),
          body,
          WebhookVerificationException.Reason.INVALID_SIGNATURE);
      byte[] tampered = Arrays.copyOf(body, body.length);
      tampered[tampered.length / 2] ^= 0x01;
      rejected(
          "a tampered body",
          both,
          headers,
          tampered,
          WebhookVerificationException.Reason.INVALID_SIGNATURE);
      rejected(
          "only the retired signing secret",
          verifier(List.of(newKey), List.of(oldSecret)),
          headers,
          body,
          WebhookVerificationException.Reason.INVALID_SIGNATURE);
      rejected(
          "only the retired API key",
          verifier(List.of(oldKey), List.of(newSecret)),
          headers,
          body,
          WebhookVerificationException.Reason.INVALID_API_KEY);
      VerifyingHandler.Response response =
          VerifyingHandler.create(both, n -> {})
              .respond("POST", replaced(headers, "Authorization", "Bearer " + attackerKey), body);
      note("handler response to a wrong key", response);
      assertEquals(401, response.status());
    }

    private void rejected(
        String what,
        WebhookVerifier verifier,
        Map<String, List<String>> headers,
        byte[] body,
        WebhookVerificationException.Reason reason) {
      WebhookVerificationException e =
          expect(
              "listener given " + what,
              WebhookVerificationException.class,
              () -> verifier.verify(headers, body));
      assertEquals(reason, e.reason(), e.getMessage());
    }

    private void validationErrors(
        WebhookRegistry registry,
        Dispatcher dispatcher,
        Webhook receiver,
        Webhook gone,
        String listenerBase,
        String liveSecret) {
      String spaced = "live key with spaces " + hex(8);
      secret("API key with spaces", spaced);
      WebhookValidationException all =
          expect(
              "create: user-info, key with spaces, bad filter",
              WebhookValidationException.class,
              () ->
                  registry.create(
                      WebhookDefinition.builder()
                          .name("bad")
                          .uri("https://deploy:" + USERINFO_PASSWORD + "@hooks.example.com/x")
                          .apiKey(spaced)
                          .events(UserEvents.CREATED)
                          .filter("type == ")
                          .build()));
      assertTrue(all.hasViolation("uri") && all.hasViolation("apiKey"), all.getMessage());
      assertTrue(all.hasViolation("filter"), all.getMessage());
      String shortKey = "sk_" + hex(3);
      secret("too short API key", shortKey);
      expect(
          "create: short key, user-info on loopback",
          WebhookValidationException.class,
          () ->
              registry.create(
                  definition(
                      "bad", "http://admin:" + USERINFO_PASSWORD + "@127.0.0.1:1/hook", shortKey)));
      expect(
          "create: unparsable URI with user-info",
          WebhookValidationException.class,
          () ->
              registry.create(
                  definition(
                      "bad",
                      "https://admin:" + USERINFO_PASSWORD + " x@hooks.example.com/",
                      newKey("unparsable"))));
      expect(
          "create: bad filter",
          WebhookValidationException.class,
          () ->
              registry.create(
                  WebhookDefinition.builder()
                      .name("bad filter")
                      .uri(listenerBase + "/receiver")
                      .apiKey(newKey("bad-filter"))
                      .events(UserEvents.CREATED)
                      .filter("data.email ~= \"unterminated")
                      .build()));
      Webhook current = registry.require(receiver.id());
      expect(
          "update: user-info",
          WebhookValidationException.class,
          () ->
              registry.update(
                  current.id(),
                  current.version(),
                  current.definition().toBuilder()
                      .uri("http://ops:" + USERINFO_PASSWORD + "@127.0.0.1:2/hook")
                      .build()));
      String spacedRotation = "rotated key with a space " + hex(8);
      secret("rotated API key with a space", spacedRotation);
      expect(
          "rotateApiKey: a space",
          WebhookValidationException.class,
          () -> registry.rotateApiKey(receiver.id(), Secret.of(spacedRotation)));
      String tiny = "tiny-" + hex(2);
      secret("rotated API key, too short", tiny);
      expect(
          "rotateApiKey: too short",
          WebhookValidationException.class,
          () -> registry.rotateApiKey(receiver.id(), Secret.of(tiny)));
      expect(
          "rotateApiKey: unknown webhook",
          WebhookNotFoundException.class,
          () -> registry.rotateApiKey("wh_missing", Secret.of(newKey("for-a-missing-webhook"))));
      expect(
          "rotateSigningSecret: negative overlap",
          IllegalArgumentException.class,
          () -> registry.rotateSigningSecret(receiver.id(), Duration.ofHours(-1)));
      expect(
          "sendTest: a disabled webhook",
          IllegalStateException.class,
          () -> dispatcher.sendTest(gone.id()));
      String listenerSpaced = "listener key with space " + hex(8);
      secret("listener API key with a space", listenerSpaced);
      expect(
          "listener: a key with a space",
          IllegalArgumentException.class,
          () -> WebhookVerifier.builder().apiKey(listenerSpaced));
      expect(
          "listener: a secret without its prefix",
          IllegalArgumentException.class,
          () -> WebhookVerifier.builder().signingSecret(liveSecret.substring("whsec_".length())));
      String notBase64 = "whsec_" + hex(12) + "*%*" + hex(12);
      secret("malformed signing secret", notBase64);
      expect(
          "listener: a secret that is not base64",
          IllegalArgumentException.class,
          () -> WebhookVerifier.builder().signingSecret(notBase64));
      expect(
          "signer: a secret that is not base64",
          IllegalArgumentException.class,
          () -> WebhookSigner.sign(Secret.of(notBase64), "evt_1", 1L, new byte[0]));
      expect(
          "listener: no key",
          IllegalStateException.class,
          () -> WebhookVerifier.builder().signingSecret(liveSecret).build());
    }

    private void postgresExtras(DataSource ds, String schema) throws SQLException {
      PostgresStore wrongMasterKey = postgresStore(ds, schema, randomBytes(32));
      note("store with another master key", wrongMasterKey);
      SecretCipherException e =
          expect(
              "reading " + schema + " with another master key",
              SecretCipherException.class,
              wrongMasterKey::listWebhooks);
      assertEquals(SecretCipherException.Reason.AUTHENTICATION_FAILED, e.reason());
      try (Connection c = ds.getConnection();
          Statement st = c.createStatement()) {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs =
            st.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + schema
                    + "' ORDER BY table_name")) {
          while (rs.next()) {
            tables.add(rs.getString(1));
          }
        }
        assertTrue(tables.contains("webhooks") && tables.contains("deliveries"), tables.toString());
        for (String table : tables) {
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT row_to_json(t)::text FROM \"" + schema + "\".\"" + table + "\" t")) {
            while (rs.next()) {
              note("row " + schema + "." + table, rs.getString(1));
            }
          }
        }
      }
    }

    // ------------------------------------------------------------------ the check

    private void check(String captured) throws IOException {
      String everything =
          "==== captured output and logs\n"
              + captured
              + "\n==== listener callbacks\n"
              + String.join("\n", listener.calls)
              + "\n==== exceptions, toString() and rows\n"
              + evidence;
      Path report = Path.of("target", "no-secrets-anywhere-" + storeName + ".txt");
      Files.createDirectories(report.getParent());
      Files.writeString(report, everything, StandardCharsets.UTF_8);

      // Not vacuous: the run happened, was logged at DEBUG, and the endpoints saw real secrets.
      assertFalse(captured.isBlank(), "nothing was captured");
      assertTrue(captured.contains("delivery attempted: "), "DEBUG lines were captured");
      assertTrue(captured.contains("webhookDisabled=true"), "the 410 was logged");
      assertTrue(captured.contains("Rejected a request: INVALID_API_KEY"), "listener DEBUG");
      assertTrue(captured.contains("Rejected a request: INVALID_SIGNATURE"), "listener DEBUG");
      assertTrue(captured.contains("webhook API key rotated"), "the key rotation was logged");
      assertTrue(everything.contains("410"), "the 410 is in the record");
      assertTrue(everything.contains("refused by the SSRF guard"), "the SSRF refusal");
      assertTrue(everything.contains("contains user-info"), "the user-info violation");
      assertTrue(everything.contains("different key"), "the failed handshake");
      assertTrue(listener.calls.size() > 20, "listener callbacks: " + listener.calls.size());
      for (String id : listener.webhookIds) {
        assertTrue(captured.contains(id), "the logs name webhook " + id);
      }
      assertTrue(listener.webhookIds.size() >= 12, listener.webhookIds.toString());
      assertTrue(
          seenSignatureHeaders.stream().anyMatch(h -> words(h).size() == 2),
          "a delivery carried two signatures");
      assertTrue(seenAuthorizations.size() > 20, "endpoints saw keys: " + seenAuthorizations);
      assertTrue(
          echoedBodies.stream().anyMatch(b -> b.contains("Bearer ")),
          "the echo endpoint put the API key in its error page");

      for (String h : seenSignatureHeaders) {
        for (String s : words(h)) {
          secret("signature seen by an endpoint", s.substring(s.indexOf(',') + 1));
        }
      }
      for (String a : seenAuthorizations) {
        secret("API key seen by an endpoint", a.substring("Bearer ".length()));
      }
      secret("user-info password", USERINFO_PASSWORD);
      secret("unsendable API key", unsendableKey);
      secret(
          "unsendable API key, first line",
          unsendableKey.substring(0, unsendableKey.indexOf('\r')));

      // A webhook stored past the registry's rules with a key that is no valid header value:
      // the attempt fails with a message that counts its characters and never quotes it.
      assertTrue(
          captured.contains("the webhook's API key is not a valid HTTP header value"),
          "the unsendable key's attempt was recorded");

      List<String> leaks = new ArrayList<>();
      for (Map.Entry<String, String> s : secrets.entrySet()) {
        int at = everything.indexOf(s.getKey());
        if (at >= 0) {
          leaks.add(s.getValue() + " at: " + context(everything, at, s.getKey()));
        }
      }
      for (String marker : List.of("Bearer ")) {
        int at = everything.indexOf(marker);
        if (at >= 0) {
          leaks.add("'" + marker + "' at: " + context(everything, at, marker));
        }
      }
      for (Pattern p : List.of(SIGNING_SECRET_LIKE, SIGNATURE_LIKE)) {
        Matcher m = p.matcher(everything);
        if (m.find()) {
          leaks.add(p + " at: " + context(everything, m.start(), m.group()));
        }
      }
      assertTrue(
          leaks.isEmpty(),
          leaks.size()
              + " secret(s) leaked on the "
              + storeName
              + " store (full record in "
              + report
              + "):\n"
              + String.join("\n", leaks));
    }

    /** The text around a leak, every known secret in it masked. */
    private String context(String text, int at, String found) {
      String excerpt =
          text.substring(Math.max(0, at - 200), Math.min(text.length(), at + found.length() + 80));
      for (String s : secrets.keySet()) {
        excerpt = excerpt.replace(s, "<<" + secrets.get(s) + ">>");
      }
      return excerpt;
    }

    // ------------------------------------------------------------------ helpers

    void secret(String label, String value) {
      secrets.putIfAbsent(value, label);
    }

    private void noteSecrets(Webhook w) {
      secret("API key of " + w.name(), w.apiKey().reveal());
      for (SigningSecret s : w.signingSecrets()) {
        String value = s.secret().reveal();
        secret("signing secret of " + w.name(), value);
        secret("signing secret body of " + w.name(), value.substring("whsec_".length()));
      }
    }

    private void noteDeliveries(Dispatcher dispatcher, Webhook w) {
      note("summary " + w.id(), dispatcher.summary(w.id()));
      for (Delivery d : dispatcher.deliveries(DeliveryQuery.builder().webhook(w.id()).build())) {
        note("delivery", d);
        for (Attempt a : d.attempts()) {
          note("attempt", a);
          note("attempt detail", a.detail());
          note("attempt body", a.responseBody());
          a.error().ifPresent(k -> note("attempt error", k));
        }
      }
    }

    void note(String label, Object value) {
      synchronized (evidence) {
        evidence.append(label).append(": ").append(value).append('\n');
      }
    }

    private <T extends Throwable> T expect(String label, Class<T> type, Executable call) {
      T e = assertThrows(type, call, label);
      StringWriter trace = new StringWriter();
      try (PrintWriter w = new PrintWriter(trace)) {
        e.printStackTrace(w);
      }
      note("exception " + label, e.getMessage());
      note("exception toString " + label, e);
      note("exception trace " + label, trace);
      return e;
    }

    private Webhook create(WebhookRegistry registry, String name, String uri, EventType... types) {
      WebhookDefinition.Builder b =
          WebhookDefinition.builder().name(name).uri(uri).apiKey(newKey(name));
      b.events(types.length == 0 ? new EventType[] {UserEvents.CREATED} : types);
      WebhookDefinition d = b.build();
      note("definition", d);
      Webhook w = registry.create(d);
      noteSecrets(w);
      return w;
    }

    private WebhookDefinition definition(String name, String uri, String apiKey) {
      secret("API key of " + name, apiKey);
      return WebhookDefinition.builder()
          .name(name)
          .uri(uri)
          .apiKey(apiKey)
          .events(UserEvents.CREATED)
          .build();
    }

    private String newKey(String purpose) {
      String key = "key-" + hex(16);
      secret("API key (" + purpose + ")", key);
      return key;
    }

    private String newSigningSecret(String purpose) {
      String body = Base64.getEncoder().encodeToString(randomBytes(32));
      secret("signing secret (" + purpose + ")", "whsec_" + body);
      secret("signing secret body (" + purpose + ")", body);
      return "whsec_" + body;
    }

    private WebhookVerifier verifier(List<String> apiKeys, List<String> signingSecrets) {
      WebhookVerifier.Builder b = WebhookVerifier.builder().clock(clock);
      apiKeys.forEach(b::apiKey);
      signingSecrets.forEach(b::signingSecret);
      return b.build();
    }

    private void verifierAt(String path, WebhookVerifier v) {
      verifiers.computeIfAbsent(path, p -> new AtomicReference<>()).set(v);
    }

    private Event event(EventType type, String user) {
      ObjectNode data = JsonNodeFactory.instance.objectNode();
      data.put("user_id", user);
      data.put("email", user + "@example.com");
      Event.Builder b = Event.builder(type).user(user).occurredAt(clock.instant()).data(data);
      if (type.equals(UserEvents.UPDATED)) {
        b.changed("email");
      }
      Event e = b.build();
      note("event", e);
      return e;
    }

    private static Delivery only(Dispatcher dispatcher, Webhook w, Event e) {
      List<Delivery> found =
          dispatcher.deliveries(DeliveryQuery.builder().webhook(w.id()).event(e.id()).build());
      assertEquals(1, found.size(), w.name() + ": " + found);
      return found.get(0);
    }

    private static List<String> signaturesOf(Map<String, List<String>> headers) {
      assertTrue(headers != null, "the listener saw the request");
      List<String> values = headers.get("Webhook-signature");
      assertTrue(values != null && values.size() == 1, "one signature header: " + headers.keySet());
      return words(values.get(0));
    }

    private static Map<String, List<String>> replaced(
        Map<String, List<String>> headers, String name, String value) {
      Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      copy.putAll(headers);
      copy.put(name, List.of(value));
      return copy;
    }

    // ------------------------------------------------------------------ endpoints

    /** Records what the endpoint was sent, then verifies it with the path's current verifier. */
    private HttpHandler recorded(String path) {
      return exchange -> {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
          seenAuthorizations.add(auth);
        }
        String sig = exchange.getRequestHeaders().getFirst("webhook-signature");
        if (sig != null) {
          seenSignatureHeaders.add(sig);
        }
        String id = exchange.getRequestHeaders().getFirst("webhook-id");
        if (path.equals("/receiver") && id != null) {
          receiverRequestHeaders.put(id, normalised(exchange));
        }
        VerifyingHandler.create(verifiers.get(path).get(), received::add).handle(exchange);
      };
    }

    /** Header names as com.sun.net.httpserver gives them ("Webhook-signature"). */
    private static Map<String, List<String>> normalised(HttpExchange exchange) {
      Map<String, List<String>> out = new LinkedHashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> out.put(k, List.copyOf(v)));
      return out;
    }

    /** A misconfigured endpoint whose error page shows the request it got, headers and all. */
    private void echo(HttpExchange exchange) throws IOException {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
          seenAuthorizations.add(auth);
        }
        String sig = exchange.getRequestHeaders().getFirst("webhook-signature");
        if (sig != null) {
          seenSignatureHeaders.add(sig);
        }
        StringBuilder page = new StringBuilder("400 Bad Request\nThe request was:\n");
        new TreeMap<>(exchange.getRequestHeaders())
            .forEach(
                (k, v) -> page.append(k).append(": ").append(String.join(", ", v)).append('\n'));
        String body = page.toString();
        echoedBodies.add(body);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(
            exchange.getRequestMethod().equals("GET") ? 200 : 400, bytes.length);
        exchange.getResponseBody().write(bytes);
      }
    }

    private static void stub(WireMockServer wm) {
      wm.stubFor(post(urlEqualTo("/ok")).willReturn(ok()));
      wm.stubFor(
          post(urlEqualTo("/flaky"))
              .inScenario("flaky")
              .whenScenarioStateIs(Scenario.STARTED)
              .willReturn(aResponse().withStatus(500).withBody("internal error"))
              .willSetStateTo("recovered"));
      wm.stubFor(
          post(urlEqualTo("/flaky"))
              .inScenario("flaky")
              .whenScenarioStateIs("recovered")
              .willReturn(ok()));
      wm.stubFor(
          post(urlEqualTo("/slow"))
              .inScenario("slow")
              .whenScenarioStateIs(Scenario.STARTED)
              .willReturn(ok().withFixedDelay(SLOW_MILLIS))
              .willSetStateTo("fast"));
      wm.stubFor(
          post(urlEqualTo("/slow"))
              .inScenario("slow")
              .whenScenarioStateIs("fast")
              .willReturn(ok()));
      wm.stubFor(
          post(urlEqualTo("/reset"))
              .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
      wm.stubFor(
          post(urlEqualTo("/down"))
              .willReturn(aResponse().withStatus(503).withBody("down for maintenance")));
      wm.stubFor(post(urlEqualTo("/gone")).willReturn(aResponse().withStatus(410)));
      wm.stubFor(
          any(urlEqualTo("/redirect"))
              .willReturn(
                  aResponse()
                      .withStatus(302)
                      .withHeader("Location", base(wm) + "/redirect-target")
                      .withBody("moved")));
      wm.stubFor(any(urlEqualTo("/redirect-target")).willReturn(ok()));
      wm.stubFor(get(urlEqualTo("/wrong-echo")).willReturn(okJson("{\"key\":\"not-the-key\"}")));
    }

    /** WireMock's first answers take over a second on a cold JVM: more than a short deadline. */
    private static void warm(WireMockServer wm) throws IOException, InterruptedException {
      wm.stubFor(any(urlEqualTo("/warmup")).willReturn(ok("warm")));
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create(base(wm) + "/warmup"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
      }
    }
  }

  /** Records {@code toString()} of every argument of every callback. */
  private static final class Recorder implements DeliveryListener {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final Set<String> webhookIds = ConcurrentHashMap.newKeySet();

    @Override
    public void attemptSucceeded(Delivery delivery, Attempt attempt) {
      webhookIds.add(delivery.webhookId());
      calls.add("attemptSucceeded(" + delivery + ", " + attempt + ")");
    }

    @Override
    public void attemptFailed(Delivery delivery, Attempt attempt, Optional<Instant> next) {
      webhookIds.add(delivery.webhookId());
      calls.add("attemptFailed(" + delivery + ", " + attempt + ", " + next + ")");
    }

    @Override
    public void deliveryFailed(Delivery delivery, Attempt lastAttempt) {
      webhookIds.add(delivery.webhookId());
      calls.add("deliveryFailed(" + delivery + ", " + lastAttempt + ")");
    }

    @Override
    public void webhookDisabled(String webhookId, String reason) {
      webhookIds.add(webhookId);
      calls.add("webhookDisabled(" + webhookId + ", " + reason + ")");
    }
  }

  /**
   * Everything written to {@code System.out} and {@code System.err} (where slf4j-simple writes) and
   * to java.util.logging (pgjdbc at FINEST, which includes statement parameters), while open.
   */
  private static final class Capture implements AutoCloseable {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final PrintStream originalErr = System.err;
    private final PrintStream originalOut = System.out;
    private final java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    private final java.util.logging.Logger pgjdbc =
        java.util.logging.Logger.getLogger("org.postgresql");
    private final Level pgjdbcLevel = pgjdbc.getLevel();
    private final Handler handler =
        new Handler() {
          private final SimpleFormatter format = new SimpleFormatter();

          @Override
          public void publish(LogRecord r) {
            stream.print("JUL " + format.format(r));
          }

          @Override
          public void flush() {
            stream.flush();
          }

          @Override
          public void close() {}
        };

    Capture() {
      handler.setLevel(Level.ALL);
      pgjdbc.setLevel(Level.FINEST);
      root.addHandler(handler);
      System.setErr(stream);
      System.setOut(stream);
    }

    String text() {
      stream.flush();
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {
      System.setErr(originalErr);
      System.setOut(originalOut);
      root.removeHandler(handler);
      pgjdbc.setLevel(pgjdbcLevel);
    }
  }

  /** WireMock's base URL on 127.0.0.1 (its own names the host localhost). */
  private static String base(WireMockServer wm) {
    return "http://127.0.0.1:" + wm.port();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(LOOPBACK_V4, 0));
      return s.getLocalPort();
    }
  }

  private static InetAddress loopbackV4() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** The space-separated entries of a header value. */
  private static List<String> words(String value) {
    return List.of(value.strip().split(" ", -1));
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static String hex(int bytes) {
    return HexFormat.of().formatHex(randomBytes(bytes));
  }
}
