package dev.hookline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The slow phase's sink: answers after its delay, many at once, and parses what clients send. */
class DelayedSinkTest {
  private static HttpRequest post(String url) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString("{\"pad\":\"" + "x".repeat(1000) + "\"}"))
        .build();
  }

  @Test
  void answersAfterTheDelayAndKeepsManyWaitingAtOnce() throws Exception {
    try (DelayedSink.Handle sink = DelayedSink.start(300, 0.0)) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      long t0 = System.nanoTime();
      HttpResponse<Void> one =
          client.send(post(sink.url("/e0")), HttpResponse.BodyHandlers.discarding());
      long tookMillis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(200, one.statusCode());
      assertTrue(
          tookMillis >= 290, "answered after " + tookMillis + " ms, before its 300 ms delay");

      // 200 requests at once on 200 connections: one at a time would take 60 s
      long t1 = System.nanoTime();
      List<CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        all.add(client.sendAsync(post(sink.url("/e" + i)), HttpResponse.BodyHandlers.discarding()));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      long allMillis = (System.nanoTime() - t1) / 1_000_000;
      for (CompletableFuture<HttpResponse<Void>> f : all) {
        assertEquals(200, f.get().statusCode());
      }
      assertTrue(allMillis < 15_000, "200 concurrent requests took " + allMillis + " ms");
    }
  }

  @Test
  void parsesABodySplitAcrossWritesAndTwoRequestsInOneWrite() throws Exception {
    try (DelayedSink.Handle sink = DelayedSink.start(0, 0.0);
        Socket s =
            new Socket(InetAddress.getLoopbackAddress(), URI.create(sink.url("")).getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      String head = "POST /e0 HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 10\r\n\r\n";
      out.write((head + "01234").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      out.write(("56789" + head + "abcdefghij").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String expected = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      byte[] buf = new byte[2 * expected.length()];
      InputStream in = s.getInputStream();
      int read = 0;
      while (read < buf.length) {
        int n = in.read(buf, read, buf.length - read);
        if (n < 0) {
          break;
        }
        read += n;
      }
      assertEquals(expected + expected, new String(buf, 0, read, StandardCharsets.US_ASCII));
    }
  }
}
