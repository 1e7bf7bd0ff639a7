package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL store answers as the in-memory store does at the edges of its inputs: times finer
 * than a microsecond and times beyond PostgreSQL's range in queries and purges.
 */
class StoreParityReviewTest {
  private static final String SCHEMA = "parity_review";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);
  private static final Instant T0 = Fixtures.T0;
  private static final Duration LEASE = Duration.ofMinutes(1);

  @BeforeAll
  static void createSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void dropSchema() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  private static Store postgres() {
    EmbeddedDb.truncate(DS, SCHEMA);
    return EmbeddedDb.store(DS, SCHEMA);
  }

  /** Runs the same steps on both stores and returns {in memory, PostgreSQL}. */
  private static <T> List<T> onBoth(Function<Store, T> steps) {
    return List.of(steps.apply(new InMemoryStore()), steps.apply(postgres()));
  }

  /** One webhook with one delivery created at T0 (a whole microsecond), finished at T0. */
  private static Store withOneFinishedDelivery(Store s) {
    s.insertWebhook(Fixtures.webhook("wh_a", T0));
    s.enqueue(List.of(Fixtures.pending("dlv_1", "wh_a", "evt_1", T0)));
    List<ClaimedDelivery> claimed = s.claim(ClaimRequest.of("w", T0, LEASE, 10));
    assertEquals(1, claimed.size());
    assertTrue(s.complete(claimed.get(0).lease(), Fixtures.ok(1, T0), T0));
    return s;
  }

  private static int found(Store s, DeliveryQuery q) {
    return s.findDeliveries(q).size();
  }

  @Test
  void aCreatedBeforeBoundFinerThanAMicrosecondIncludesWhatIsCreatedBeforeIt() {
    // Created at T0 < T0 + 1 ns: in memory it is listed; PostgreSQL compared with T0 itself.
    DeliveryQuery q = DeliveryQuery.builder().createdBefore(T0.plusNanos(1)).build();
    List<Integer> answers = onBoth(s -> found(withOneFinishedDelivery(s), q));
    assertEquals(List.of(1, 1), answers, "{in memory, PostgreSQL}");
  }

  @Test
  void aCreatedFromBoundFinerThanAMicrosecondExcludesWhatIsCreatedBeforeIt() {
    DeliveryQuery q = DeliveryQuery.builder().createdFrom(T0.plusNanos(1)).build();
    List<Integer> answers = onBoth(s -> found(withOneFinishedDelivery(s), q));
    assertEquals(List.of(0, 0), answers, "{in memory, PostgreSQL}");
  }

  @Test
  void aPurgeCutOffFinerThanAMicrosecondPurgesWhatFinishedBeforeIt() {
    List<Integer> answers = onBoth(s -> withOneFinishedDelivery(s).purge(T0.plusNanos(1), 100));
    assertEquals(List.of(1, 1), answers, "{in memory, PostgreSQL}");
  }

  @Test
  void aQueryFromTheEarliestInstantListsEverything() {
    DeliveryQuery q = DeliveryQuery.builder().createdFrom(Instant.MIN).build();
    List<Integer> answers = onBoth(s -> found(withOneFinishedDelivery(s), q));
    assertEquals(List.of(1, 1), answers, "{in memory, PostgreSQL}");
  }

  @Test
  void aQueryBeforeTheLatestInstantListsEverything() {
    DeliveryQuery q = DeliveryQuery.builder().createdBefore(Instant.MAX).build();
    List<Integer> answers = onBoth(s -> found(withOneFinishedDelivery(s), q));
    assertEquals(List.of(1, 1), answers, "{in memory, PostgreSQL}");
  }

  @Test
  void boundsBeyondYear9999AndBeforeYear1AreComparedAsInstants() {
    Instant far = Instant.parse("+20000-01-01T00:00:00.0000001Z");
    Instant early = Instant.parse("-2000-01-01T00:00:00Z");
    List<Integer> answers =
        onBoth(
            s -> {
              withOneFinishedDelivery(s);
              return found(s, DeliveryQuery.builder().createdBefore(far).build())
                  + 10 * found(s, DeliveryQuery.builder().createdFrom(far).build())
                  + 100 * found(s, DeliveryQuery.builder().createdFrom(early).build())
                  + 1000 * found(s, DeliveryQuery.builder().createdBefore(early).build())
                  + 10000 * s.purge(far, 100);
            });
    assertEquals(List.of(10101, 10101), answers, "{in memory, PostgreSQL}");
  }

  @Test
  void aPurgeWithTheLatestCutOffPurgesEveryFinishedDelivery() {
    List<Integer> answers = onBoth(s -> withOneFinishedDelivery(s).purge(Instant.MAX, 100));
    assertEquals(List.of(1, 1), answers, "{in memory, PostgreSQL}");
  }

  @Test
  void aDeliveryIdRepeatedInOneBatchIsAddedOnce() {
    List<Integer> answers =
        onBoth(
            s -> {
              s.insertWebhook(Fixtures.webhook("wh_a", T0));
              s.insertWebhook(Fixtures.webhook("wh_b", T0));
              List<Delivery> added =
                  s.enqueue(
                      List.of(
                          Fixtures.pending("dlv_1", "wh_a", "evt_1", T0),
                          Fixtures.pending("dlv_1", "wh_b", "evt_1", T0)));
              int stored =
                  (int) (s.countDeliveries("wh_a").total() + s.countDeliveries("wh_b").total());
              for (ClaimedDelivery c : s.claim(ClaimRequest.of("w", T0, LEASE, 10))) {
                s.complete(c.lease(), Fixtures.ok(1, T0), T0);
              }
              // Every claimed delivery was completed: none is claimed again once leases expire.
              int again =
                  s.claim(ClaimRequest.of("w", T0.plus(LEASE.multipliedBy(2)), LEASE, 10)).size();
              return added.size() + 10 * stored + 100 * again;
            });
    assertEquals(
        List.of(11, 11), answers, "{in memory, PostgreSQL}: added + 10 * stored + 100 * reclaimed");
  }
}
