package dev.hookline.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A loopback HTTP sink that answers every request with 204 as fast as this machine allows: an nginx
 * process (Debian's {@code nginx-light}) with one worker, keep-alive and no logging. The JDK's own
 * HttpServer caps near 2,000 req/s here, far below what the client reaches, so it would measure
 * itself instead of the client.
 */
final class NginxSink implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final int port;

  private NginxSink(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  static boolean available() {
    return Files.isExecutable(Path.of("/usr/sbin/nginx"));
  }

  static NginxSink start() throws IOException, InterruptedException {
    int port = freePort();
    Path dir = Files.createTempDirectory("hookline-sink");
    Files.createDirectories(dir.resolve("logs"));
    String conf =
        String.join(
            "\n",
            "worker_processes 1;",
            "daemon off;",
            "pid " + dir.resolve("nginx.pid") + ";",
            "error_log " + dir.resolve("logs/error.log") + " warn;",
            "events { worker_connections 4096; }",
            "http {",
            "  access_log off;",
            "  client_body_temp_path " + dir.resolve("body") + ";",
            "  keepalive_requests 10000000;",
            "  keepalive_timeout 60s;",
            "  client_max_body_size 1m;",
            "  client_body_buffer_size 64k;",
            "  server {",
            "    listen 127.0.0.1:" + port + ";",
            "    location / { return 204; }",
            "  }",
            "}",
            "");
    Path confFile = dir.resolve("nginx.conf");
    Files.writeString(confFile, conf, StandardCharsets.UTF_8);
    // nginx runs under a shell that stops it when this JVM's end of the pipe closes, so it dies
    // with the harness even if the harness is killed outright.
    String nginx = "/usr/sbin/nginx -p '" + dir + "' -c '" + confFile + "'";
    Process p =
        new ProcessBuilder(
                "/bin/sh",
                "-c",
                nginx
                    + " & pid=$!; trap 'kill $pid 2>/dev/null' EXIT INT TERM;"
                    + " cat >/dev/null; kill $pid; wait $pid")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("logs/stdout.log").toFile())
            .start();
    NginxSink sink = Children.register(new NginxSink(p, dir, port));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (!sink.accepting()) {
      if (!p.isAlive() || Instant.now().isAfter(deadline)) {
        sink.close();
        throw new IOException(
            "nginx did not start; see "
                + dir.resolve("logs")
                + ": "
                + Files.readString(dir.resolve("logs/stdout.log")));
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return sink;
  }

  private boolean accepting() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  int port() {
    return port;
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    Children.closed(this);
    try {
      process.getOutputStream().close(); // the shell stops nginx
    } catch (IOException e) {
      process.destroy();
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    for (Path p : List.of(dir)) {
      try (var walk = Files.walk(p)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        // best effort: a temp directory left behind is harmless
      }
    }
  }
}
