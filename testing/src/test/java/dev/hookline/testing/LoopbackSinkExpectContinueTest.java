package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A client that sends {@code Expect: 100-continue} (curl for large bodies, Apache HttpClient and
 * the JDK's when asked) waits for {@code 100 Continue} before it sends the body; a sink that only
 * reads on would wait for the body, and both would hang until the client's timeout.
 */
class LoopbackSinkExpectContinueTest {
  @Test
  void aClientExpectingContinueGetsItThenItsAnswerAndIsRecorded() throws Exception {
    try (LoopbackSink sink = LoopbackSink.recording()) {
      URI uri = URI.create(sink.uri("/hook"));
      String body = "{\"id\":\"msg_1\"}";
      try (Socket s = new Socket(InetAddress.getByName(uri.getHost()), uri.getPort())) {
        s.setSoTimeout(5_000); // a read that would hang fails the test instead
        OutputStream out = s.getOutputStream();
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        out.write(
            ("POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nwebhook-id: msg_1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: "
                    + body.length()
                    + "\r\nExpect: 100-continue\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertEquals("HTTP/1.1 100 Continue", in.readLine(), "the interim answer");
        assertEquals("", in.readLine());
        out.write(body.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertEquals("HTTP/1.1 204 No Content", in.readLine(), "the final answer");
      }
      assertEquals(1, sink.total());
      assertEquals(0, sink.mismatched());
    }
  }
}
