package dev.hookline.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.hookline.testing.tls.TestCertificates;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The executor of a dispatcher's own HTTP client, on a real JDK client: the hand-offs of a plain
 * exchange run inline on the selector thread, and the TLS handshake's work and a failed connect
 * still go to the pool. Run on JDK 17 and 25 alike, so a JDK that renames its internal tasks shows
 * here (it would only lose the speed, not break).
 */
class SelectorHandOffsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Records the class of every task it is given, then runs it on a thread of its own. */
  private static final class RecordingPool implements Executor {
    final List<String> tasks = new CopyOnWriteArrayList<>();
    final ExecutorService threads = Executors.newCachedThreadPool();

    @Override
    public void execute(Runnable task) {
      tasks.add(task.getClass().getName());
      threads.execute(task);
    }
  }

  private final RecordingPool pool = new RecordingPool();
  private final AtomicInteger handedOver = new AtomicInteger();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
    pool.threads.shutdownNow();
  }

  /**
   * The client's executor: counts what the client hands over, then lets SelectorHandOffs run it.
   */
  private Executor counted() {
    SelectorHandOffs handOffs = new SelectorHandOffs(pool);
    return task -> {
      handedOver.incrementAndGet();
      handOffs.execute(task);
    };
  }

  private static void noContent(HttpExchange x) throws IOException {
    x.getRequestBody().readAllBytes();
    x.sendResponseHeaders(204, -1);
    x.close();
  }

  private static HttpRequest post(URI uri) {
    return HttpRequest.newBuilder(uri)
        .version(HttpClient.Version.HTTP_1_1)
        .timeout(TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1024)))
        .build();
  }

  @Test
  void aPlainExchangeNeedsNoPoolThread() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/hook", SelectorHandOffsTest::noContent);
    server.start();
    HttpClient client = HttpClient.newBuilder().executor(counted()).build();
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");

    for (int i = 0; i < 50; i++) {
      assertEquals(
          204, client.send(post(uri), HttpResponse.BodyHandlers.ofByteArray()).statusCode());
    }

    // The selector thread handed over several steps of every exchange, and none reached the pool.
    assertTrue(handedOver.get() >= 50, "hand-offs: " + handedOver.get());
    assertEquals(List.of(), pool.tasks);
  }

  @Test
  void theTlsHandshakeRunsOnThePool() throws Exception {
    TestCertificates ca = TestCertificates.authority("Hookline hand-off CA");
    HttpsServer https =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(ca.issue("127.0.0.1").serverContext()));
    https.createContext("/hook", SelectorHandOffsTest::noContent);
    https.start();
    server = https;
    HttpClient client =
        HttpClient.newBuilder().executor(counted()).sslContext(ca.clientContext()).build();
    URI uri = URI.create("https://127.0.0.1:" + https.getAddress().getPort() + "/hook");

    for (int i = 0; i < 5; i++) {
      assertEquals(
          204, client.send(post(uri), HttpResponse.BodyHandlers.ofByteArray()).statusCode());
    }

    assertTrue(
        pool.tasks.stream()
            .anyMatch(t -> t.startsWith("jdk.internal.net.http.common.SSLFlowDelegate")),
        "the handshake's tasks went to the pool: " + pool.tasks);
    assertTrue(
        pool.tasks.stream()
            .allMatch(t -> t.startsWith("jdk.internal.net.http.common.SSLFlowDelegate")),
        "only the handshake's tasks went to the pool: " + pool.tasks);
  }

  @Test
  void aRefusedConnectFailsWithoutHanging() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    HttpClient client = HttpClient.newBuilder().executor(counted()).build();
    URI uri = URI.create("http://127.0.0.1:" + closedPort + "/hook");

    IOException e =
        assertThrows(
            IOException.class, () -> client.send(post(uri), HttpResponse.BodyHandlers.ofString()));

    assertInstanceOf(ConnectException.class, e);
  }

  @Test
  void onlyTheClientsOwnStepsRunInline() throws Exception {
    assertTrue(runsInline("jdk.internal.net.http.common.SequentialScheduler$SchedulableTask"));
    assertTrue(runsInline("jdk.internal.net.http.SocketTube$InternalWriteSubscriber"));
    assertTrue(runsInline("java.util.concurrent.CompletableFuture$AsyncSupply"));
    assertFalse(runsInline("jdk.internal.net.http.common.SSLFlowDelegate"));
    assertFalse(runsInline("jdk.internal.net.http.PlainHttpConnection"));
    Runnable somebodyElses = () -> {};
    assertFalse(SelectorHandOffs.runsInline(somebodyElses.getClass()));
    assertFalse(SelectorHandOffs.runsInline(Thread.class));
  }

  private static boolean runsInline(String className) throws ClassNotFoundException {
    return SelectorHandOffs.runsInline(
        Class.forName(className, false, ClassLoader.getPlatformClassLoader()));
  }
}
