package dev.hookline.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.store.InMemoryStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Slow endpoints: {@code endpoints} webhooks on the {@link DelayedSink} (each answer after 500 ms ±
 * 20%), Hookline at default settings (in-memory store, every event fanned out to every endpoint,
 * enough queued that the queue never runs dry) against raw {@code HttpClient.sendAsync} keeping the
 * same number of requests in flight, one per endpoint. Rates count only what completes after a
 * ramp-up of {@link #RAMP}, so both are steady-state figures.
 */
final class SlowPhase {
  static final Duration RAMP = Duration.ofMillis(1500);

  private SlowPhase() {}

  record Result(double perSecond, long completed, long errors) {}

  /** Raw {@code sendAsync}: {@code inFlight} requests outstanding, each endpoint one at a time. */
  static Result raw(String sinkBase, int inFlight, byte[] body, Duration duration)
      throws InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    List<HttpRequest> requests = new ArrayList<>(inFlight);
    for (int i = 0; i < inFlight; i++) {
      requests.add(
          HttpRequest.newBuilder(URI.create(Setups.loopback(sinkBase + "/e" + i)))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build());
    }
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong outstanding = new AtomicLong();
    long start = System.nanoTime();
    for (HttpRequest r : requests) {
      send(client, r, done, errors, stop, outstanding);
    }
    TimeUnit.NANOSECONDS.sleep(Math.max(0, start + RAMP.toNanos() - System.nanoTime()));
    long atRamp = done.get();
    long t0 = System.nanoTime();
    TimeUnit.NANOSECONDS.sleep(window(duration));
    long completed = done.get() - atRamp;
    double seconds = (System.nanoTime() - t0) / 1e9;
    stop.set(true);
    Setups.await(() -> outstanding.get() == 0, TimeUnit.SECONDS.toNanos(5));
    return new Result(completed / seconds, completed, errors.get());
  }

  private static void send(
      HttpClient client,
      HttpRequest r,
      AtomicLong done,
      AtomicLong errors,
      AtomicBoolean stop,
      AtomicLong outstanding) {
    outstanding.incrementAndGet();
    CompletableFuture<?> unused =
        client
            .sendAsync(r, HttpResponse.BodyHandlers.discarding())
            .whenComplete(
                (resp, err) -> {
                  outstanding.decrementAndGet();
                  if (err == null && resp.statusCode() / 100 == 2) {
                    done.incrementAndGet();
                  } else {
                    errors.incrementAndGet();
                  }
                  if (!stop.get()) {
                    send(client, r, done, errors, stop, outstanding);
                  }
                });
  }

  /** The measured window: the run's duration less the ramp-up, at least one second. */
  private static long window(Duration duration) {
    return Math.max(TimeUnit.SECONDS.toNanos(1), duration.toNanos() - RAMP.toNanos());
  }

  /** Hookline at default settings over the in-memory store. */
  static Result hookline(String sinkBase, int endpoints, int bodyBytes, Duration duration)
      throws InterruptedException {
    WebhookRegistry registry = Setups.registry(new InMemoryStore());
    Setups.receiving(registry, sinkBase, endpoints, UserEvents.CREATED);
    // enough for twice the ideal rate (endpoints / 0.5 s) over the whole run
    long events = Math.max(4, 4 * duration.toSeconds() + 4);
    AtomicLong delivered = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    DeliveryListener count =
        new DeliveryListener() {
          @Override
          public void attemptSucceeded(Delivery d, Attempt a) {
            delivered.incrementAndGet();
          }

          @Override
          public void attemptFailed(Delivery d, Attempt a, Optional<Instant> next) {
            failed.incrementAndGet();
          }
        };
    ObjectNode data = Setups.data(bodyBytes);
    try (Dispatcher dispatcher =
        Dispatcher.builder().registry(registry).listener(count).build().start()) {
      long start = System.nanoTime();
      for (long i = 0; i < events; i++) {
        Event e = Setups.event(UserEvents.CREATED, "evt_s" + i + "_" + start, data);
        dispatcher.publish(e);
      }
      // the window opens after the ramp-up and after publishing, whichever ends later
      TimeUnit.NANOSECONDS.sleep(Math.max(0, start + RAMP.toNanos() - System.nanoTime()));
      long atRamp = delivered.get();
      long t0 = System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(window(duration));
      long completed = delivered.get() - atRamp;
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (events * endpoints <= delivered.get()) {
        System.out.println(
            "  (warning: the slow phase's queue ran dry; the rate is a lower bound)");
      }
      return new Result(completed / seconds, completed, failed.get());
    }
  }
}
