package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A claimed row that cannot be read back as a delivery (an attempt's error kind written by a newer
 * library during a rolling upgrade, attempts that are not what this library writes) is committed
 * {@code IN_FLIGHT} with the rest of its claim: it must not take the other rows of the claim down
 * with it, nor be claimed again at once.
 */
class ClaimMappingFailureTest {
  private static final String SCHEMA = "claim_mapping";
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final DataSource DS = EmbeddedDb.dataSource();
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

  @ParameterizedTest
  @EnumSource(
      value = Lane.class,
      names = {"RETRIES", "ANY"})
  void aRowThatDoesNotMapIsLeftOutAndTheOthersAreReturned(Lane lane) {
    EmbeddedDb.truncate(DS, SCHEMA);
    store.insertWebhook(webhook("wh_m", T0));
    store.enqueue(
        List.of(
            pending("dlv_ok1", "wh_m", "evt_1", T0),
            pending("dlv_bad", "wh_m", "evt_2", T0),
            pending("dlv_ok2", "wh_m", "evt_3", T0),
            pending("dlv_odd", "wh_m", "evt_4", T0)));
    // Each has failed once; one attempt names an error kind this library does not know, one has
    // no start time.
    EmbeddedDb.execute(
        DS,
        "UPDATE \""
            + SCHEMA
            + "\".deliveries SET state = 'RETRYING', attempt_count = 1, attempts ="
            + " '[{\"number\":1,\"started_at\":\"2026-01-01T00:00:00Z\",\"duration\":\"PT1S\","
            + "\"error\":\"TIMEOUT\",\"response_body\":\"\",\"detail\":\"secret-detail\"}]'");
    EmbeddedDb.execute(
        DS,
        "UPDATE \""
            + SCHEMA
            + "\".deliveries SET attempts = jsonb_set(attempts, '{0,error}',"
            + " '\"KIND_FROM_THE_FUTURE\"') WHERE id = 'dlv_bad'");
    EmbeddedDb.execute(
        DS,
        "UPDATE \""
            + SCHEMA
            + "\".deliveries SET attempts = attempts #- '{0,started_at}' WHERE id = 'dlv_odd'");

    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream originalErr = System.err;
    List<ClaimedDelivery> claimed;
    List<ClaimedDelivery> again;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      claimed = store.claim(new ClaimRequest("w1", T0, LEASE, 10, lane, Set.of()));
      // Claimed again before the lease expires: the bad rows are not offered in a loop.
      again = store.claim(new ClaimRequest("w2", T0, LEASE, 10, lane, Set.of()));
    } finally {
      System.setErr(originalErr);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);

    assertEquals(
        Set.of("dlv_ok1", "dlv_ok2"),
        claimed.stream().map(c -> c.delivery().id()).collect(Collectors.toSet()));
    assertTrue(again.isEmpty(), () -> "claimed again at once: " + again);
    assertTrue(logs.contains("ERROR"), logs);
    assertTrue(logs.contains("dlv_bad"), logs);
    assertTrue(logs.contains("dlv_odd"), logs);
    assertFalse(logs.contains("KIND_FROM_THE_FUTURE"), "the row's data in the log: " + logs);
    assertFalse(logs.contains("secret-detail"), "the row's data in the log: " + logs);
    // Left under the claim's lease, so that after it expires any instance (one that can read it,
    // during an upgrade) takes it, once per lease.
    assertEquals(
        4,
        EmbeddedDb.count(
            DS,
            "SELECT count(*) FROM \""
                + SCHEMA
                + "\".deliveries WHERE state = 'IN_FLIGHT' AND lease_owner = 'w1'"));
  }
}
