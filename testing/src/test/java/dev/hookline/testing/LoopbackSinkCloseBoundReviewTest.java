package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Nineteenth review round. {@link LoopbackSink#close()} waited up to ten seconds for each of its
 * threads in turn, so with several connections stuck in a reporting callback that does not return
 * (the case its javadoc names) it took ten seconds per connection before failing: a load harness
 * with 64 connections hung for over ten minutes. It now waits ten seconds in all (one second here).
 */
class LoopbackSinkCloseBoundReviewTest {
  @Test
  void closeFailsWithinItsBoundWhateverTheNumberOfStuckCallbacks() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger entered = new AtomicInteger();
    LoopbackSink sink =
        LoopbackSink.reporting(
            id -> {
              entered.incrementAndGet();
              try {
                never.await(); // a callback that does not return (not even when interrupted)
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    List<Socket> clients = new ArrayList<>();
    try {
      URI uri = URI.create(sink.uri("/"));
      for (int i = 0; i < 3; i++) {
        Socket s = new Socket(uri.getHost(), uri.getPort());
        clients.add(s);
        OutputStream out = s.getOutputStream();
        out.write(
            ("POST /hook HTTP/1.1\r\nHost: x\r\nwebhook-id: evt_"
                    + i
                    + "\r\nContent-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      Poll.until(Duration.ofSeconds(10), () -> entered.get() == 3, "three callbacks are stuck");

      sink.closeWaitMillis = 1_000; // ten seconds by default: the same bound, sooner
      long start = System.nanoTime();
      assertThrows(IllegalStateException.class, sink::close);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      // The bound in all, not the bound per stuck thread (3 s here).
      assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "close() took " + took);
    } finally {
      never.countDown();
      for (Socket s : clients) {
        closeQuietly(s);
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
