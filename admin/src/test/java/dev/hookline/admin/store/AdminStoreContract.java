package dev.hookline.admin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.admin.Scope;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.spi.AdminStoreException;
import dev.hookline.admin.spi.AuditEntry;
import dev.hookline.admin.spi.StoredToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What every {@link AdminStore} does; each implementation's test extends it. */
abstract class AdminStoreContract {
  static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

  /** A store with no tokens and an empty audit log. */
  protected abstract AdminStore store();

  private static StoredToken token(String id, String tenant, Set<Scope> scopes) {
    return new StoredToken(
        id,
        "name " + id,
        Optional.ofNullable(tenant),
        scopes,
        UUID.randomUUID().toString().replace("-", "") + id,
        T0,
        Optional.of(T0.plusSeconds(3600)),
        Optional.empty());
  }

  @Test
  void tokensAreFoundByIdAndHashAsStored() {
    AdminStore s = store();
    StoredToken t = token("tok_a", "acme", EnumSet.of(Scope.WEBHOOKS_READ, Scope.TOKENS_ADMIN));
    s.insertToken(t);
    assertEquals(Optional.of(t), s.findToken("tok_a"));
    assertEquals(Optional.of(t), s.findTokenByHash(t.hash()));
    assertEquals(Optional.empty(), s.findTokenByHash("0".repeat(64)));
    assertEquals(Optional.empty(), s.findToken("tok_none"));
  }

  @Test
  void aDuplicateIdOrHashIsRefused() {
    AdminStore s = store();
    StoredToken t = token("tok_dup", null, EnumSet.of(Scope.WEBHOOKS_READ));
    s.insertToken(t);
    AdminStoreException e =
        assertThrows(
            AdminStoreException.class,
            () -> s.insertToken(token("tok_dup", null, Set.of(Scope.WEBHOOKS_READ))));
    assertEquals(AdminStoreException.Reason.DUPLICATE, e.reason());
    StoredToken sameHash =
        new StoredToken(
            "tok_other",
            "n",
            Optional.empty(),
            Set.of(Scope.WEBHOOKS_READ),
            t.hash(),
            T0,
            Optional.empty(),
            Optional.empty());
    assertThrows(AdminStoreException.class, () -> s.insertToken(sameHash));
  }

  @Test
  void tokensListInIdOrderByTenantAfterACursor() {
    AdminStore s = store();
    s.insertToken(token("tok_3", "acme", Set.of(Scope.WEBHOOKS_READ)));
    s.insertToken(token("tok_1", "acme", Set.of(Scope.WEBHOOKS_READ)));
    s.insertToken(token("tok_2", "globex", Set.of(Scope.WEBHOOKS_READ)));
    s.insertToken(token("tok_4", null, Set.of(Scope.WEBHOOKS_READ)));
    assertEquals(
        List.of("tok_1", "tok_2", "tok_3", "tok_4"),
        s.listTokens(Optional.empty(), Optional.empty(), 10).stream()
            .map(StoredToken::id)
            .toList());
    assertEquals(
        List.of("tok_1", "tok_3"),
        s.listTokens(Optional.of("acme"), Optional.empty(), 10).stream()
            .map(StoredToken::id)
            .toList());
    assertEquals(
        List.of("tok_3"),
        s.listTokens(Optional.of("acme"), Optional.of("tok_1"), 10).stream()
            .map(StoredToken::id)
            .toList());
    assertEquals(
        List.of("tok_2", "tok_3"),
        s.listTokens(Optional.empty(), Optional.of("tok_1"), 2).stream()
            .map(StoredToken::id)
            .toList());
  }

  @Test
  void revokingIsOnceAndStopsUse() {
    AdminStore s = store();
    s.insertToken(token("tok_r", null, Set.of(Scope.WEBHOOKS_READ)));
    assertTrue(s.revokeToken("tok_r", T0.plusSeconds(5)));
    assertFalse(s.revokeToken("tok_r", T0.plusSeconds(6)));
    assertFalse(s.revokeToken("tok_none", T0));
    StoredToken t = s.findToken("tok_r").orElseThrow();
    assertEquals(Optional.of(T0.plusSeconds(5)), t.revokedAt());
    assertFalse(t.usableAt(T0.plusSeconds(5)));
  }

