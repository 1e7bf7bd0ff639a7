package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.admin.store.InMemoryAdminStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The failed-authentication limit cannot be flushed and covers an IPv6 client's whole /64.
 *
 * <p>The API is mounted as a host behind a reverse proxy mounts it: the client address is the one
 * the proxy reports (here {@code X-Test-Client}), so that one loopback test can speak for many IPv4
 * and IPv6 clients. Everything else goes over real HTTP.
 */
class AuthFailureTableTest {
  /** How many addresses the limiter holds (RateLimiter.MAX_KEYS). */
  private static final int TABLE = 10_000;

  private static final String BAD = "hkl_" + "B".repeat(43);

  /** A harness whose API is also mounted behind a "proxy" that reports the client address. */
  private static final class Proxied implements AutoCloseable {
    final AdminHarness h;
    final HttpServer server;
    final Http http;
    final ExecutorService serverThreads = Executors.newFixedThreadPool(8);

    Proxied(int limit) {
      h =
          new AdminHarness(
              new InMemoryAdminStore(), b -> b.authFailureLimit(limit, Duration.ofMinutes(1)));
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.createContext(
          h.base(),
          exchange -> {
            try (exchange) {
              String q = exchange.getRequestURI().getRawQuery();
              AdminRequest.Builder b =
                  AdminRequest.builder(
                          exchange.getRequestMethod(), exchange.getRequestURI().getPath())
                      .rawQuery(q == null ? "" : q)
                      .remoteAddress(exchange.getRequestHeaders().getFirst("X-Test-Client"));
              for (Map.Entry<String, List<String>> e : exchange.getRequestHeaders().entrySet()) {
                e.getValue().forEach(v -> b.header(e.getKey(), v));
              }
              try (InputStream in = exchange.getRequestBody()) {
                b.body(in.readAllBytes());
              }
              AdminResponse r = h.api.handle(b.build());
              r.headers()
                  .forEach((k, vs) -> vs.forEach(v -> exchange.getResponseHeaders().add(k, v)));
              byte[] body = r.body();
              exchange.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
              if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                  out.write(body);
                }
              }
            }
          });
      server.setExecutor(serverThreads);
      server.start();
      http = new Http("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Http.Exchange me(String client, String token) {
      return http.send("GET", h.base() + "/me", token, null, "X-Test-Client", client);
    }

    /**
     * One failed authentication from each of the first {@code n} filler addresses, each answered
     * 401. They go to {@link AdminApi#handle} directly, as the proxy's handler above hands them on,
     * without a loopback HTTP exchange each (10,000 of those took seconds): the limiter, the
     * authentication and the answer are the same; the requests that decide the test go over HTTP.
     */
    void failFromFillers(int n) {
      for (int i = 0; i < n; i++) {
        AdminResponse r =
            h.api.handle(
                AdminRequest.builder("GET", h.base() + "/me")
                    .rawQuery("")
                    .remoteAddress(filler(i))
                    .header("Authorization", "Bearer " + BAD)
                    .build());
        assertEquals(401, r.status(), () -> new String(r.body(), StandardCharsets.UTF_8));
      }
    }

    @Override
    public void close() {
      server.stop(0);
      serverThreads.shutdownNow();
      h.close();
    }
  }

  private static String filler(int i) {
    return "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
  }

  @Test
  void aFullTableDropsUnblockedAddressesNeverABlockedOne() {
    try (Proxied p = new Proxied(2)) {
      String attacker = "203.0.113.7";
      assertEquals(401, p.me(attacker, BAD).status());
      assertEquals(401, p.me(attacker, BAD).status());
      assertEquals(429, p.me(attacker, BAD).status());
      // As many other addresses as the table holds, one failure each: none of them blocked.
      p.failFromFillers(TABLE);
      Http.Exchange e = p.me(attacker, BAD);
      assertEquals(429, e.status(), "the blocked address stays blocked: " + e);
      assertNotNull(e.header("Retry-After"));
      assertEquals(200, p.me(attacker, p.h.root).status(), "a valid token still works");
    }
  }

  @Test
  void aTableFullOfBlockedAddressesRefusesNewOnesRatherThanForgetOne() {
    try (Proxied p = new Proxied(1)) {
      String first = filler(0);
      p.failFromFillers(TABLE);
      assertEquals(429, p.me(first, BAD).status());
      // Every address in the table is blocked: a new one is refused, and forgets no one.
      Http.Exchange e = p.me("198.51.100.20", BAD);
      assertEquals(429, e.status(), e::toString);
      assertNotNull(e.header("Retry-After"));
      assertEquals(429, p.me(first, BAD).status(), "the oldest blocked address stays blocked");
      assertEquals(200, p.me("198.51.100.21", p.h.root).status(), "a valid token still works");
      // The windows end: everyone may try again.
      p.h.clock.advance(Duration.ofMinutes(1));
      assertEquals(401, p.me("198.51.100.20", BAD).status());
      assertEquals(401, p.me(first, BAD).status());
    }
  }

  @Test
  void anIpv6ClientIsCountedPerSlash64() {
    try (Proxied p = new Proxied(3)) {
      assertEquals(401, p.me("2001:db8:1:2::1", BAD).status());
      assertEquals(401, p.me("2001:db8:1:2::2", BAD).status());
      assertEquals(401, p.me("2001:db8:1:2:aaaa:bbbb:cccc:dddd", BAD).status());
      Http.Exchange e = p.me("2001:db8:1:2:ffff::99", BAD);
      assertEquals(429, e.status(), "another address of the same /64: " + e);
      assertEquals(429, p.me("2001:0db8:0001:0002:0000:0000:0000:0001", BAD).status());
      assertEquals(429, p.me("[2001:db8:1:2::5]", BAD).status());
      assertEquals(429, p.me("2001:db8:1:2::5%eth0", BAD).status());
      assertEquals(401, p.me("2001:db8:1:3::1", BAD).status(), "the next /64 is another client");
      assertEquals(200, p.me("2001:db8:1:2::7", p.h.root).status(), "a valid token works");
    }
  }

  @Test
  void anIpv4MappedAddressIsItsIpv4Address() {
    try (Proxied p = new Proxied(2)) {
      assertEquals(401, p.me("::ffff:198.51.100.1", BAD).status());
      assertEquals(401, p.me("198.51.100.1", BAD).status());
      assertEquals(429, p.me("198.51.100.1", BAD).status());
      assertEquals(401, p.me("198.51.100.2", BAD).status(), "IPv4 addresses count one by one");
    }
  }
}
