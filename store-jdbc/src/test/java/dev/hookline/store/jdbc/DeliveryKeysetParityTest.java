package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.internal.DeliveryKeyset;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stores' keyset reads ({@link DeliveryKeyset}), which the admin API pages a delivery log with:
 * on both stores, the pages after each page's last row, whatever the criteria, concatenate to the
 * one-page listing, also among more rows of one instant than a page holds, across states, after a
 * position whose row is gone, and after positions finer than PostgreSQL's microsecond or beyond the
 * times it holds.
 */
class DeliveryKeysetParityTest {
  private static final String SCHEMA = "keyset_parity";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 4);
  private static final Instant T0 = Fixtures.T0;
  private static final Duration LEASE = Duration.ofMinutes(1);

  /** Deliveries at one instant, more than a few pages of {@link #PAGE}. */
  private static final int TIES = 300;

  private static final int PAGE = 40;

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

  /**
   * Two webhooks of tenant acme: wh_a with older, tied and newer deliveries, some of the ties
   * failed; wh_b with a few at the same instant.
   */
  private static Store filled(Store s) {
    s.insertWebhook(Fixtures.tenantWebhook("wh_a", "acme", T0.minusSeconds(60)));
    s.insertWebhook(Fixtures.tenantWebhook("wh_b", "acme", T0.minusSeconds(60)));
    List<Delivery> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      batch.add(Fixtures.pending("dlv_old_" + i, "wh_a", "evt_old_" + i, T0.minusSeconds(i + 1)));
      batch.add(Fixtures.pending("dlv_new_" + i, "wh_a", "evt_new_" + i, T0.plusSeconds(i + 1)));
      batch.add(Fixtures.pending("dlv_b_" + i, "wh_b", "evt_b_" + i, T0));
    }
    for (int i = 0; i < TIES; i++) {
      // Ids whose order is not their insertion order.
      String n = Integer.toString((i * 7919) % TIES, 36);
      batch.add(Fixtures.pending("dlv_tie_" + n, "wh_a", "evt_tie_" + n, T0));
    }
    assertEquals(batch.size(), s.enqueue(batch).size());
    // About a third fails (chosen by id, alike on both stores): the ties span two states.
    List<ClaimedDelivery> claimed =
        s.claim(ClaimRequest.of("w", T0.plusSeconds(10), LEASE, 10_000));
    assertEquals(batch.size(), claimed.size());
    for (ClaimedDelivery c : claimed) {
      if (Math.floorMod(c.delivery().id().hashCode(), 3) == 0) {
        assertTrue(s.fail(c.lease(), Fixtures.ok(1, T0), T0));
      } else {
        assertTrue(s.release(c.lease(), T0, T0));
      }
    }
    return s;
  }

  /**
   * Every page of {@code query} (its limit the page size), each after the one before's last row.
   */
  private static List<String> pages(Store s, DeliveryQuery query) {
    List<String> ids = new ArrayList<>();
    List<Delivery> page = s.findDeliveries(query);
    for (int n = 0; n < 100; n++) {
      page.forEach(d -> ids.add(d.id()));
      if (page.size() < query.limit()) {
        return ids;
      }
      Delivery last = page.get(page.size() - 1);
      page = DeliveryKeyset.after(s, query, last.createdAt(), last.id()).orElseThrow();
    }
    throw new AssertionError("no last page");
  }

  private static List<String> ids(List<Delivery> rows) {
    return rows.stream().map(Delivery::id).toList();
  }

  /**
   * On both stores, each query's pages (its limit {@link #PAGE}) concatenate to its one-page
   * listing, which holds at least {@code atLeast} rows, and the stores list the same rows.
   */
  private static void pagesAreTheOnePageListing(int atLeast, DeliveryQuery.Builder... criteria) {
    List<List<List<String>>> answers =
        onBoth(
            s -> {
              filled(s);
              List<List<String>> listings = new ArrayList<>();
              for (DeliveryQuery.Builder c : criteria) {
                List<String> one = ids(s.findDeliveries(c.limit(10_000).build()));
                List<String> paged = pages(s, c.limit(PAGE).build());
                assertEquals(one, paged, "pages concatenate to the one-page listing");
                assertTrue(one.size() >= atLeast, one.size() + " rows listed");
                listings.add(one);
              }
              return listings;
            });
    assertEquals(answers.get(0), answers.get(1), "{in memory} and {PostgreSQL} agree");
  }

  @Test
  void aWebhooksPagesConcatenateToItsListing() {
    pagesAreTheOnePageListing(
        TIES,
        DeliveryQuery.builder().webhook("wh_a"),
        DeliveryQuery.builder().webhook("wh_a").createdFrom(T0).createdBefore(T0.plusSeconds(3)));
  }

  @Test
  void aWebhooksPagesOfSomeStatesConcatenateToItsListing() {
    pagesAreTheOnePageListing(
        PAGE + 1,
        DeliveryQuery.builder().webhook("wh_a").states(DeliveryState.FAILED),
        DeliveryQuery.builder().webhook("wh_a").states(DeliveryState.PENDING),
        DeliveryQuery.builder()
            .webhook("wh_a")
            .states(DeliveryState.FAILED, DeliveryState.PENDING)
            .createdFrom(T0)
            .createdBefore(T0.plusSeconds(3)));
  }

  @Test
  void aTenantsAndEveryWebhooksFailedPagesConcatenateToTheirListings() {
    pagesAreTheOnePageListing(
        PAGE + 1,
        DeliveryQuery.builder().tenant("acme"),
        DeliveryQuery.builder().states(DeliveryState.FAILED));
  }

  @Test
  void anEventsPageStartsAfterThePosition() {
    List<List<String>> answers =
        onBoth(
            s -> {
              filled(s);
              DeliveryQuery q = DeliveryQuery.builder().event("evt_b_1").build();
              return List.of(
                  ids(DeliveryKeyset.after(s, q, T0, "dlv_b_2").orElseThrow()).toString(),
                  ids(DeliveryKeyset.after(s, q, T0, "dlv_b_1").orElseThrow()).toString());
            });
    assertEquals(List.of("[dlv_b_1]", "[]"), answers.get(0));
    assertEquals(answers.get(0), answers.get(1), "{in memory} and {PostgreSQL} agree");
  }

  @Test
  void aPositionWhoseRowIsGoneStartsWhereThatRowWouldBe() {
    // "dlv_tie_4zz" is no id of the fill (base 36, below 700); "dlv_tie_4z" and "dlv_tie_4y" are
    // the ids just below it.
    List<List<String>> answers =
        onBoth(
            s -> {
              filled(s);
              DeliveryQuery q = DeliveryQuery.builder().webhook("wh_a").limit(2).build();
              return ids(DeliveryKeyset.after(s, q, T0, "dlv_tie_4zz").orElseThrow());
            });
    assertEquals(List.of("dlv_tie_4z", "dlv_tie_4y"), answers.get(0));
    assertEquals(answers.get(0), answers.get(1), "{in memory} and {PostgreSQL} agree");
  }

  @Test
  void positionsFinerThanAMicrosecondOrBeyondStoredTimesAreComparedAsInstants() {
    List<List<Integer>> answers =
        onBoth(
            s -> {
              filled(s);
              DeliveryQuery q = DeliveryQuery.builder().webhook("wh_a").limit(10_000).build();
              return List.of(
                  // Created before T0 + 1 ns: the ties (any id) and the older ones.
                  DeliveryKeyset.after(s, q, T0.plusNanos(1), "").orElseThrow().size(),
                  // Created before T0 - 1 ns: the older ones only.
                  DeliveryKeyset.after(s, q, T0.minusNanos(1), "~").orElseThrow().size(),
                  DeliveryKeyset.after(s, q, Instant.MAX, "").orElseThrow().size(),
                  DeliveryKeyset.after(s, q, Instant.MIN, "~").orElseThrow().size());
            });
    assertEquals(List.of(TIES + 5, 5, TIES + 10, 0), answers.get(0), "in memory");
    assertEquals(answers.get(0), answers.get(1), "PostgreSQL");
  }

  @Test
  void aStoreOfTheHostsOwnHasNoKeysetRead() {
    Store own =
        (Store)
            Proxy.newProxyInstance(
                Store.class.getClassLoader(),
                new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                  try {
                    return method.invoke(new InMemoryStore(), args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    assertTrue(
        DeliveryKeyset.after(own, DeliveryQuery.builder().build(), T0, "dlv").isEmpty(),
        "no read for a class that installed none");
  }
}
