package dev.hookline.admin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.admin.spi.AuditEntry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store kept every audit entry for as long as the process ran. Any tenant token with
 * {@code webhooks:write} adds two per create-and-delete of a webhook (the per-tenant webhook limit
 * bounds how many exist, not how many are made), so a tenant's loop grew the host's heap without
 * bound. The store keeps the newest 100,000 entries now (the in-memory store already loses them all
 * on restart); sequences and paging are unchanged.
 */
class InMemoryAuditBoundTest {
  static final int KEPT = 100_000;

  @Test
  void theOldestEntriesAreDroppedPastTheBound() {
    InMemoryAdminStore store = new InMemoryAdminStore();
    Instant at = Instant.parse("2026-12-01T00:00:00Z");
    int added = KEPT + 1;
    for (int i = 0; i < added; i++) {
      store.appendAudit(
          new AuditEntry(
              0,
              at,
              Optional.of("tok_loop"),
              "token:tok_loop (loop)",
              Optional.of("acme"),
              i % 2 == 0 ? "webhook.create" : "webhook.delete",
              "wh_" + i,
              List.of()));
    }
    List<AuditEntry> all = store.listAudit(Optional.empty(), OptionalLong.empty(), added);
    assertTrue(all.size() <= KEPT, "the store holds " + all.size() + " audit entries");
    assertEquals(added, all.get(0).sequence(), "the newest entry is kept with its sequence");
    // paging from any kept entry still goes on from it, newest first
    long middle = all.get(10).sequence();
    List<AuditEntry> page = store.listAudit(Optional.of("acme"), OptionalLong.of(middle), 3);
    assertEquals(
        List.of(middle - 1, middle - 2, middle - 3),
        page.stream().map(AuditEntry::sequence).toList());
    // before the oldest kept entry there is nothing
    long oldest = all.get(all.size() - 1).sequence();
    assertEquals(List.of(), store.listAudit(Optional.empty(), OptionalLong.of(oldest), 10));
  }
}
