package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What the fourteenth review round found in {@link LoopbackSink}. */
class LoopbackSinkReviewTest {
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  private static Socket connect(LoopbackSink sink) throws IOException {
    URI uri = URI.create(sink.uri("/"));
    Socket s = new Socket(uri.getHost(), uri.getPort());
    s.setSoTimeout(10_000);
    return s;
  }

  private static String request(String version, String id, String body, String extra) {
    return "POST /hook "
        + version
        + "\r\nHost: x\r\nwebhook-id: "
        + id
        + "\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n"
        + extra
        + "\r\n"
        + body;
  }

  /** Reads answers' heads until {@code n} have come; the sink's 204s have no body. */
  private static String readAnswers(InputStream in, int n) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    int last4 = 0;
    for (int seen = 0; seen < n; ) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      got.write(b);
      last4 = (last4 << 8) | b;
      if (last4 == 0x0D0A0D0A) {
        seen++;
      }
    }
    return got.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void pipelinedKeepAliveRequestsAndAnHttp10OneAreEachCountedAndAnswered() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording();
        Socket s = connect(sink)) {
      OutputStream out = s.getOutputStream();
      String big = "{\"id\":\"evt_2\",\"pad\":\"" + "x".repeat(100_000) + "\"}";
      out.write(
          (request("HTTP/1.1", "evt_1", "{\"id\":\"evt_1\"}", "")
                  + request("HTTP/1.1", "evt_2", big, "")
                  + request("HTTP/1.0", "evt_3", "{\"id\":\"evt_3\"}", ""))
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      String answers = readAnswers(s.getInputStream(), 3);
      assertEquals(3, answers.split("HTTP/1.1 204", -1).length - 1, answers);
      assertEquals(3, sink.total());
      assertEquals(0, sink.mismatched(), "a body larger than the buffers is read whole");
    }
  }

  @Test
  void aClientThatDisconnectsInsideTheBodyIsNeitherRecordedNorReported() throws Exception {
    List<String> reported = new CopyOnWriteArrayList<>();
    try (LoopbackSink recording = LoopbackSink.recording();
        LoopbackSink reporting = LoopbackSink.reporting(reported::add)) {
      for (LoopbackSink sink : List.of(recording, reporting)) {
        try (Socket s = connect(sink)) {
          String whole = request("HTTP/1.1", "evt_1", "{\"id\":\"evt_1\"}", "");
          s.getOutputStream()
              .write(whole.substring(0, whole.length() - 3).getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
        }
      }
      // A complete request after them shows that the cut ones were read and dropped by now.
      try (Socket s = connect(recording)) {
        s.getOutputStream()
            .write(
                request("HTTP/1.1", "evt_2", "{\"id\":\"evt_2\"}", "")
                    .getBytes(StandardCharsets.UTF_8));
        readAnswers(s.getInputStream(), 1);
      }
      Poll.until(TEN_SECONDS, () -> recording.total() == 1, "the complete request is recorded");
      assertEquals(Map.of("evt_2", 1), recording.counts());
      assertTrue(reported.isEmpty(), reported.toString());
    }
  }

  @Test
  void closeReturnsOnlyOnceTheSinksThreadsHaveEnded() throws Exception {
    LoopbackSink sink = LoopbackSink.recording();
    String prefix = "loopback-sink-" + URI.create(sink.uri("/")).getPort() + "-";
    sink.pause();
    Socket idle = connect(sink);
    Socket held = connect(sink);
    held.getOutputStream()
        .write(
            request("HTTP/1.1", "evt_1", "{\"id\":\"evt_1\"}", "")
                .getBytes(StandardCharsets.UTF_8));
    Poll.until(TEN_SECONDS, () -> sink.total() == 1, "the held request is recorded");
    Poll.until(
        TEN_SECONDS,
        () -> sinkThreads(prefix).size() == 3,
        "an acceptor and two connection threads");
    List<Thread> threads = sinkThreads(prefix);
    sink.close();
    assertEquals(
        List.of(), threads.stream().filter(Thread::isAlive).toList(), "alive after close()");
    sink.close(); // idempotent
    idle.close();
    held.close();
  }

  private static List<Thread> sinkThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .toList();
  }
}
