package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookStatus;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The verification handshake's failure is recorded as the webhook's status reason, and for an
 * answer the JDK client cannot parse that reason quoted the endpoint's own bytes: {@code
 * ProtocolException: Invalid status line: "..."} holds the status line as sent, control characters
 * and U+0000 included. Core checks every text a tenant gives a webhook for control characters, so a
 * Store may take a webhook's text as storable; this one came from the endpoint. On PostgreSQL
 * ({@code text} refuses U+0000) the update failed, so {@code startVerification} threw a {@code
 * StoreException} (the admin API's {@code verify}: a 500) and the failure was not recorded; in
 * memory the reason kept the NUL and the terminal escape. The endpoint is anyone's: a tenant
 * chooses its URI.
 */
class HandshakeAnswerTextReviewTest {
  private static final String SCHEMA = "handshake_answer_text";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA).close();
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"memory", "postgres"})
  void aStatusLineWithControlCharactersIsRecordedAsAFailedHandshake(String kind) throws Exception {
    EmbeddedDb.truncate(DS, SCHEMA);
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Store store =
            kind.equals("postgres") ? EmbeddedDb.store(DS, SCHEMA) : new InMemoryStore()) {
      Thread answering = new Thread(() -> answerOnce(server), "bad-status-line");
      answering.setDaemon(true);
      answering.start();
      WebhookRegistry registry =
          WebhookRegistry.builder().store(store).allowInsecureLoopbackForDevelopment(true).build();
      Webhook w =
          registry.create(
              WebhookDefinition.builder()
                  .name("odd answer")
                  .uri("http://127.0.0.1:" + server.getLocalPort() + "/hook")
                  .apiKey("handshake-answer-key-0123456789")
                  .events(UserEvents.CREATED)
                  .build());
      try (Dispatcher dispatcher =
          Dispatcher.builder()
              .registry(registry)
              .verificationTimeout(Duration.ofSeconds(10))
              .build()) {
        VerificationResult result = dispatcher.startVerification(w.id());
        assertFalse(result.verified(), result.detail());
        assertFalse(hasControlCharacter(result.detail()), printable(result.detail()));
      }
      Webhook after = registry.require(w.id());
      assertEquals(WebhookStatus.PENDING_VERIFICATION, after.status());
      String reason = after.statusReason().orElseThrow();
      assertTrue(reason.startsWith("verification failed: no answer"), printable(reason));
      assertFalse(hasControlCharacter(reason), printable(reason));
      // Not joined: the answering thread (a daemon) reads until the client drops the connection,
      // which the JDK 17 client may keep until its read times out, 10 s on.
    }
  }

  /** Reads one request's head and answers a status line holding U+0000 and an ESC sequence. */
  private static void answerOnce(ServerSocket server) {
    try (Socket s = server.accept()) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      int b;
      while (matched < end.length && (b = in.read()) >= 0) {
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      OutputStream out = s.getOutputStream();
      out.write("XYZ\u0000\u001b[2J\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      s.shutdownOutput();
      while (in.read() >= 0) {
        // until the client closes
      }
    } catch (IOException e) {
      // the client gave up: the assertions say what it recorded
    }
  }

  private static boolean hasControlCharacter(String s) {
    return s.chars().anyMatch(Character::isISOControl);
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.chars()
        .forEach(
            c ->
                b.append(
                    Character.isISOControl(c)
                        ? "<U+" + Integer.toHexString(c) + ">"
                        : String.valueOf((char) c)));
    return b.toString();
  }
}
