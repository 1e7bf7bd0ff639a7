package dev.hookline.delivery;

import dev.hookline.testing.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * Dispatcher's javadoc: {@code close()} "stops every thread the dispatcher started". A host that
 * keeps a reference to a closed dispatcher (a container holding its beans until it is discarded, a
 * test class's field, a registry of instances) must not keep threads of it running. On JDK 17 the
 * HTTP client the dispatcher made has no {@code close()}: its selector thread ends only once the
 * closed dispatcher is unreachable, as the javadoc says, so this runs on JDK 21 and later.
 */
class ClosedDispatcherThreadsReviewTest {

  private static Set<String> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(t -> t.getName() + "#" + t.getId())
        .collect(Collectors.toSet());
  }

  @RepeatedTest(3)
  @EnabledForJreRange(min = JRE.JAVA_21)
  void aClosedDispatcherStillReferencedLeavesNoThreadRunning() {
    Harness h = new Harness();
    Set<String> before = liveThreads();
    List<Dispatcher> kept = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Dispatcher d = h.dispatcher(Duration.ofSeconds(2)).build();
      d.start();
      d.close();
      kept.add(d);
    }
    // close() has awaited its executors' termination; a pool's last thread may still be returning
    // from its run() for a moment after that (awaitTermination does not wait for it to die).
    Poll.until(
        Duration.ofSeconds(5),
        () -> {
          Set<String> left = liveThreads();
          left.removeAll(before);
          return left.isEmpty();
        },
        () -> "threads left running by " + kept.size() + " closed dispatchers: " + liveThreads());
  }
}
