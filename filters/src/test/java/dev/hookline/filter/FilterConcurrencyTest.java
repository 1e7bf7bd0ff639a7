package dev.hookline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Event;
import dev.hookline.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One filter shared by many threads gives each the same answers as a single thread. */
class FilterConcurrencyTest {

  @Test
  void sharedFilterAnswersConsistentlyAcrossThreads() throws Exception {
    Filter f =
        Filters.parse(
            "data.email matches \"^[a-z]+[0-9]*@example\\\\.com$\" and (changed(\"email\") or"
                + " data.n > 50) and occurred_at >= \"2026-01-01T00:00:00Z\"");
    List<Event> events = new ArrayList<>();
    boolean[] expected = new boolean[200];
    for (int i = 0; i < expected.length; i++) {
      String email = (i % 3 == 0 ? "user" + i : "User" + i) + "@example.com";
      Event e =
          Fixtures.event(
              Fixtures.UPDATED,
              Subject.user("u" + i),
              "{\"email\": \"" + email + "\", \"n\": " + i + "}",
              i % 4 == 0 ? "email" : "name");
      events.add(e);
      expected[i] = f.test(e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Callable<Integer> check =
            () -> {
              int mismatches = 0;
              for (int round = 0; round < 200; round++) {
                for (int i = 0; i < events.size(); i++) {
                  if (f.test(events.get(i)) != expected[i]) {
                    mismatches++;
                  }
                }
              }
              return mismatches;
            };
        results.add(pool.submit(check));
      }
      for (Future<Integer> r : results) {
        assertEquals(0, r.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    int matching = 0;
    for (boolean b : expected) {
      matching += b ? 1 : 0;
    }
    // user0, user12, ... (i % 3 == 0) with changed email (i % 4 == 0) or n > 50
    assertEquals(55, matching);
  }
}
