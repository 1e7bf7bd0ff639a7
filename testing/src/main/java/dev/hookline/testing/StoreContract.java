package dev.hookline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.EventConflictException;
import dev.hookline.Secret;
import dev.hookline.SigningSecret;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookConflictException;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookNotFoundException;
import dev.hookline.WebhookStatus;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import dev.hookline.spi.Lease;
import dev.hookline.spi.Store;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Store} implementation must meet. Extend it, implement {@link
 * #createStore()}, and the implementation is checked for webhook CRUD with version conflicts,
 * atomic and idempotent enqueue, lease exclusivity (also under 8 concurrent claimers), lease expiry
 * and re-claim, refusal of stale-lease results, queries, counts and purge. A store that overrides
 * {@link Store#insertWebhook(Webhook, int)} is also checked to never take a tenant past its limit
 * under concurrent creations; one that keeps the default (count, then insert, which may pass the
 * limit, as its javadoc says) has that test skipped, with the reason, rather than failing it now
 * and then.
 *
 * <p>Each test gets a fresh store from {@link #createStore()} (an implementation backed by a shared
 * database should give each call an empty schema or truncate its tables) and closes it afterwards.
 * Time is driven by {@link #clock}; the store must take time only from the {@code now} arguments of
 * its methods.
 *
 * <p>Not thread-safe: JUnit makes an instance per test (or one for all, with {@code PER_CLASS}),
 * used by one thread.
 */
public abstract class StoreContract {
  /** The time every test starts at. */
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static final Duration LEASE = Duration.ofSeconds(30);

  /** Drives time in the tests. */
  protected final ManualClock clock = ManualClock.at(T0);

  /** The store under test, fresh for each test. */
  protected Store store;

  private final AtomicInteger ids = new AtomicInteger();

  /** Sets {@link #store} to a placeholder until {@link #createStoreUnderTest()} runs. */
  protected StoreContract() {
    this.store = new Placeholder();
  }

  /**
   * Returns a new, empty store.
   *
   * @return the store under test
   * @throws Exception if it cannot be created
   */
  protected abstract Store createStore() throws Exception;

  /**
   * Sets {@link #clock} back to {@link #T0} and creates the store for a test. A subclass with one
   * instance for all tests ({@code @TestInstance(PER_CLASS)}, as a non-static {@code @BeforeAll}
   * needs) thus starts each test at {@code T0} too.
   *
   * @throws Exception if it cannot be created
   */
  @BeforeEach
  protected void createStoreUnderTest() throws Exception {
    clock.set(T0);
    store = createStore();
  }

  /** Closes the store after a test. */
  @AfterEach
  protected void closeStoreUnderTest() {
    store.close();
  }

  // ---- fixtures ----

  /**
   * A verified, enabled webhook with version 1, created at the clock's time.
   *
   * @param id the webhook id
   * @return the webhook
   */
  protected Webhook webhook(String id) {
    return webhook(id, Optional.empty());
  }

  /**
   * Like {@link #webhook(String)}, owned by a tenant (or the host's own when empty).
   *
   * @param id the webhook id
   * @param tenant the owning tenant
   * @return the webhook
   */
  protected Webhook webhook(String id, Optional<String> tenant) {
    Instant now = clock.instant();
    return new Webhook(
        id,
        tenant,
        "Webhook " + id,
        "contract test",
        URI.create("https://hooks.example.com/" + id),
        Secret.of("api-key-0123456789-" + id),
        Set.of(UserEvents.CREATED, UserEvents.UPDATED),
        Optional.empty(),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        WebhookStatus.VERIFIED,
        true,
        Optional.empty(),
        List.of(
            new SigningSecret(
                Secret.of("whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="), now, Optional.empty())),
        now,
        now,
        1);
  }

  /**
   * An event with a nested data payload and changed attributes.
   *
   * @param id the event id
   * @return the event
   */
  protected Event event(String id) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("email", "ada@example.com");
    data.putObject("profile").put("plan", "pro").putArray("tags").add("a").add("b");
    return Event.builder(UserEvents.UPDATED)
        .id(id)
        .occurredAt(clock.instant())
        .user("user-" + id)
        .data(data)
        .changed("email", "password")
        .build();
  }

  /**
   * A new pending delivery due now.
   *
   * @param webhookId the webhook
   * @param event the event
   * @return the delivery
   */
  protected Delivery pending(String webhookId, Event event) {
    return Delivery.pending("dlv_" + ids.incrementAndGet(), webhookId, event, clock.instant());
  }

  private List<ClaimedDelivery> claimAll(String owner) {
    return store.claim(ClaimRequest.of(owner, clock.instant(), LEASE, 1000));
  }

  private Attempt ok(int n) {
    return Attempt.response(n, clock.instant(), Duration.ofMillis(12), 200, "ok");
  }

  private Attempt failed(int n) {
    return Attempt.response(n, clock.instant(), Duration.ofMillis(12), 500, "boom");
  }

  private Delivery enqueueOne(String webhookId, String eventId) {
    List<Delivery> added = store.enqueue(List.of(pending(webhookId, event(eventId))));
    assertEquals(1, added.size());
    return added.get(0);
  }

  // ---- webhooks ----

  @Test
  void insertedWebhookIsFoundWithEveryField() {
    Webhook w = webhook("wh_a");
    store.insertWebhook(w);
    Webhook found = store.findWebhook("wh_a").orElseThrow();
    assertEquals(w, found);
    assertEquals(w.apiKey().reveal(), found.apiKey().reveal());
    assertEquals(
        w.signingSecrets().get(0).secret().reveal(),
        found.signingSecrets().get(0).secret().reveal());
  }

  @Test
  void insertingAnExistingIdFails() {
    store.insertWebhook(webhook("wh_a"));
    WebhookConflictException duplicate =
        assertThrows(WebhookConflictException.class, () -> store.insertWebhook(webhook("wh_a")));
    assertEquals(WebhookConflictException.Reason.DUPLICATE_ID, duplicate.reason());
  }

  @Test
  void unknownWebhookIsEmpty() {
    assertTrue(store.findWebhook("wh_missing").isEmpty());
  }

  @Test
  void updateWithNextVersionReplacesTheWebhook() {
    Webhook w = webhook("wh_a");
    store.insertWebhook(w);
    clock.advance(Duration.ofSeconds(1));
    Webhook changed =
        TestWebhooks.withState(
            w, WebhookStatus.VERIFIED, false, Optional.of("paused"), clock.instant());
    store.updateWebhook(changed);
    Webhook found = store.findWebhook("wh_a").orElseThrow();
    assertEquals(2, found.version());
    assertFalse(found.enabled());
    assertEquals(Optional.of("paused"), found.statusReason());
  }

  @Test
  void staleUpdateIsRefusedAndChangesNothing() {
    Webhook w = webhook("wh_a");
    store.insertWebhook(w);
    store.updateWebhook(
        TestWebhooks.withState(w, WebhookStatus.VERIFIED, false, Optional.empty(), T0));
    WebhookConflictException e =
        assertThrows(
            WebhookConflictException.class,
            () ->
                store.updateWebhook(
                    TestWebhooks.withState(
                        w, WebhookStatus.PENDING_VERIFICATION, true, Optional.empty(), T0)));
    assertEquals(1, e.expectedVersion());
    assertEquals(2, e.actualVersion());
    Webhook found = store.findWebhook("wh_a").orElseThrow();
    assertEquals(WebhookStatus.VERIFIED, found.status());
    assertFalse(found.enabled());
  }

  @Test
  void updatingAMissingWebhookFails() {
    Webhook w = webhook("wh_a");
    assertThrows(
        WebhookNotFoundException.class,
        () ->
            store.updateWebhook(
                TestWebhooks.withState(w, WebhookStatus.VERIFIED, true, Optional.empty(), T0)));
  }

  @Test
  void listIsOldestFirst() {
    store.insertWebhook(webhook("wh_b"));
    clock.advance(Duration.ofSeconds(1));
    store.insertWebhook(webhook("wh_a"));
    assertEquals(List.of("wh_b", "wh_a"), store.listWebhooks().stream().map(Webhook::id).toList());
  }

  @Test
  void aWebhooksFormatAndAudienceAreStoredAndChangeable() {
    Webhook w = webhook("wh_set");
    Webhook inserted =
        new Webhook(
            w.id(),
            w.tenant(),
            w.name(),
            w.description(),
            w.uri(),
            w.apiKey(),
            w.events(),
            w.filter(),
            WebhookFormat.SECURITY_EVENT_TOKEN,
            Optional.of("https://rp.example"),
            w.status(),
            w.enabled(),
            w.statusReason(),
            w.signingSecrets(),
            w.createdAt(),
            w.updatedAt(),
            1);
    store.insertWebhook(inserted);
    Webhook found = store.findWebhook("wh_set").orElseThrow();
    assertEquals(inserted, found);
    assertEquals(WebhookFormat.SECURITY_EVENT_TOKEN, found.format());
    assertEquals(Optional.of("https://rp.example"), found.audience());

    store.updateWebhook(
        TestWebhooks.withState(found, WebhookStatus.VERIFIED, true, Optional.empty(), T0));
    assertEquals(
        WebhookFormat.SECURITY_EVENT_TOKEN,
        store.findWebhook("wh_set").orElseThrow().format(),
        "a state change keeps the format");

    Webhook back =
        store
            .findWebhook("wh_set")
            .orElseThrow()
            .withFormat(WebhookFormat.STANDARD_WEBHOOKS, Optional.empty(), T0);
    store.updateWebhook(back);
    Webhook after = store.findWebhook("wh_set").orElseThrow();
    assertEquals(WebhookFormat.STANDARD_WEBHOOKS, after.format());
    assertEquals(Optional.empty(), after.audience());
    store.insertWebhook(webhook("wh_plain"));
    assertEquals(
        WebhookFormat.STANDARD_WEBHOOKS, store.findWebhook("wh_plain").orElseThrow().format());
  }

  // ---- tenants ----

  @Test
  void aWebhooksTenantIsStoredAndKeptAcrossUpdates() {
    Webhook w = webhook("wh_a", Optional.of("acme"));
    store.insertWebhook(w);
    assertEquals(w, store.findWebhook("wh_a").orElseThrow());
    assertEquals(Optional.of("acme"), store.findWebhook("wh_a").orElseThrow().tenant());
    store.updateWebhook(
        TestWebhooks.withState(w, WebhookStatus.VERIFIED, false, Optional.empty(), T0));
    assertEquals(Optional.of("acme"), store.findWebhook("wh_a").orElseThrow().tenant());
    store.insertWebhook(webhook("wh_host"));
    assertEquals(Optional.empty(), store.findWebhook("wh_host").orElseThrow().tenant());
  }

  @Test
  void anUpdateThatChangesTheTenantIsRefusedAndChangesNothing() {
    Webhook acme = webhook("wh_a", Optional.of("acme"));
    store.insertWebhook(acme);
    store.insertWebhook(webhook("wh_host"));
    for (Optional<String> other : List.of(Optional.of("globex"), Optional.<String>empty())) {
      assertThrows(
          IllegalArgumentException.class, () -> store.updateWebhook(nextVersion(acme, other)));
    }
    assertThrows(
        IllegalArgumentException.class,
        () ->
            store.updateWebhook(
                nextVersion(store.findWebhook("wh_host").orElseThrow(), Optional.of("acme"))));
    assertEquals(acme, store.findWebhook("wh_a").orElseThrow());
    assertEquals(List.of("wh_a"), store.listWebhooks("acme").stream().map(Webhook::id).toList());
  }

  private static Webhook nextVersion(Webhook w, Optional<String> tenant) {
    return new Webhook(
        w.id(),
        tenant,
        w.name(),
        w.description(),
        w.uri(),
        w.apiKey(),
        w.events(),
        w.filter(),
        WebhookFormat.STANDARD_WEBHOOKS,
        Optional.empty(),
        w.status(),
        w.enabled(),
        w.statusReason(),
        w.signingSecrets(),
        w.createdAt(),
        w.updatedAt(),
        w.version() + 1);
  }

  @Test
  void aTenantAtItsWebhookLimitGetsNoMoreAndTheHostsWebhooksAreNotCounted() {
    assertTrue(store.insertWebhook(webhook("wh_a1", Optional.of("acme")), 2));
    assertTrue(store.insertWebhook(webhook("wh_a2", Optional.of("acme")), 2));
    assertFalse(store.insertWebhook(webhook("wh_a3", Optional.of("acme")), 2));
    assertTrue(store.findWebhook("wh_a3").isEmpty(), "nothing written");
    assertTrue(store.insertWebhook(webhook("wh_g1", Optional.of("globex")), 2), "per tenant");
    assertTrue(store.insertWebhook(webhook("wh_h1"), 1));
    assertTrue(store.insertWebhook(webhook("wh_h2"), 1), "the host's own are not counted");
    assertThrows(
        WebhookConflictException.class,
        () -> store.insertWebhook(webhook("wh_g1", Optional.of("globex")), 5),
        "a duplicate id is still a conflict");
    assertTrue(store.deleteWebhook("wh_a1"));
    assertTrue(store.insertWebhook(webhook("wh_a3", Optional.of("acme")), 2), "room again");
  }

  @Test
  void concurrentCreationsNeverTakeATenantPastItsWebhookLimit() throws Exception {
    assumeFalse(
        keepsTheDefaultTenantLimit(),
        "not checked: the store keeps Store.insertWebhook(Webhook, int)'s default, which counts,"
            + " then inserts, and so may pass the limit under concurrent creations, as its javadoc"
            + " says; a store that overrides it is checked to be atomic");
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        Webhook w = webhook("wh_race_" + i, Optional.of("acme"));
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.insertWebhook(w, 5);
                }));
      }
      start.countDown();
      int stored = 0;
      for (Future<Boolean> r : results) {
        stored += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertEquals(5, stored);
      assertEquals(5, store.listWebhooks("acme").size());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Whether the store under test keeps the non-atomic default of the tenant-limited insert. */
  private boolean keepsTheDefaultTenantLimit() throws NoSuchMethodException {
    return store.getClass().getMethod("insertWebhook", Webhook.class, int.class).isDefault();
  }

  @Test
  void listingByTenantReturnsOnlyThatTenantsWebhooksOldestFirst() {
    store.insertWebhook(webhook("wh_b", Optional.of("acme")));
    clock.advance(Duration.ofSeconds(1));
    store.insertWebhook(webhook("wh_host"));
    store.insertWebhook(webhook("wh_g", Optional.of("globex")));
    store.insertWebhook(webhook("wh_a", Optional.of("acme")));
    assertEquals(
        List.of("wh_b", "wh_a"), store.listWebhooks("acme").stream().map(Webhook::id).toList());
    assertEquals(List.of("wh_g"), store.listWebhooks("globex").stream().map(Webhook::id).toList());
    assertEquals(List.of(), store.listWebhooks("initech"));
    assertEquals(4, store.listWebhooks().size());
  }

  @Test
  void aTenantCriterionFindsOnlyDeliveriesToThatTenantsWebhooks() {
    store.insertWebhook(webhook("wh_host"));
    store.insertWebhook(webhook("wh_a1", Optional.of("acme")));
    store.insertWebhook(webhook("wh_a2", Optional.of("acme")));
    store.insertWebhook(webhook("wh_g", Optional.of("globex")));
    Delivery host = enqueueOne("wh_host", "evt_1");
    Delivery a1 = enqueueOne("wh_a1", "evt_1");
    clock.advance(Duration.ofSeconds(1));
    Delivery a2 = enqueueOne("wh_a2", "evt_2");
    Delivery g = enqueueOne("wh_g", "evt_3");
    ClaimedDelivery claimedA2 =
        claimAll("w").stream()
            .filter(c -> c.delivery().id().equals(a2.id()))
            .findFirst()
            .orElseThrow();
    assertTrue(store.fail(claimedA2.lease(), failed(1), clock.instant()));

    DeliveryQuery.Builder acme = DeliveryQuery.builder().tenant("acme");
    assertEquals(List.of(a2.id(), a1.id()), ids(store.findDeliveries(acme.build())));
    assertEquals(
        List.of(g.id()),
        ids(store.findDeliveries(DeliveryQuery.builder().tenant("globex").build())));
    assertEquals(
        List.of(a2.id()),
        ids(store.findDeliveries(acme.states(DeliveryState.FAILED).build())),
        "with a state");
    assertEquals(
        List.of(a1.id()),
        ids(store.findDeliveries(DeliveryQuery.builder().tenant("acme").event("evt_1").build())),
        "the host's delivery of the same event is not the tenant's");
    assertEquals(
        List.of(),
        ids(store.findDeliveries(DeliveryQuery.builder().tenant("acme").webhook("wh_g").build())),
        "another tenant's webhook");
    assertEquals(
        List.of(),
        ids(
            store.findDeliveries(
                DeliveryQuery.builder().tenant("acme").webhook("wh_host").build())),
        "the host's webhook");
    assertEquals(
        List.of(), ids(store.findDeliveries(DeliveryQuery.builder().tenant("initech").build())));
    assertEquals(4, store.findDeliveries(DeliveryQuery.builder().build()).size());
    assertTrue(store.findDelivery(host.id()).isPresent());
  }

  @Test
  void deletingAWebhookDeletesItsDeliveries() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    Delivery a = enqueueOne("wh_a", "evt_1");
    Delivery b = enqueueOne("wh_b", "evt_1");
    assertTrue(store.deleteWebhook("wh_a"));
    assertFalse(store.deleteWebhook("wh_a"));
    assertTrue(store.findWebhook("wh_a").isEmpty());
    assertTrue(store.findDelivery(a.id()).isEmpty());
    assertTrue(store.findDelivery(b.id()).isPresent());
    assertEquals(List.of(b.id()), claimAll("w").stream().map(c -> c.delivery().id()).toList());
  }

  // ---- endpoint health ----

  @Test
  void theFailureClockKeepsItsEarliestStartUntilCleared() {
    store.insertWebhook(webhook("wh_a"));
    Instant t0 = clock.instant();
    assertTrue(store.endpointFailingSince("wh_a").isEmpty());
    assertEquals(t0, store.markEndpointFailing("wh_a", t0));
    assertEquals(t0, store.markEndpointFailing("wh_a", t0.plusSeconds(60)), "keeps the start");
    assertEquals(
        t0.minusSeconds(5),
        store.markEndpointFailing("wh_a", t0.minusSeconds(5)),
        "an earlier start from a racing instance wins");
    assertEquals(Optional.of(t0.minusSeconds(5)), store.endpointFailingSince("wh_a"));
    store.clearEndpointFailing("wh_a");
    assertTrue(store.endpointFailingSince("wh_a").isEmpty());
    store.clearEndpointFailing("wh_a"); // clearing a stopped clock is harmless
    assertEquals(t0.plusSeconds(90), store.markEndpointFailing("wh_a", t0.plusSeconds(90)));
  }

  @Test
  void theFailureClockIsPerWebhookAndGoesWithIt() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    Instant t0 = clock.instant();
    store.markEndpointFailing("wh_a", t0);
    assertTrue(store.endpointFailingSince("wh_b").isEmpty());
    assertTrue(store.deleteWebhook("wh_a"));
    assertTrue(store.endpointFailingSince("wh_a").isEmpty());
    assertEquals(t0, store.markEndpointFailing("wh_missing", t0), "unknown: at, nothing stored");
    assertTrue(store.endpointFailingSince("wh_missing").isEmpty());
    store.clearEndpointFailing("wh_missing");
  }

  @Test
  void racingInstancesAgreeOnOneFailureStart() throws Exception {
    store.insertWebhook(webhook("wh_a"));
    Instant t0 = clock.instant();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Instant>> answers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Instant at = t0.plusMillis(i);
        answers.add(
            pool.submit(
                () -> {
                  go.await();
                  return store.markEndpointFailing("wh_a", at);
                }));
      }
      go.countDown();
      for (Future<Instant> f : answers) {
        Instant answer = f.get(60, TimeUnit.SECONDS);
        assertFalse(answer.isBefore(t0) || answer.isAfter(t0.plusMillis(threads - 1)), answer + "");
      }
      assertEquals(Optional.of(t0), store.endpointFailingSince("wh_a"), "the earliest start");
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- enqueue ----

  @Test
  void enqueuedDeliveryIsPendingWithTheWholeEvent() {
    store.insertWebhook(webhook("wh_a"));
    Event e = event("evt_1");
    Delivery d = enqueueOne("wh_a", "evt_1");
    Delivery found = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.PENDING, found.state());
    assertEquals(e, found.event());
    assertEquals(e.data(), found.event().data());
    assertEquals(Set.of("email", "password"), found.event().changedAttributes());
    assertEquals(Optional.of(T0), found.nextAttemptAt());
    assertTrue(found.attempts().isEmpty());
  }

  @Test
  void thePublishContextIsKeptThroughClaimRetryFailureAndRequeue() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    Optional<String> context =
        Optional.of("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    Delivery traced = pending("wh_a", event("evt_1")).withPublishContext(context);
    Delivery plain = pending("wh_b", event("evt_1"));
    store.enqueue(List.of(traced, plain));
    assertEquals(context, store.findDelivery(traced.id()).orElseThrow().publishContext());
    assertEquals(Optional.empty(), store.findDelivery(plain.id()).orElseThrow().publishContext());

    ClaimedDelivery c =
        claimAll("w").stream()
            .filter(x -> x.delivery().id().equals(traced.id()))
            .findFirst()
            .orElseThrow();
    assertEquals(context, c.delivery().publishContext(), "claimed");
    assertTrue(store.reschedule(c.lease(), failed(1), clock.instant(), clock.instant()));
    assertEquals(context, store.findDelivery(traced.id()).orElseThrow().publishContext());
    ClaimedDelivery again =
        claimAll("w").stream()
            .filter(x -> x.delivery().id().equals(traced.id()))
            .findFirst()
            .orElseThrow();
    assertTrue(store.fail(again.lease(), failed(2), clock.instant()));
    assertTrue(store.requeue(traced.id(), clock.instant(), clock.instant()));
    assertEquals(
        context, store.findDelivery(traced.id()).orElseThrow().publishContext(), "redelivered");
  }

  @Test
  void enqueueIsIdempotentPerEventAndWebhook() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    Event e = event("evt_1");
    assertEquals(2, store.enqueue(List.of(pending("wh_a", e), pending("wh_b", e))).size());
    List<Delivery> again = store.enqueue(List.of(pending("wh_a", e), pending("wh_b", e)));
    assertTrue(again.isEmpty(), "the same (event, webhook) pair is stored once");
    assertEquals(2, store.findDeliveries(DeliveryQuery.builder().event("evt_1").build()).size());
  }

  @Test
  void anotherTenantsEventUnderAStoredIdIsRefusedAndAddsNothing() {
    store.insertWebhook(webhook("wh_acme", Optional.of("acme")));
    store.insertWebhook(webhook("wh_globex", Optional.of("globex")));
    Event acme = tenantEvent("evt_42", "acme");
    Event globex = tenantEvent("evt_42", "globex");
    store.enqueue(List.of(pending("wh_acme", acme)));
    Delivery fresh = pending("wh_globex", event("evt_other"));
    EventConflictException e =
        assertThrows(
            EventConflictException.class,
            () -> store.enqueue(List.of(fresh, pending("wh_globex", globex))));
    assertEquals("evt_42", e.eventId());
    assertTrue(
        store.findDeliveries(DeliveryQuery.builder().webhook("wh_globex").build()).isEmpty(),
        "nothing of the batch is added, not even the delivery of the other event");
    List<ClaimedDelivery> claimed = claimAll("node-1");
    assertEquals(1, claimed.size());
    assertEquals(acme, claimed.get(0).delivery().event(), "the stored event is unchanged");
  }

  @Test
  void theSameEventPublishedAgainAddsItsNewDeliveriesWithTheStoredContent() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    Event e = event("evt_1");
    store.enqueue(List.of(pending("wh_a", e)));
    Event same = e.toBuilder().build();
    List<Delivery> added = store.enqueue(List.of(pending("wh_a", same), pending("wh_b", same)));
    assertEquals(List.of("wh_b"), added.stream().map(Delivery::webhookId).toList());
    assertEquals(e, store.findDelivery(added.get(0).id()).orElseThrow().event());
  }

  @Test
  void anEventWithOtherContentUnderAStoredIdIsRefused() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    Event e = event("evt_1");
    store.enqueue(List.of(pending("wh_a", e)));
    ObjectNode otherData = e.data().deepCopy();
    otherData.put("email", "grace@example.com");
    for (Event other :
        List.of(
            e.toBuilder().data(otherData).build(),
            e.toBuilder().occurredAt(e.occurredAt().plusSeconds(1)).build(),
            e.toBuilder().user("someone-else").build(),
            e.toBuilder().changed("name").build())) {
      assertThrows(
          EventConflictException.class,
          () -> store.enqueue(List.of(pending("wh_b", other))),
          other::toString);
    }
    assertTrue(store.findDeliveries(DeliveryQuery.builder().webhook("wh_b").build()).isEmpty());
  }

  @Test
  void twoDifferentEventsUnderOneIdInOneBatchAreRefused() {
    store.insertWebhook(webhook("wh_acme", Optional.of("acme")));
    store.insertWebhook(webhook("wh_globex", Optional.of("globex")));
    assertThrows(
        EventConflictException.class,
        () ->
            store.enqueue(
                List.of(
                    pending("wh_acme", tenantEvent("evt_42", "acme")),
                    pending("wh_globex", tenantEvent("evt_42", "globex")))));
    assertTrue(store.findDeliveries(DeliveryQuery.builder().event("evt_42").build()).isEmpty());
  }

  @Test
  void anEventRebuiltFromItsJsonWithItsTimeToTheMicrosecondIsTheSameEvent() throws Exception {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("count", 5L);
    data.put("ratio", 0.25d);
    data.put("price", new java.math.BigDecimal("12.50"));
    data.putObject("nested").put("flag", true);
    Event original =
        Event.builder(UserEvents.UPDATED)
            .id("evt_relay")
            .occurredAt(T0.plusNanos(123_456_789))
            .user("u1")
            .data(data)
            .changed("email", "name")
            .build();
    store.enqueue(List.of(pending("wh_a", original)));
    // As an outbox relay rebuilds it: data parsed back (numbers as the parser reads them), the
    // time as a store of microseconds keeps it, the changed attributes in another order.
    Event rebuilt =
        Event.builder(UserEvents.UPDATED)
            .id("evt_relay")
            .occurredAt(T0.plusNanos(123_456_000))
            .user("u1")
            .data(
                new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(
                        "{\"count\":5.0,\"ratio\":0.250,\"price\":12.5,\"nested\":{\"flag\":true}}"))
            .changed("name", "email")
            .build();
    List<Delivery> added =
        store.enqueue(List.of(pending("wh_a", rebuilt), pending("wh_b", rebuilt)));
    assertEquals(List.of("wh_b"), added.stream().map(Delivery::webhookId).toList());
  }

  @Test
  void anEventWithAnEscapedNulCharacterCanBePublishedAgain() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("name", "a\u0000b");
    Event e =
        Event.builder(UserEvents.CREATED)
            .id("evt_nul")
            .occurredAt(T0)
            .user("u1")
            .data(data)
            .build();
    store.enqueue(List.of(pending("wh_a", e)));
    assertEquals(1, store.enqueue(List.of(pending("wh_a", e), pending("wh_b", e))).size());
  }

  @Test
  void numbersAreComparedAsWritten() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    store.insertWebhook(webhook("wh_c"));
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("ratio", 0.1f);
    data.put("limit", Double.MAX_VALUE);
    Event e =
        Event.builder(UserEvents.CREATED)
            .id("evt_num")
            .occurredAt(T0)
            .user("u1")
            .data(data)
            .build();
    assertEquals(2, store.enqueue(List.of(pending("wh_a", e), pending("wh_b", e))).size());
    ObjectNode rebuilt = data.deepCopy();
    rebuilt.put("ratio", new java.math.BigDecimal("0.1"));
    Event again = e.toBuilder().data(rebuilt).build();
    assertEquals(1, store.enqueue(List.of(pending("wh_a", again), pending("wh_c", again))).size());
    ObjectNode other = data.deepCopy();
    other.put("limit", -Double.MAX_VALUE);
    store.insertWebhook(webhook("wh_d"));
    assertThrows(
        EventConflictException.class,
        () -> store.enqueue(List.of(pending("wh_d", e.toBuilder().data(other).build()))));
  }

  @Test
  void anEventWhoseTenantNoWebhookCanHaveIsStoredAndReadBack() {
    store.insertWebhook(webhook("wh_host"));
    Event e =
        Event.builder(UserEvents.CREATED)
            .id("evt_old_tenant")
            .occurredAt(T0)
            .subject(Subject.user("u1").withTenant("Acme Corp"))
            .build();
    store.enqueue(List.of(pending("wh_host", e)));
    List<ClaimedDelivery> claimed = claimAll("node-1");
    assertEquals(1, claimed.size());
    assertEquals(Optional.of("Acme Corp"), claimed.get(0).delivery().event().subject().tenant());
  }

  private Event tenantEvent(String id, String tenant) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("secret_of", tenant);
    return Event.builder(UserEvents.CREATED)
        .id(id)
        .occurredAt(clock.instant())
        .subject(Subject.user("usr_" + tenant).withTenant(tenant))
        .data(data)
        .build();
  }

  @Test
  void enqueueSkipsDeliveriesForUnknownWebhooks() {
    store.insertWebhook(webhook("wh_a"));
    Event e = event("evt_1");
    List<Delivery> added = store.enqueue(List.of(pending("wh_a", e), pending("wh_gone", e)));
    assertEquals(List.of("wh_a"), added.stream().map(Delivery::webhookId).toList());
  }

  @Test
  void enqueueRefusesDeliveriesThatAreNotPending() {
    store.insertWebhook(webhook("wh_a"));
    Delivery good = pending("wh_a", event("evt_1"));
    Delivery bad =
        new Delivery(
            "dlv_bad",
            "wh_a",
            event("evt_2"),
            DeliveryState.SUCCEEDED,
            List.of(),
            Optional.empty(),
            T0,
            T0,
            Optional.empty(),
            Optional.empty());
    assertThrows(IllegalArgumentException.class, () -> store.enqueue(List.of(good, bad)));
    assertTrue(
        store.findDelivery(good.id()).isEmpty(), "all or nothing: the good one is not stored");
  }

  // ---- claiming and leases ----

  @Test
  void claimTakesOnlyDueDeliveries() {
    store.insertWebhook(webhook("wh_a"));
    Delivery now = enqueueOne("wh_a", "evt_1");
    Delivery later =
        store
            .enqueue(
                List.of(Delivery.pending("dlv_later", "wh_a", event("evt_2"), T0.plusSeconds(20))))
            .get(0);
    List<ClaimedDelivery> claimed = claimAll("w1");
    assertEquals(List.of(now.id()), claimed.stream().map(c -> c.delivery().id()).toList());
    clock.advance(Duration.ofSeconds(20)); // still inside the first lease
    assertEquals(List.of(later.id()), claimAll("w1").stream().map(c -> c.delivery().id()).toList());
  }

  @Test
  void claimedDeliveryIsInFlightUnderTheLease() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    ClaimedDelivery c = claimAll("w1").get(0);
    assertEquals("w1", c.lease().owner());
    assertEquals(T0.plus(LEASE), c.lease().expiresAt());
    assertEquals(DeliveryState.IN_FLIGHT, c.delivery().state());
    Delivery found = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.IN_FLIGHT, found.state());
    assertEquals(Optional.of(c.lease()), found.lease());
  }

  @Test
  void enqueueClaimingLeasesTheChosenDeliveriesInTheSameWrite() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    Event e = event("evt_1");
    Delivery mine = pending("wh_a", e);
    Delivery queued = pending("wh_b", e);
    List<Delivery> added =
        store.enqueueClaiming(
            List.of(mine, queued),
            Set.of(mine.id()),
            ClaimRequest.of("publisher", clock.instant(), LEASE, 1));
    assertEquals(2, added.size());
    Delivery claimed =
        added.stream().filter(d -> d.id().equals(mine.id())).findFirst().orElseThrow();
    Delivery other =
        added.stream().filter(d -> d.id().equals(queued.id())).findFirst().orElseThrow();
    if (claimed.lease().isEmpty()) {
      assertEnqueuedWithoutClaiming(added);
      return;
    }
    assertEquals(DeliveryState.IN_FLIGHT, claimed.state());
    Lease lease = claimed.lease().orElseThrow();
    assertEquals("publisher", lease.owner());
    assertEquals(T0.plus(LEASE), lease.expiresAt());
    assertEquals(DeliveryState.PENDING, other.state());
    assertEquals(Optional.empty(), other.lease());
    assertEquals(Optional.of(lease), store.findDelivery(mine.id()).orElseThrow().lease());

    // The claimed one is not claimed again while its lease holds; the other is, as usual.
    assertEquals(
        List.of(queued.id()), claimAll("w2").stream().map(c -> c.delivery().id()).toList());
    // Its lease is a real one: it records the outcome, and fences off an expired holder.
    assertTrue(store.complete(lease, ok(1), clock.instant()));
    assertEquals(DeliveryState.SUCCEEDED, store.findDelivery(mine.id()).orElseThrow().state());
    // A repeat of an (event, webhook) pair is skipped, claimed or not.
    assertTrue(
        store
            .enqueueClaiming(
                List.of(pending("wh_a", e)),
                Set.of(),
                ClaimRequest.of("publisher", clock.instant(), LEASE, 1))
            .isEmpty());
  }

  /**
   * A Store may keep {@link Store#enqueueClaiming}'s default, which enqueues and claims nothing:
   * the deliveries are then queued as {@link Store#enqueue} queues them, and claimed as usual.
   */
  private void assertEnqueuedWithoutClaiming(List<Delivery> added) {
    for (Delivery d : added) {
      assertEquals(DeliveryState.PENDING, d.state(), d.toString());
      assertEquals(Optional.empty(), d.lease());
    }
    assertEquals(
        added.stream().map(Delivery::id).sorted().toList(),
        claimAll("w2").stream().map(c -> c.delivery().id()).sorted().toList());
  }

  @Test
  void aDeliveryClaimedOnEnqueueIsClaimedByOthersOnceItsLeaseExpires() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = pending("wh_a", event("evt_1"));
    List<Delivery> added =
        store.enqueueClaiming(
            List.of(d), Set.of(d.id()), ClaimRequest.of("gone", clock.instant(), LEASE, 1));
    if (added.get(0).lease().isEmpty()) {
      assertEnqueuedWithoutClaiming(added);
      return;
    }
    Lease first = added.get(0).lease().orElseThrow();
    clock.advance(LEASE.minusSeconds(1));
    assertTrue(claimAll("w2").isEmpty(), "not while the lease holds");
    clock.advance(Duration.ofSeconds(1));
    ClaimedDelivery again = claimAll("w2").get(0);
    assertEquals(d.id(), again.delivery().id());
    assertTrue(again.lease().token() != first.token(), "a new fencing token");
    assertFalse(store.complete(first, ok(1), clock.instant()), "the old holder is fenced off");
  }

  @Test
  void aClaimedDeliveryIsNotClaimedAgainWhileTheLeaseHolds() {
    store.insertWebhook(webhook("wh_a"));
    enqueueOne("wh_a", "evt_1");
    assertEquals(1, claimAll("w1").size());
    clock.advance(LEASE.minusSeconds(1));
    assertTrue(claimAll("w2").isEmpty());
  }

  @Test
  void claimRespectsTheBatchSizeAndDueOrder() {
    store.insertWebhook(webhook("wh_a"));
    for (int i = 0; i < 5; i++) {
      store.enqueue(
          List.of(
              Delivery.pending("dlv_" + i, "wh_a", event("evt_" + i), T0.minusSeconds(10 - i))));
    }
    List<ClaimedDelivery> first = store.claim(ClaimRequest.of("w", clock.instant(), LEASE, 2));
    assertEquals(List.of("dlv_0", "dlv_1"), first.stream().map(c -> c.delivery().id()).toList());
    assertEquals(3, claimAll("w").size());
  }

  @Test
  void claimSkipsExcludedWebhooks() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    enqueueOne("wh_a", "evt_1");
    Delivery b = enqueueOne("wh_b", "evt_1");
    List<ClaimedDelivery> claimed =
        store.claim(new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.ANY, Set.of("wh_a")));
    assertEquals(List.of(b.id()), claimed.stream().map(c -> c.delivery().id()).toList());
  }

  @Test
  void aCappedClaimTakesAtMostTheCapOfEachWebhookAndLeavesTheRestQueued() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    // Interleaved due times: a0 b0 a1 b1 ... a4 b4.
    for (int i = 0; i < 5; i++) {
      for (String w : List.of("wh_a", "wh_b")) {
        store.enqueue(
            List.of(
                Delivery.pending(
                    "dlv_" + w + "_" + i,
                    w,
                    event("evt_" + w + "_" + i),
                    T0.minusSeconds(100 - 2L * i - (w.equals("wh_b") ? 1 : 0)))));
      }
    }
    List<ClaimedDelivery> claimed =
        store.claim(
            new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.FIRST_ATTEMPTS, Set.of(), 3));
    assertEquals(
        List.of("dlv_wh_a_0", "dlv_wh_a_1", "dlv_wh_a_2", "dlv_wh_b_0", "dlv_wh_b_1", "dlv_wh_b_2"),
        claimed.stream().map(c -> c.delivery().id()).sorted().toList(),
        "the first three of each webhook, in due order");
    // What the cap left out is still queued, untouched: the next claims take it.
    List<ClaimedDelivery> rest = claimAll("w2");
    assertEquals(
        List.of("dlv_wh_a_3", "dlv_wh_a_4", "dlv_wh_b_3", "dlv_wh_b_4"),
        rest.stream().map(c -> c.delivery().id()).sorted().toList());
    assertTrue(rest.stream().allMatch(c -> c.lease().owner().equals("w2")));
  }

  @Test
  void oneWebhooksBacklogFillsACappedClaimOnlyToTheCap() {
    store.insertWebhook(webhook("wh_slow"));
    store.insertWebhook(webhook("wh_b"));
    for (int i = 0; i < 20; i++) {
      store.enqueue(
          List.of(
              Delivery.pending(
                  "dlv_s" + i, "wh_slow", event("evt_s" + i), T0.minusSeconds(100 - i))));
    }
    Delivery b = enqueueOne("wh_b", "evt_b");
    List<ClaimedDelivery> first =
        store.claim(
            new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.FIRST_ATTEMPTS, Set.of(), 4));
    List<String> slow =
        first.stream()
            .map(c -> c.delivery().id())
            .filter(id -> id.startsWith("dlv_s"))
            .sorted()
            .toList();
    assertEquals(List.of("dlv_s0", "dlv_s1", "dlv_s2", "dlv_s3"), slow, "the backlog's head only");
    // The claim may come back short; with the full webhook excluded, the next one takes the rest.
    List<ClaimedDelivery> next =
        store.claim(
            new ClaimRequest(
                "w", clock.instant(), LEASE, 10, Lane.FIRST_ATTEMPTS, Set.of("wh_slow"), 4));
    List<String> all = new ArrayList<>();
    first.forEach(c -> all.add(c.delivery().id()));
    next.forEach(c -> all.add(c.delivery().id()));
    assertTrue(all.contains(b.id()), "the other webhook's delivery: " + all);
  }

  @Test
  void aCappedClaimInAnyLaneCountsBothLanesAgainstTheCap() {
    store.insertWebhook(webhook("wh_a"));
    enqueueOne("wh_a", "evt_r1");
    enqueueOne("wh_a", "evt_r2");
    for (ClaimedDelivery c : claimAll("w")) {
      assertTrue(store.reschedule(c.lease(), failed(1), clock.instant(), clock.instant()));
    }
    enqueueOne("wh_a", "evt_f1");
    enqueueOne("wh_a", "evt_f2");
    List<ClaimedDelivery> claimed =
        store.claim(new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.ANY, Set.of(), 3));
    assertEquals(3, claimed.size(), "two lanes, one webhook, a cap of 3");
    assertEquals(1, claimAll("w2").size(), "the fourth stays queued");
  }

  @Test
  void aClaimRequestRefusesACapOutsideOneToTheBatch() {
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.ANY, Set.of(), 0));
    assertTrue(String.valueOf(zero.getMessage()).contains("maxPerWebhook"), zero.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.ANY, Set.of(), 11));
    assertEquals(
        10, new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.ANY, Set.of()).maxPerWebhook());
  }

  @Test
  void lanesSeparateFirstAttemptsFromRetries() {
    store.insertWebhook(webhook("wh_a"));
    Delivery retry = enqueueOne("wh_a", "evt_1");
    ClaimedDelivery c = claimAll("w").get(0);
    assertTrue(store.reschedule(c.lease(), failed(1), clock.instant(), clock.instant()));
    Delivery fresh = enqueueOne("wh_a", "evt_2");

    List<ClaimedDelivery> firsts =
        store.claim(
            new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.FIRST_ATTEMPTS, Set.of()));
    assertEquals(List.of(fresh.id()), firsts.stream().map(x -> x.delivery().id()).toList());
    List<ClaimedDelivery> retries =
        store.claim(new ClaimRequest("w", clock.instant(), LEASE, 10, Lane.RETRIES, Set.of()));
    assertEquals(List.of(retry.id()), retries.stream().map(x -> x.delivery().id()).toList());
  }

  @Test
  void expiredLeaseIsReclaimedWithALargerToken() {
    store.insertWebhook(webhook("wh_a"));
    enqueueOne("wh_a", "evt_1");
    ClaimedDelivery first = claimAll("w1").get(0);
    clock.advance(LEASE.plusSeconds(1));
    List<ClaimedDelivery> again = claimAll("w2");
    assertEquals(1, again.size());
    Lease second = again.get(0).lease();
    assertEquals("w2", second.owner());
    assertTrue(second.token() > first.lease().token(), "fencing tokens grow");
  }

  @Test
  void staleLeaseCannotRecordAnyResult() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    ClaimedDelivery stale = claimAll("w1").get(0);
    clock.advance(LEASE.plusSeconds(1));
    ClaimedDelivery current = claimAll("w2").get(0);

    Instant now = clock.instant();
    assertFalse(store.complete(stale.lease(), ok(1), now));
    assertFalse(store.reschedule(stale.lease(), failed(1), now.plusSeconds(5), now));
    assertFalse(store.fail(stale.lease(), failed(1), now));
    assertFalse(store.release(stale.lease(), now, now));
    Delivery unchanged = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.IN_FLIGHT, unchanged.state());
    assertEquals(Optional.of(current.lease()), unchanged.lease());

    assertTrue(store.complete(current.lease(), ok(1), now));
    assertEquals(DeliveryState.SUCCEEDED, store.findDelivery(d.id()).orElseThrow().state());
  }

  @Test
  void aLeaseIsSpentOnceItsResultIsRecorded() {
    store.insertWebhook(webhook("wh_a"));
    enqueueOne("wh_a", "evt_1");
    ClaimedDelivery c = claimAll("w").get(0);
    assertTrue(store.complete(c.lease(), ok(1), clock.instant()));
    assertFalse(store.complete(c.lease(), ok(1), clock.instant()));
    assertFalse(store.fail(c.lease(), failed(1), clock.instant()));
  }

  @Test
  void completeAsyncAnswersOnlyOnceRecordedAndIsFencedLikeComplete() throws Exception {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    ClaimedDelivery c = claimAll("w").get(0);
    Attempt attempt = Attempt.response(1, T0, Duration.ofMillis(250), 204, "");
    CompletableFuture<Boolean> answer =
        store.completeAsync(c.lease(), attempt, clock.instant()).toCompletableFuture();
    assertTrue(answer.get(30, TimeUnit.SECONDS));
    Delivery found = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.SUCCEEDED, found.state(), "recorded once answered");
    assertEquals(List.of(attempt), found.attempts());
    assertFalse(
        store
            .completeAsync(c.lease(), ok(1), clock.instant())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS),
        "a spent lease is refused");
  }

  @Test
  void completeRecordsTheAttemptAndSucceeds() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    ClaimedDelivery c = claimAll("w").get(0);
    clock.advance(Duration.ofMillis(250));
    Attempt attempt = Attempt.response(1, T0, Duration.ofMillis(250), 204, "");
    assertTrue(store.complete(c.lease(), attempt, clock.instant()));
    Delivery found = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.SUCCEEDED, found.state());
    assertEquals(List.of(attempt), found.attempts());
    assertTrue(found.nextAttemptAt().isEmpty());
    assertTrue(found.lease().isEmpty());
    assertEquals(clock.instant(), found.updatedAt());
    assertTrue(claimAll("w").isEmpty(), "a succeeded delivery is never claimed again");
  }

  @Test
  void rescheduleRecordsTheAttemptAndMakesItDueLater() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    ClaimedDelivery c = claimAll("w").get(0);
    Attempt timeout =
        Attempt.error(1, T0, Duration.ofSeconds(3), ErrorKind.TIMEOUT, "deadline of 3 s passed");
    assertTrue(store.reschedule(c.lease(), timeout, T0.plusSeconds(3), clock.instant()));
    Delivery found = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.RETRYING, found.state());
    assertEquals(Optional.of(T0.plusSeconds(3)), found.nextAttemptAt());
    assertEquals(List.of(timeout), found.attempts());
    assertTrue(claimAll("w").isEmpty());
    clock.advance(Duration.ofSeconds(3));
    ClaimedDelivery again = claimAll("w").get(0);
    assertEquals(1, again.delivery().attemptCount());
    assertTrue(store.fail(again.lease(), failed(2), clock.instant()));
    Delivery failedDelivery = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.FAILED, failedDelivery.state());
    assertEquals(2, failedDelivery.attemptCount());
    assertEquals(500, failedDelivery.lastAttempt().orElseThrow().statusCode().getAsInt());
  }

  @Test
  void releaseReturnsTheDeliveryUnattempted() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    ClaimedDelivery c = claimAll("w").get(0);
    assertTrue(store.release(c.lease(), T0.plusSeconds(1), clock.instant()));
    Delivery found = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.PENDING, found.state());
    assertTrue(found.attempts().isEmpty());
    assertTrue(claimAll("w").isEmpty());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(1, claimAll("w").size());
  }

  @Test
  void requeueRedeliversAFailedDeliveryKeepingItsEventAndHistory() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    ClaimedDelivery c = claimAll("w").get(0);
    assertTrue(store.fail(c.lease(), failed(1), clock.instant()));
    assertFalse(store.requeue("dlv_missing", clock.instant(), clock.instant()));
    assertTrue(store.requeue(d.id(), clock.instant(), clock.instant()));
    assertFalse(store.requeue(d.id(), clock.instant(), clock.instant()), "queued: not finished");
    ClaimedDelivery again = claimAll("w").get(0);
    assertEquals("evt_1", again.delivery().event().id());
    assertEquals(1, again.delivery().attemptCount());
    assertTrue(store.complete(again.lease(), ok(2), clock.instant()));
    assertEquals(2, store.findDelivery(d.id()).orElseThrow().attemptCount());
  }

  @Test
  void requeueTakesBackASucceededDeliveryButNeverAQueuedOrInFlightOne() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    Instant later = clock.instant().plusSeconds(30);
    assertFalse(store.requeue(d.id(), later, clock.instant()), "pending: not finished");
    assertEquals(DeliveryState.PENDING, store.findDelivery(d.id()).orElseThrow().state());
    ClaimedDelivery c = claimAll("w").get(0);
    assertFalse(store.requeue(d.id(), later, clock.instant()), "in flight: not finished");
    assertEquals(DeliveryState.IN_FLIGHT, store.findDelivery(d.id()).orElseThrow().state());
    assertTrue(store.complete(c.lease(), ok(1), clock.instant()), "the lease still holds");

    assertTrue(store.requeue(d.id(), later, clock.instant()), "succeeded: finished");
    Delivery requeued = store.findDelivery(d.id()).orElseThrow();
    assertEquals(DeliveryState.RETRYING, requeued.state());
    assertEquals(Optional.of(later), requeued.nextAttemptAt());
    assertEquals(1, requeued.attemptCount(), "the history is kept");
    assertTrue(claimAll("w").isEmpty(), "due only at nextAttemptAt");
    clock.advance(Duration.ofSeconds(30));
    assertEquals(List.of(d.id()), claimAll("w").stream().map(x -> x.delivery().id()).toList());
  }

  @Test
  void deliveriesCreatedAtOneInstantAreListedByIdNewestFirst() {
    store.insertWebhook(webhook("wh_a"));
    List<Delivery> batch = new ArrayList<>();
    for (int i = 0; i < 12; i++) { // dlv_10 sorts before dlv_2: ids compare as text
      batch.add(pending("wh_a", event("evt_" + i)));
    }
    store.enqueue(batch);
    List<String> expected = new ArrayList<>(ids(batch));
    expected.sort(Comparator.reverseOrder());
    assertEquals(
        expected,
        ids(store.findDeliveries(DeliveryQuery.builder().webhook("wh_a").build())),
        "one creation time: by id, descending");
    assertEquals(
        expected.subList(0, 5),
        ids(store.findDeliveries(DeliveryQuery.builder().webhook("wh_a").limit(5).build())),
        "the limit keeps the first of that order");
  }

  @Test
  void eightClaimersShareTenThousandDeliveriesWithoutOverlap() throws Exception {
    store.insertWebhook(webhook("wh_a"));
    List<Delivery> batch = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      batch.add(pending("wh_a", event("evt_" + i)));
      if (batch.size() == 1000) {
        store.enqueue(batch);
        batch = new ArrayList<>();
      }
    }
    Set<String> claimedIds = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicInteger total = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        String owner = "worker-" + t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  while (true) {
                    List<ClaimedDelivery> got =
                        store.claim(ClaimRequest.of(owner, clock.instant(), LEASE, 50));
                    if (got.isEmpty()) {
                      return null;
                    }
                    for (ClaimedDelivery c : got) {
                      total.incrementAndGet();
                      if (!claimedIds.add(c.delivery().id())) {
                        duplicates.incrementAndGet();
                      }
                      assertTrue(store.complete(c.lease(), ok(1), clock.instant()));
                    }
                  }
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, duplicates.get(), "no delivery was handed to two claimers");
    assertEquals(10_000, total.get());
    assertEquals(10_000, claimedIds.size());
    assertEquals(10_000, store.countDeliveries("wh_a").succeeded());
  }

  // ---- queries, counts, purge ----

  @Test
  void queriesFilterByWebhookStateEventAndTime() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    Delivery a1 = enqueueOne("wh_a", "evt_1");
    clock.advance(Duration.ofMinutes(1));
    Delivery a2 = enqueueOne("wh_a", "evt_2");
    Delivery b2 = enqueueOne("wh_b", "evt_2");
    clock.advance(Duration.ofMinutes(1));
    Delivery a3 = enqueueOne("wh_a", "evt_3");
    List<ClaimedDelivery> claimed = claimAll("w");
    ClaimedDelivery c1 =
        claimed.stream().filter(c -> c.delivery().id().equals(a1.id())).findFirst().orElseThrow();
    assertTrue(store.fail(c1.lease(), failed(1), clock.instant()));

    assertEquals(
        List.of(a3.id(), a2.id(), a1.id()),
        ids(store.findDeliveries(DeliveryQuery.builder().webhook("wh_a").build())),
        "newest first");
    assertEquals(
        List.of(a1.id()),
        ids(
            store.findDeliveries(
                DeliveryQuery.builder().webhook("wh_a").states(DeliveryState.FAILED).build())));
    assertEquals(
        List.of(a3.id(), a2.id(), a1.id()),
        ids(
            store.findDeliveries(
                DeliveryQuery.builder()
                    .webhook("wh_a")
                    .states(DeliveryState.FAILED, DeliveryState.IN_FLIGHT)
                    .build())),
        "newest first across the states asked for");
    assertEquals(
        Set.of(a2.id(), b2.id()),
        new HashSet<>(ids(store.findDeliveries(DeliveryQuery.builder().event("evt_2").build()))));
    assertEquals(
        List.of(a2.id()),
        ids(
            store.findDeliveries(
                DeliveryQuery.builder()
                    .webhook("wh_a")
                    .createdFrom(T0.plusSeconds(60))
                    .createdBefore(T0.plusSeconds(120))
                    .build())));
    assertEquals(
        List.of(a3.id(), a2.id()),
        ids(store.findDeliveries(DeliveryQuery.builder().webhook("wh_a").limit(2).build())));
    assertEquals(4, store.findDeliveries(DeliveryQuery.builder().build()).size());
  }

  private static List<String> ids(List<Delivery> deliveries) {
    return deliveries.stream().map(Delivery::id).toList();
  }

  @Test
  void countsAreKeptPerWebhookAndState() {
    store.insertWebhook(webhook("wh_a"));
    store.insertWebhook(webhook("wh_b"));
    for (int i = 0; i < 5; i++) {
      enqueueOne("wh_a", "evt_" + i);
    }
    enqueueOne("wh_b", "evt_0");
    List<ClaimedDelivery> claimed =
        store.claim(new ClaimRequest("w", clock.instant(), LEASE, 4, Lane.ANY, Set.of("wh_b")));
    assertEquals(4, claimed.size());
    Instant now = clock.instant();
    assertTrue(store.complete(claimed.get(0).lease(), ok(1), now));
    assertTrue(store.complete(claimed.get(1).lease(), ok(1), now));
    assertTrue(store.reschedule(claimed.get(2).lease(), failed(1), now.plusSeconds(3), now));
    assertTrue(store.fail(claimed.get(3).lease(), failed(1), now));
    assertEquals(new DeliveryCounts(5, 1, 0, 2, 1, 1), store.countDeliveries("wh_a"));
    assertEquals(new DeliveryCounts(1, 1, 0, 0, 0, 0), store.countDeliveries("wh_b"));
    assertEquals(DeliveryCounts.EMPTY, store.countDeliveries("wh_none"));
  }

  @Test
  void purgeDeletesOnlyFinishedDeliveriesOlderThanTheCutOffInBatches() {
    store.insertWebhook(webhook("wh_a"));
    for (int i = 0; i < 5; i++) {
      enqueueOne("wh_a", "evt_" + i);
    }
    List<ClaimedDelivery> claimed = claimAll("w");
    Instant now = clock.instant();
    for (int i = 0; i < 3; i++) {
      assertTrue(store.complete(claimed.get(i).lease(), ok(1), now));
    }
    assertTrue(store.fail(claimed.get(3).lease(), failed(1), now));
    assertTrue(store.reschedule(claimed.get(4).lease(), failed(1), now.plusSeconds(3), now));
    Delivery stillRetrying = claimed.get(4).delivery();

    assertEquals(0, store.purge(now, 100), "nothing finished before the cut-off");
    clock.advance(Duration.ofDays(8));
    assertEquals(2, store.purge(clock.instant(), 2));
    assertEquals(2, store.purge(clock.instant(), 2));
    assertEquals(0, store.purge(clock.instant(), 2));
    DeliveryCounts counts = store.countDeliveries("wh_a");
    assertEquals(1, counts.total());
    assertEquals(1, counts.retrying());
    assertTrue(store.findDelivery(stillRetrying.id()).isPresent());
  }

  @Test
  void deliveriesCarryTheirAttemptHistoryInOrder() {
    store.insertWebhook(webhook("wh_a"));
    Delivery d = enqueueOne("wh_a", "evt_1");
    for (int n = 1; n <= 3; n++) {
      ClaimedDelivery c = claimAll("w").get(0);
      assertEquals(n - 1, c.delivery().attemptCount());
      Attempt a =
          Attempt.error(
              n, clock.instant(), Duration.ofMillis(n), ErrorKind.CONNECT_FAILED, "refused " + n);
      assertTrue(store.reschedule(c.lease(), a, clock.instant(), clock.instant()));
    }
    List<Attempt> attempts = store.findDelivery(d.id()).orElseThrow().attempts();
    assertEquals(List.of(1, 2, 3), attempts.stream().map(Attempt::number).toList());
    assertEquals("refused 3", attempts.get(2).detail());
    assertNotEquals(attempts.get(0), attempts.get(1));
  }

  /** Stands in before a test creates the real store; every call fails loudly. */
  private static final class Placeholder implements Store {
    private static IllegalStateException notCreated() {
      return new IllegalStateException("the store under test has not been created yet");
    }

    @Override
    public void insertWebhook(Webhook webhook) {
      throw notCreated();
    }

    @Override
    public void updateWebhook(Webhook updated) {
      throw notCreated();
    }

    @Override
    public Optional<Webhook> findWebhook(String id) {
      throw notCreated();
    }

    @Override
    public List<Webhook> listWebhooks() {
      throw notCreated();
    }

    @Override
    public List<Webhook> listWebhooks(String tenant) {
      throw notCreated();
    }

    @Override
    public boolean deleteWebhook(String id) {
      throw notCreated();
    }

    @Override
    public List<Delivery> enqueue(List<Delivery> deliveries) {
      throw notCreated();
    }

    @Override
    public List<ClaimedDelivery> claim(ClaimRequest request) {
      throw notCreated();
    }

    @Override
    public boolean complete(Lease lease, Attempt attempt, Instant now) {
      throw notCreated();
    }

    @Override
    public boolean reschedule(Lease lease, Attempt attempt, Instant nextAttemptAt, Instant now) {
      throw notCreated();
    }

    @Override
    public boolean fail(Lease lease, Attempt attempt, Instant now) {
      throw notCreated();
    }

    @Override
    public boolean release(Lease lease, Instant nextAttemptAt, Instant now) {
      throw notCreated();
    }

    @Override
    public boolean requeue(String deliveryId, Instant nextAttemptAt, Instant now) {
      throw notCreated();
    }

    @Override
    public Optional<Delivery> findDelivery(String deliveryId) {
      throw notCreated();
    }

    @Override
    public List<Delivery> findDeliveries(DeliveryQuery query) {
      throw notCreated();
    }

    @Override
    public DeliveryCounts countDeliveries(String webhookId) {
      throw notCreated();
    }

    @Override
    public int purge(Instant finishedBefore, int maxDeliveries) {
      throw notCreated();
    }

    @Override
    public Instant markEndpointFailing(String webhookId, Instant at) {
      throw notCreated();
    }

    @Override
    public void clearEndpointFailing(String webhookId) {
      throw notCreated();
    }

    @Override
    public Optional<Instant> endpointFailingSince(String webhookId) {
      throw notCreated();
    }
  }
}
