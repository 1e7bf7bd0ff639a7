package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Webhook;
import dev.hookline.spi.Store;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rows created at one instant (the deliveries of one publish, webhooks made in one microsecond) are
 * listed by PostgreSQL in the in-memory store's order, ids compared byte-wise (Java's order for
 * Hookline's ASCII ids), even when the id columns have a collation that is not (an ICU en-US
 * collation, as a production database's en_US.UTF-8 has: case folded at first, '-' and '_' before
 * digits and letters). The admin API's cursors compare ids in Java's order once a cursor's row is
 * gone (purged between two pages), so a listing in the database's collation made pages skip and
 * repeat rows.
 */
class ForeignCollationOrderTest {
  private static final String SCHEMA = "foreign_collation";
  private static final SimpleConnectionPool DS =
      SimpleConnectionPool.of(EmbeddedDb.dataSource(), 2);
  private static final Instant T0 = Fixtures.T0;
  private static final List<String> SUFFIXES =
      List.of("a", "B", "c", "D", "_e", "-f", "G", "h", "Ab", "aC", "x_", "X-", "0z", "Z0");

  private static PostgresStore postgres;
  private static final InMemoryStore MEMORY = new InMemoryStore();

  @BeforeAll
  static void fill() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    postgres = EmbeddedDb.store(DS, SCHEMA);
    EmbeddedDb.execute(
        DS,
        "ALTER TABLE " + SCHEMA + ".deliveries ALTER COLUMN id TYPE text COLLATE \"en-US-x-icu\"");
    EmbeddedDb.execute(
        DS,
        "ALTER TABLE " + SCHEMA + ".webhooks ALTER COLUMN id TYPE text COLLATE \"en-US-x-icu\"");
    for (Store s : List.of(MEMORY, postgres)) {
      List<Delivery> shared = new ArrayList<>();
      for (String suffix : SUFFIXES) {
        // Half the webhooks are tenant acme's, all made at T0.
        String wh = "wh_" + suffix;
        s.insertWebhook(
            suffix.length() % 2 == 0
                ? Fixtures.tenantWebhook(wh, "acme", T0)
                : Fixtures.webhook(wh, T0));
        shared.add(Fixtures.pending("dlv_s_" + suffix, wh, "evt_shared", T0));
      }
      s.insertWebhook(Fixtures.tenantWebhook("wh_one", "acme", T0));
      List<Delivery> batch = new ArrayList<>();
      for (String suffix : SUFFIXES) {
        batch.add(Fixtures.pending("dlv_" + suffix, "wh_one", "evt_" + suffix, T0));
      }
      s.enqueue(batch);
      s.enqueue(shared);
    }
  }

  @AfterAll
  static void cleanUp() {
    postgres.close();
    EmbeddedDb.dropSchema(DS, SCHEMA);
    DS.close();
  }

  private static void assertSameOrder(Function<Store, List<String>> listing, String what) {
    List<String> expected = listing.apply(MEMORY);
    assertEquals(expected, listing.apply(postgres), what + ": not the in-memory store's order");
  }

  private static Function<Store, List<String>> deliveries(DeliveryQuery q) {
    return s -> s.findDeliveries(q).stream().map(Delivery::id).toList();
  }

  @Test
  void webhooksOfOneInstantAreListedInTheInMemoryStoresOrder() {
    assertSameOrder(s -> s.listWebhooks().stream().map(Webhook::id).toList(), "every webhook");
    assertSameOrder(
        s -> s.listWebhooks("acme").stream().map(Webhook::id).toList(), "a tenant's webhooks");
  }

  @Test
  void deliveriesOfOneInstantAreListedInTheInMemoryStoresOrder() {
    assertSameOrder(
        deliveries(DeliveryQuery.builder().webhook("wh_one").build()), "a webhook's deliveries");
    assertSameOrder(
        deliveries(DeliveryQuery.builder().webhook("wh_one").states(DeliveryState.PENDING).build()),
        "a webhook's pending deliveries");
    assertSameOrder(
        deliveries(
            DeliveryQuery.builder()
                .webhook("wh_one")
                .createdFrom(T0)
                .createdBefore(T0.plusNanos(1000))
                .limit(5)
                .build()),
        "the first five of a webhook's deliveries of one microsecond");
    assertSameOrder(
        deliveries(DeliveryQuery.builder().tenant("acme").build()), "a tenant's deliveries");
    assertSameOrder(
        deliveries(DeliveryQuery.builder().tenant("acme").limit(7).build()),
        "a tenant's first seven deliveries");
    assertSameOrder(
        deliveries(DeliveryQuery.builder().event("evt_shared").build()), "an event's deliveries");
    assertSameOrder(deliveries(DeliveryQuery.builder().build()), "every delivery");
  }
}
