package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.internal.DeliveryKeyset;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An event row whose stored {@code data} this library cannot read back (a number such as {@code
 * 1E+2147483648}, whose exponent is beyond {@code int}: the builder refuses it now, but rows
 * written by an older version or by another writer can hold one) made Jackson throw {@code
 * NumberFormatException}, which {@code Rows} let through: {@code findDeliveries} failed as a whole
 * (the admin API's delivery log of the webhook answered 500 for every page that reached the row),
 * and {@code findDelivery} threw a bare {@code NumberFormatException} naming neither the delivery
 * nor the event. Now a listing leaves the row out, as listing webhooks leaves out a row whose
 * secret does not decrypt, with an ERROR naming the delivery and its event (never the data), and
 * still fills its page; finding the row itself fails with a {@link StoreException} naming both. A
 * claim leaves the row out (it already did) and claims the others.
 */
class UnreadableDeliveryRowReviewTest {
  private static final String SCHEMA = "unreadable_delivery";
  private static final DataSource DS = EmbeddedDb.dataSource();
  private static final String BAD_DATA = "{\"card\":\"data-marker-4111\",\"n\":1E+2147483648}";
  private static PostgresStore store;

  @BeforeAll
  static void setUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
    store = EmbeddedDb.store(DS, SCHEMA);
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  @BeforeEach
  void fiveDeliveriesTheSecondNewestUnreadable() {
    EmbeddedDb.truncate(DS, SCHEMA);
    store.insertWebhook(webhook("wh_u", T0));
    List<Delivery> ds = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      ds.add(pending("dlv_" + i, "wh_u", "evt_" + i, T0.plusSeconds(i)));
    }
    store.enqueue(ds);
    EmbeddedDb.execute(
        DS, "UPDATE \"" + SCHEMA + "\".events SET data = '" + BAD_DATA + "' WHERE id = 'evt_4'");
  }

  @Test
  void aListingLeavesTheRowOutAndStillFillsItsPage() {
    String logs =
        capturingErr(
            () -> {
              List<Delivery> all =
                  store.findDeliveries(DeliveryQuery.builder().webhook("wh_u").build());
              assertEquals(List.of("dlv_5", "dlv_3", "dlv_2", "dlv_1"), ids(all));
              // A page of two: the row left out does not make it short (a short page reads as
              // the end of the log to the admin API's pager).
              List<Delivery> page =
                  store.findDeliveries(DeliveryQuery.builder().webhook("wh_u").limit(2).build());
              assertEquals(List.of("dlv_5", "dlv_3"), ids(page));
              List<Delivery> byEvent =
                  store.findDeliveries(DeliveryQuery.builder().event("evt_4").build());
              assertEquals(List.of(), ids(byEvent));
              // The admin API's next page, after dlv_5.
              List<Delivery> after =
                  DeliveryKeyset.after(
                          store,
                          DeliveryQuery.builder().webhook("wh_u").limit(2).build(),
                          T0.plusSeconds(5),
                          "dlv_5")
                      .orElseThrow();
              assertEquals(List.of("dlv_3", "dlv_2"), ids(after));
              return null;
            });
    assertTrue(logs.contains("ERROR"), logs);
    assertTrue(logs.contains("dlv_4"), logs);
    assertTrue(logs.contains("evt_4"), logs);
    assertFalse(logs.contains("data-marker-4111"), "the row's data in the log: " + logs);
    assertFalse(logs.contains("2147483648"), "the row's data in the log: " + logs);
  }

  @Test
  void findingTheRowFailsNamingItAndTheOthersRead() {
    assertEquals("dlv_3", store.findDelivery("dlv_3").orElseThrow().id());
    StoreException e = assertThrows(StoreException.class, () -> store.findDelivery("dlv_4"));
    assertEquals(StoreException.Reason.FAILED, e.reason());
    assertTrue(e.getMessage().contains("dlv_4"), e::getMessage);
    assertTrue(e.getMessage().contains("evt_4"), e::getMessage);
    assertFalse(e.getMessage().contains("data-marker-4111"), e::getMessage);
    assertFalse(e.getMessage().contains("2147483648"), e::getMessage);
  }

  @Test
  void aClaimLeavesTheRowOutAndClaimsTheOthers() {
    List<List<ClaimedDelivery>> rounds = new ArrayList<>();
    String logs =
        capturingErr(
            () -> {
              rounds.add(
                  store.claim(
                      new ClaimRequest(
                          "w1",
                          T0.plusSeconds(10),
                          Duration.ofSeconds(30),
                          10,
                          Lane.ANY,
                          Set.of())));
              return null;
            });
    assertEquals(
        Set.of("dlv_1", "dlv_2", "dlv_3", "dlv_5"),
        Set.copyOf(ids(rounds.get(0).stream().map(ClaimedDelivery::delivery).toList())));
    assertTrue(logs.contains("ERROR"), logs);
    assertTrue(logs.contains("dlv_4"), logs);
    assertTrue(logs.contains("evt_4"), logs);
    assertFalse(logs.contains("data-marker-4111"), "the row's data in the log: " + logs);
  }

  private static List<String> ids(List<Delivery> ds) {
    return ds.stream().map(Delivery::id).toList();
  }

  private static String capturingErr(Supplier<Void> work) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      work.get();
    } finally {
      System.setErr(originalErr);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