  @Test
  void concurrentCallsLoseNoAuditEntryAndRevokeOrInsertEachTokenOnce() throws Exception {
    AdminStore s = store();
    int threads = 8;
    int entriesPerThread = 50;
    int contested = 10;
    for (int i = 0; i < contested; i++) {
      s.insertToken(token("tok_rev_" + i, null, Set.of(Scope.WEBHOOKS_READ)));
    }
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicInteger[] revoked = new AtomicInteger[contested];
    AtomicInteger[] inserted = new AtomicInteger[contested];
    for (int i = 0; i < contested; i++) {
      revoked[i] = new AtomicInteger();
      inserted[i] = new AtomicInteger();
    }
    Set<Long> sequences = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        workers.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (int i = 0; i < entriesPerThread; i++) {
                    AuditEntry e =
                        s.appendAudit(
                            new AuditEntry(
                                0,
                                T0.plusSeconds(i),
                                Optional.empty(),
                                "thread " + thread,
                                Optional.empty(),
                                "webhook.update",
                                "wh_" + thread + "_" + i,
                                List.of()));
                    sequences.add(e.sequence());
                    int k = (i + thread) % contested;
                    if (s.revokeToken("tok_rev_" + k, T0.plusSeconds(thread))) {
                      revoked[k].incrementAndGet();
                    }
                    try {
                      // the same id from every thread, each with its own hash
                      s.insertToken(token("tok_new_" + k, null, Set.of(Scope.WEBHOOKS_READ)));
                      inserted[k].incrementAndGet();
                    } catch (AdminStoreException dup) {
                      assertEquals(AdminStoreException.Reason.DUPLICATE, dup.reason());
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> w : workers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    int total = threads * entriesPerThread;
    assertEquals(total, sequences.size(), "every appended entry has its own sequence");
    List<AuditEntry> log = s.listAudit(Optional.empty(), OptionalLong.empty(), total + 10);
    assertEquals(total, log.size(), "every appended entry is listed");
    for (int i = 1; i < log.size(); i++) {
      assertTrue(log.get(i - 1).sequence() > log.get(i).sequence(), "newest first, no repeat");
    }
    for (int k = 0; k < contested; k++) {
      assertEquals(1, revoked[k].get(), "tok_rev_" + k + " revoked by exactly one call");
      assertTrue(s.findToken("tok_rev_" + k).orElseThrow().revokedAt().isPresent());
      assertEquals(1, inserted[k].get(), "tok_new_" + k + " inserted by exactly one call");
    }
  }

  private static StoredToken live(String id, String tenant, Instant at, Optional<Instant> expires) {
    return new StoredToken(
        id,
        "name " + id,
        Optional.ofNullable(tenant),
        Set.of(Scope.WEBHOOKS_READ),
        UUID.randomUUID().toString().replace("-", "") + id,
        at,
        expires,
        Optional.empty());
  }

  @Test
  void theLiveTokenLimitRefusesPastItAndCountsNeitherRevokedNorExpiredNorOthers() {
    AdminStore s = store();
    Instant now = T0.plusSeconds(600);
    s.insertToken(live("tok_l1", "acme", T0, Optional.empty()));
    // expired at or before now: does not count
    s.insertToken(live("tok_l2", "acme", T0, Optional.of(now)));
    s.insertToken(live("tok_l3", "acme", T0, Optional.of(T0.plusSeconds(1))));
    s.insertToken(live("tok_l4", "acme", T0, Optional.of(now.plusSeconds(1))));
    assertTrue(s.revokeToken("tok_l4", T0.plusSeconds(2))); // revoked: does not count
    assertTrue(s.insertToken(live("tok_l5", "acme", now, Optional.of(now.plusSeconds(60))), 3));
    assertTrue(s.insertToken(live("tok_l6", "acme", now, Optional.empty()), 3));
    // three live at now: tok_l1, tok_l5, tok_l6
    assertFalse(s.insertToken(live("tok_l7", "acme", now, Optional.empty()), 3));
    assertEquals(Optional.empty(), s.findToken("tok_l7"), "nothing written when refused");
    // another tenant and the host are not affected
    for (int i = 0; i < 3; i++) {
      assertTrue(s.insertToken(live("tok_o" + i, "other", now, Optional.empty()), 3));
      assertTrue(s.insertToken(live("tok_h" + i, null, now, Optional.empty()), 3));
    }
    assertTrue(s.insertToken(live("tok_h3", null, now, Optional.empty()), 3));
    assertFalse(s.insertToken(live("tok_o3", "other", now, Optional.empty()), 3));
    // revoking one makes room for exactly one
    assertTrue(s.revokeToken("tok_l1", now));
    assertTrue(s.insertToken(live("tok_l8", "acme", now, Optional.empty()), 3));
    assertFalse(s.insertToken(live("tok_l9", "acme", now, Optional.empty()), 3));
    // a token that expires later frees room once the insert time is past its expiry
    assertTrue(
        s.insertToken(live("tok_l10", "acme", now.plusSeconds(61), Optional.empty()), 3),
        "tok_l5 expired at now + 60s");
    // a duplicate is still a duplicate
    StoredToken dup = live("tok_o0", "fresh", now, Optional.empty());
    AdminStoreException e = assertThrows(AdminStoreException.class, () -> s.insertToken(dup, 3));
    assertEquals(AdminStoreException.Reason.DUPLICATE, e.reason());
    assertThrows(
        IllegalArgumentException.class,
        () -> s.insertToken(live("tok_z", "acme", now, Optional.empty()), 0));
  }

  @Test
  void concurrentCreatesNeverPassTheLiveTokenLimit() throws Exception {
    AdminStore s = store();
    int threads = 8;
    int perThread = 4;
    int limit = 5;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicInteger stored = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        workers.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (int i = 0; i < perThread; i++) {
                    if (s.insertToken(
                        live("tok_race_" + thread + "_" + i, "acme", T0, Optional.empty()),
                        limit)) {
                      stored.incrementAndGet();
                    } else {
                      refused.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> w : workers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(limit, stored.get(), "exactly the limit stored");
    assertEquals(threads * perThread - limit, refused.get());
    assertEquals(limit, s.listTokens(Optional.of("acme"), Optional.empty(), 100).size());
  }

  /** How many dead tokens the built-in stores keep per tenant, and for the host. */
  static final int DEAD_KEPT = DeadTokens.KEPT;

  private static StoredToken at(String id, String tenant, Instant created) {
    return live(id, tenant, created, Optional.empty());
  }

  private static List<String> ids(AdminStore s, String tenant) {
    return s.listTokens(Optional.ofNullable(tenant), Optional.empty(), 5_000).stream()
        .filter(t -> tenant != null || t.tenant().isEmpty())
        .map(StoredToken::id)
        .sorted() // in Java's order: the database's collation may sort ids otherwise
        .toList();
  }

  /** The bucket's ids are {@code expected}, compared by size first (the lists are long). */
  private static void assertIds(List<String> expected, AdminStore s, String tenant) {
    List<String> actual = ids(s, tenant);
    assertEquals(
        expected.size(), actual.size(), "tokens of " + (tenant == null ? "the host" : tenant));
    assertEquals(expected.stream().sorted().toList(), actual);
  }

  private static List<String> churned(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(String.format("tok_c%04d", i));
    }
    return out;
  }

  /**
   * A tenant's token with {@code tokens:admin} creating and revoking in a loop grew the store
   * without bound: only live tokens were limited. Inserting a token now also deletes its tenant's
   * dead (revoked or expired) tokens past the newest {@link #DEAD_KEPT}, by when they died; its
   * live tokens, other tenants' and the host's are kept, and a deleted token is not found by its
   * hash.
   */
  @Test
  void aCreateAndRevokeLoopKeepsOnlyTheNewestDeadTokensOfItsTenant() {
    assertEquals(100, DEAD_KEPT, "docs/admin.md and AdminStore's javadoc say 100");
    AdminStore s = store();
    assertTrue(s.insertToken(at("tok_keep", "acme", T0), 3)); // live throughout
    assertTrue(s.insertToken(at("tok_late", "acme", T0), 3)); // revoked after the loop
    for (int i = 0; i < 5; i++) {
      assertTrue(s.insertToken(at("tok_g" + i, "globex", T0), 3));
      assertTrue(s.revokeToken("tok_g" + i, T0.plusMillis(1)));
      assertTrue(s.insertToken(at("tok_h" + i, null, T0), 3));
      assertTrue(s.revokeToken("tok_h" + i, T0.plusMillis(1)));
    }
    int loops =
        DEAD_KEPT + 50; // enough to push 50 past the bound; 1,000 took a minute on PostgreSQL
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < loops; i++) {
      Instant created = T0.plusSeconds(1 + i);
      StoredToken t = at(String.format("tok_c%04d", i), "acme", created);
      hashes.add(t.hash());
      assertTrue(s.insertToken(t, 3), "inserted " + i);
      assertTrue(s.revokeToken(t.id(), created.plusMillis(500)));
    }
    // at the last insert the newest DEAD_KEPT dead were kept; the last one died after it
    List<String> kept = new ArrayList<>(List.of("tok_keep", "tok_late"));
    kept.addAll(churned(loops - DEAD_KEPT - 1, loops));
    assertIds(kept, s, "acme");
    assertTrue(ids(s, "acme").size() <= DEAD_KEPT + 3, "at most the dead kept and the live limit");
    // a deleted token is gone by id and by hash; a kept one is still found, revoked
    assertEquals(Optional.empty(), s.findToken("tok_c0000"));
    assertEquals(Optional.empty(), s.findTokenByHash(hashes.get(0)));
    assertEquals(Optional.empty(), s.findTokenByHash(hashes.get(loops - DEAD_KEPT - 2)));
    StoredToken oldestKept = s.findTokenByHash(hashes.get(loops - DEAD_KEPT - 1)).orElseThrow();
    assertTrue(oldestKept.revokedAt().isPresent());
    // other tenants and the host keep their dead tokens
    assertEquals(List.of("tok_g0", "tok_g1", "tok_g2", "tok_g3", "tok_g4"), ids(s, "globex"));
    assertEquals(List.of("tok_h0", "tok_h1", "tok_h2", "tok_h3", "tok_h4"), ids(s, null));
    // newest by when it died, not when it was made: tok_late, made first, died last
    Instant after = T0.plusSeconds(1 + loops);
    assertTrue(s.revokeToken("tok_late", after));
    assertTrue(s.insertToken(at("tok_next", "acme", after.plusSeconds(1)), 3));
    kept = new ArrayList<>(List.of("tok_keep", "tok_late", "tok_next"));
    kept.addAll(churned(loops - DEAD_KEPT + 1, loops));
    assertIds(kept, s, "acme");
  }

  @Test
  void expiredTokensAreDeadAtTheInsertTimeAndTheHostHasItsOwnBound() {
    AdminStore s = store();
    assertTrue(s.insertToken(at("tok_acme", "acme", T0), 3));
    assertTrue(s.revokeToken("tok_acme", T0.plusSeconds(1)));
    int loops = DEAD_KEPT + 50;
    for (int i = 0; i < loops; i++) {
      Instant created = T0.plusSeconds(10L * (i + 1));
      // each expires before the next is made; host tokens, which have no live limit
      assertTrue(
          s.insertToken(
              live(
                  String.format("tok_c%04d", i),
                  null,
                  created,
                  Optional.of(created.plusSeconds(5))),
              1));
    }
    // at the last insert the newest DEAD_KEPT expired ones were kept, and the last one was live
    assertIds(churned(loops - DEAD_KEPT - 1, loops), s, null);
    // a tenant's dead token is not the host's
    assertEquals(List.of("tok_acme"), ids(s, "acme"));
    // a token that expires exactly at the insert time is dead then
    Instant last = T0.plusSeconds(10L * loops);
    assertTrue(s.insertToken(live("tok_edge", null, last.plusSeconds(5), Optional.empty()), 1));
    List<String> kept = new ArrayList<>(churned(loops - DEAD_KEPT, loops));
    kept.add("tok_edge");
    assertIds(kept, s, null);
  }

  @Test
  void aRefusedInsertDeletesNothing() {
    AdminStore s = store();
    for (int i = 0; i < DEAD_KEPT + 10; i++) {
      s.insertToken(
          new StoredToken(
              String.format("tok_c%04d", i),
              "dead",
              Optional.of("acme"),
              Set.of(Scope.WEBHOOKS_READ),
              "hash" + i,
              T0,
              Optional.empty(),
              Optional.of(T0.plusSeconds(i))));
    }
    assertTrue(s.insertToken(at("tok_live", "acme", T0), 1)); // deletes the 10 oldest dead
    assertEquals(DEAD_KEPT + 1, ids(s, "acme").size());
    assertFalse(s.insertToken(at("tok_refused", "acme", T0.plusSeconds(1)), 1));
    assertEquals(DEAD_KEPT + 1, ids(s, "acme").size());
    assertEquals(Optional.empty(), s.findToken("tok_c0009"));
    assertTrue(s.findToken("tok_c0010").isPresent());
  }

  @Test
  void theAuditLogListsNewestFirstByTenantBeforeASequence() {
    AdminStore s = store();
    AuditEntry a =
        s.appendAudit(
            new AuditEntry(
                0,
                T0,
                Optional.of("tok_1"),
                "p",
                Optional.of("acme"),
                "webhook.create",
                "wh_1",
                List.of("name", "uri")));
    AuditEntry b =
        s.appendAudit(
            new AuditEntry(
                0,
                T0.plusSeconds(1),
                Optional.empty(),
                "host",
                Optional.empty(),
                "webhook.delete",
                "wh_2",
                List.of()));
    AuditEntry c =
        s.appendAudit(
            new AuditEntry(
                0,
                T0.plusSeconds(2),
                Optional.of("tok_1"),
                "p",
                Optional.of("acme"),
                "webhook.update",
                "wh_1",
                List.of("name")));
    assertTrue(a.sequence() < b.sequence() && b.sequence() < c.sequence());
    assertEquals(List.of(c, b, a), s.listAudit(Optional.empty(), OptionalLong.empty(), 10));
    assertEquals(List.of(c, a), s.listAudit(Optional.of("acme"), OptionalLong.empty(), 10));
    assertEquals(List.of(a), s.listAudit(Optional.of("acme"), OptionalLong.of(c.sequence()), 10));
    assertEquals(List.of(c), s.listAudit(Optional.empty(), OptionalLong.empty(), 1));
  }
}
