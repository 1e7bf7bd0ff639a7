package dev.hookline.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fastest use of {@code java.net.http} found on this machine, as the baseline Hookline is
 * compared with: one shared HTTP/1.1 client, blocking {@code send} from a fixed pool of threads, a
 * byte-array body and a discarding body handler. ({@code sendAsync} with the same concurrency
 * reached about a quarter of this rate on JDK 17 here.)
 */
final class RawHttpBaseline {
  private RawHttpBaseline() {}

  /** Result of one run. */
  record Result(long requests, double seconds, long errors, Latencies latencies) {
    double perSecond() {
      return requests / seconds;
    }
  }

  static Result run(URI target, byte[] body, int threads, Duration duration) throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(3))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(target)
            .timeout(Duration.ofSeconds(3))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    Latencies latencies = new Latencies();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                      HttpResponse<Void> r =
                          client.send(request, HttpResponse.BodyHandlers.discarding());
                      if (r.statusCode() / 100 == 2) {
                        done.incrementAndGet();
                        latencies.recordNanos(System.nanoTime() - t0);
                      } else {
                        errors.incrementAndGet();
                      }
                    } catch (java.io.IOException e) {
                      errors.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(done.get(), seconds, errors.get(), latencies);
  }
}
