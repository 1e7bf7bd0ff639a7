package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Event.build's new rule (data at most 900 levels deep, 504a2a4; 999 in 3514651 this morning, none
 * before) is applied again to every row read back (Rows.event builds the event with
 * Event.builder()...build()). A row stored before the rule, with data 950 levels deep (which the
 * store wrote and read back until today: Jackson's own limits are 1,000), can no longer be read:
 * the claim skips it (logged), leaves it IN_FLIGHT under the lease, and every later claim does the
 * same, so the delivery is never sent, never failed and never purged. Outbox.checkSize keeps its
 * tenant and control-character rules out of Event.build for exactly this reason ("so that events
 * stored before the rule still read back").
 */
class StoredDeepDataReviewTest {
  private static final String SCHEMA = "stored_deep_data_review";
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final DataSource DS = EmbeddedDb.dataSource();

  @BeforeAll
  static void setUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  @AfterAll
  static void cleanUp() {
    EmbeddedDb.dropSchema(DS, SCHEMA);
  }

  @Test
  void aRowStoredBeforeTheDepthRuleIsStillClaimed() {
    try (PostgresStore writer = EmbeddedDb.store(DS, SCHEMA)) {
      writer.insertWebhook(webhook("wh_d", T0));
      writer.enqueue(List.of(pending("dlv_deep", "wh_d", "evt_deep", T0)));
    }
    // The data as a store before the rule wrote it: 950 levels (within Jackson's 1,000).
    StringBuilder deep = new StringBuilder("{\"a\":");
    for (int i = 1; i < 950; i++) {
      deep.append('[');
    }
    deep.append('1');
    for (int i = 1; i < 950; i++) {
      deep.append(']');
    }
    deep.append('}');
    EmbeddedDb.execute(
        DS,
        "UPDATE \"" + SCHEMA + "\".events SET data = '" + deep + "'::json WHERE id = 'evt_deep'");

    // Another instance (nothing remembered of what was written) claims it.
    try (PostgresStore reader = EmbeddedDb.store(DS, SCHEMA)) {
      List<ClaimedDelivery> claimed =
          reader.claim(new ClaimRequest("w1", T0, LEASE, 10, Lane.ANY, Set.of()));
      assertEquals(
          List.of("dlv_deep"),
          claimed.stream().map(c -> c.delivery().id()).toList(),
          "the stored delivery is claimed and readable");
    }
  }
}
