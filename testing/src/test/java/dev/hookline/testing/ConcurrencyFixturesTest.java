package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The thread-safety claims of the fixtures: many threads at once lose nothing. */
class ConcurrencyFixturesTest {

  @Test
  void manualClockLosesNoAdvanceAndNeverGoesBackUnderConcurrentAdvances() throws Exception {
    ManualClock clock = ManualClock.startingAtEpoch2026();
    Instant start = clock.instant();
    // a clock derived with another zone shares the time
    Clock derived = clock.withZone(ZoneId.of("Europe/Paris"));
    int advancers = 4;
    int perAdvancer = 5_000;
    CyclicBarrier barrier = new CyclicBarrier(advancers + 1);
    AtomicBoolean advancing = new AtomicBoolean(true);
    Set<Instant> returned = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(advancers + 1);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < advancers; t++) {
        writers.add(
            pool.submit(
                () -> {
                  barrier.await(30, TimeUnit.SECONDS);
                  for (int i = 0; i < perAdvancer; i++) {
                    returned.add(clock.advance(Duration.ofMillis(1)));
                  }
                  return null;
                }));
      }
      Future<Integer> reader =
          pool.submit(
              () -> {
                barrier.await(30, TimeUnit.SECONDS);
                int backwards = 0;
                Instant last = derived.instant();
                do {
                  Instant now = derived.instant();
                  if (now.isBefore(last)) {
                    backwards++;
                  }
                  last = now;
                } while (advancing.get());
                return backwards;
              });
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
      advancing.set(false);
      assertEquals(0, reader.get(60, TimeUnit.SECONDS), "times read going backwards");
    } finally {
      pool.shutdownNow();
    }
    int total = advancers * perAdvancer;
    assertEquals(start.plusMillis(total), clock.instant(), "no advance lost");
    assertEquals(total, returned.size(), "each advance returned its own new time");
  }

  @Test
  void recordingReceiverRecordsAndAnswersManyConnectionsAtOnce() throws Exception {
    int senders = 16;
    int perSender = 50;
    int kept = 50;
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try (RecordingReceiver receiver = RecordingReceiver.builder().maxRequests(kept).start()) {
      // a sequence shared by every connection: exactly three requests get 503
      receiver.respondWith(
          RecordingReceiver.Reply.status(503),
          RecordingReceiver.Reply.status(503),
          RecordingReceiver.Reply.status(503),
          RecordingReceiver.Reply.status(204));
      CyclicBarrier barrier = new CyclicBarrier(senders + 1);
      AtomicBoolean sending = new AtomicBoolean(true);
      Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(senders + 1);
      try {
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < senders; t++) {
          int sender = t;
          writers.add(
              pool.submit(
                  () -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    for (int i = 0; i < perSender; i++) {
                      HttpRequest request =
                          HttpRequest.newBuilder(URI.create(receiver.url("/s" + sender + "/r" + i)))
                              .timeout(Duration.ofSeconds(10))
                              .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}"))
                              .build();
                      int status =
                          client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                      statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                  }));
        }
        Future<Integer> reader =
            pool.submit(
                () -> {
                  barrier.await(30, TimeUnit.SECONDS);
                  int bad = 0;
                  do {
                    List<RecordedRequest> snapshot = receiver.requests();
                    Set<String> seen = new HashSet<>();
                    snapshot.forEach(r -> seen.add(r.path()));
                    if (snapshot.size() > kept || seen.size() != snapshot.size()) {
                      bad++;
                    }
                    receiver.dropped();
                    receiver.heldRequests();
                  } while (sending.get());
                  return bad;
                });
        for (Future<?> w : writers) {
          w.get(60, TimeUnit.SECONDS);
        }
        sending.set(false);
        assertEquals(0, reader.get(60, TimeUnit.SECONDS), "inconsistent snapshots read");
      } finally {
        pool.shutdownNow();
      }
      int total = senders * perSender;
      assertEquals(3, statuses.get(503).get(), "the reply sequence moved on once per request");
      assertEquals(total - 3, statuses.get(204).get());
      List<RecordedRequest> recorded = receiver.requests();
      assertEquals(kept, recorded.size());
      assertEquals(total - kept, receiver.dropped(), "every request recorded or counted dropped");
      Set<String> paths = new HashSet<>();
      recorded.forEach(r -> paths.add(r.path()));
      assertEquals(kept, paths.size(), "no request recorded twice");
      assertTrue(paths.stream().allMatch(p -> p.matches("/s[0-9]+/r[0-9]+")), paths.toString());
    }
  }
}
