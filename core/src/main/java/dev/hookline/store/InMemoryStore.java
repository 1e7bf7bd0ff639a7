package dev.hookline.store;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.EventConflictException;
import dev.hookline.Webhook;
import dev.hookline.WebhookConflictException;
import dev.hookline.WebhookNotFoundException;
import dev.hookline.internal.DeliveryKeyset;
import dev.hookline.internal.SameEvent;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import dev.hookline.spi.Lease;
import dev.hookline.spi.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Store} in this process's memory: for tests, development and single-instance hosts that
 * accept losing queued notifications on restart. Nothing survives the process.
 *
 * <p>Thread-safe, with no global lock on the hot path: each delivery has its own monitor; due
 * deliveries sit in two concurrent skip lists (first attempts and retries) and leases in a third,
 * ordered by time, and a claimer owns a delivery by being the one thread whose {@code remove} of
 * its queue key succeeds. Lease expiry follows the claimers' clock ({@link ClaimRequest#now()}), so
 * tests drive it with a manual clock.
 */
public final class InMemoryStore implements Store {
  private static final Comparator<Delivery> NEWEST_FIRST =
      Comparator.comparing(Delivery::createdAt).thenComparing(Delivery::id).reversed();

  static {
    // The admin API's pages of a delivery log start after a position (created_at, id): see
    // DeliveryKeyset.
    DeliveryKeyset.install(
        InMemoryStore.class,
        (store, query, createdAt, id) -> ((InMemoryStore) store).find(query, createdAt, id));
  }

  private final ConcurrentHashMap<String, Webhook> webhooks = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Entry> deliveries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<Entry>> byWebhook = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, List<Entry>> byEvent = new ConcurrentHashMap<>();

  /**
   * The ids of each tenant's webhooks. A tenant's count and list read these, not every webhook:
   * creating 45,000 webhooks of 3,000 tenants, each creation counting by a scan and a sort of all,
   * took four minutes.
   */
  private final ConcurrentHashMap<String, Set<String>> byTenant = new ConcurrentHashMap<>();

  /** Held while a tenant's webhooks are counted and one is added. */
  private final Object tenantInsertLock = new Object();

  /** Held while a batch's events are checked against the stored ones and its entries added. */
  private final Object addLock = new Object();

  private final ConcurrentSkipListSet<QueueKey> firstAttempts = new ConcurrentSkipListSet<>();
  private final ConcurrentSkipListSet<QueueKey> retries = new ConcurrentSkipListSet<>();
  private final ConcurrentSkipListSet<QueueKey> leases = new ConcurrentSkipListSet<>();
  private final AtomicLong sequence = new AtomicLong();
  private final ConcurrentHashMap<String, Instant> failingSince = new ConcurrentHashMap<>();

  /** Creates an empty store. */
  public InMemoryStore() {}

  // ---- webhooks ----

  @Override
  public void insertWebhook(Webhook webhook) {
    Objects.requireNonNull(webhook, "webhook");
    if (webhooks.putIfAbsent(webhook.id(), webhook) != null) {
      throw WebhookConflictException.duplicateId(webhook.id());
    }
    // Added and removed under the tenant's key: a deletion that emptied the set dropped it from
    // the map, and an id added to the set it had just dropped was lost.
    webhook
        .tenant()
        .ifPresent(
            t ->
                byTenant.compute(
                    t,
                    (k, ids) -> {
                      Set<String> owned = ids == null ? ConcurrentHashMap.newKeySet() : ids;
                      owned.add(webhook.id());
                      return owned;
                    }));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Atomic: creations of webhooks with a tenant take one lock for the count and the insert.
   */
  @Override
  public boolean insertWebhook(Webhook webhook, int maxPerTenant) {
    Objects.requireNonNull(webhook, "webhook");
    if (maxPerTenant < 1) {
      throw new IllegalArgumentException("maxPerTenant must be at least 1, was " + maxPerTenant);
    }
    if (webhook.tenant().isEmpty()) {
      insertWebhook(webhook);
      return true;
    }
    // Deletions need not take the lock: they only make room.
    synchronized (tenantInsertLock) {
      if (countOf(webhook.tenant().get()) >= maxPerTenant) {
        return false;
      }
      insertWebhook(webhook);
      return true;
    }
  }

  @Override
  public void updateWebhook(Webhook updated) {
    Objects.requireNonNull(updated, "updated");
    webhooks.compute(
        updated.id(),
        (id, current) -> {
          if (current == null) {
            throw new WebhookNotFoundException(id);
          }
          if (!current.tenant().equals(updated.tenant())) {
            throw new IllegalArgumentException(
                "Webhook '" + id + "' belongs to another tenant: a tenant never changes");
          }
          if (current.version() != updated.version() - 1) {
            throw WebhookConflictException.staleVersion(
                id, updated.version() - 1, current.version());
          }
          return updated;
        });
  }

  @Override
  public Optional<Webhook> findWebhook(String id) {
    return Optional.ofNullable(webhooks.get(Objects.requireNonNull(id, "id")));
  }

  @Override
  public List<Webhook> listWebhooks() {
    List<Webhook> all = new ArrayList<>(webhooks.values());
    all.sort(Comparator.comparing(Webhook::createdAt).thenComparing(Webhook::id));
    return all;
  }

  @Override
  public List<Webhook> listWebhooks(String tenant) {
    Objects.requireNonNull(tenant, "tenant");
    List<Webhook> owned = new ArrayList<>();
    for (String id : byTenant.getOrDefault(tenant, Set.of())) {
      Webhook w = webhooks.get(id);
      if (w != null) { // null: deleted, its id not yet taken out of the tenant's
        owned.add(w);
      }
    }
    owned.sort(Comparator.comparing(Webhook::createdAt).thenComparing(Webhook::id));
    return owned;
  }

  /** How many webhooks the tenant has; the caller holds tenantInsertLock. */
  private int countOf(String tenant) {
    int n = 0;
    for (String id : byTenant.getOrDefault(tenant, Set.of())) {
      if (webhooks.containsKey(id)) {
        n++;
      }
    }
    return n;
  }

  @Override
  public boolean deleteWebhook(String id) {
    Objects.requireNonNull(id, "id");
    Webhook removed = webhooks.remove(id);
    if (removed == null) {
      return false;
    }
    removed
        .tenant()
        .ifPresent(
            t ->
                byTenant.computeIfPresent(
                    t,
                    (k, ids) -> {
                      ids.remove(id);
                      return ids.isEmpty() ? null : ids;
                    }));
    failingSince.remove(id);
    Set<Entry> owned = byWebhook.remove(id);
    if (owned != null) {
      owned.forEach(this::remove);
    }
    return true;
  }

  // ---- endpoint health ----

  @Override
  public Instant markEndpointFailing(String webhookId, Instant at) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(at, "at");
    if (!webhooks.containsKey(webhookId)) {
      return at;
    }
    Instant since =
        failingSince.merge(
            webhookId, at, (stored, fresh) -> fresh.isBefore(stored) ? fresh : stored);
    if (!webhooks.containsKey(webhookId)) {
      failingSince.remove(webhookId); // deleted meanwhile
      return at;
    }
    return since;
  }

  @Override
  public void clearEndpointFailing(String webhookId) {
    failingSince.remove(Objects.requireNonNull(webhookId, "webhookId"));
  }

  @Override
  public Optional<Instant> endpointFailingSince(String webhookId) {
    return Optional.ofNullable(failingSince.get(Objects.requireNonNull(webhookId, "webhookId")));
  }

  // ---- the outbox ----

  @Override
  public List<Delivery> enqueue(List<Delivery> batch) {
    return add(batch, Set.of(), null);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Claimed deliveries never enter the queue: they are leased as they are added.
   */
  @Override
  public List<Delivery> enqueueClaiming(
      List<Delivery> batch, Set<String> claimIds, ClaimRequest lease) {
    return add(batch, Set.copyOf(claimIds), Objects.requireNonNull(lease, "lease"));
  }

  private List<Delivery> add(
      List<Delivery> batch, Set<String> claimIds, @Nullable ClaimRequest lease) {
    List<Delivery> toAdd = List.copyOf(batch);
    for (Delivery d : toAdd) {
      if (d.state() != DeliveryState.PENDING || d.nextAttemptAt().isEmpty()) {
        throw new IllegalArgumentException(
            "enqueue takes PENDING deliveries with a due time; delivery "
                + d.id()
                + " is "
                + d.state());
      }
    }
    Map<String, List<Delivery>> perEvent = new HashMap<>();
    // A delivery id repeated within the batch is added once, the first wins (as on PostgreSQL):
    // the index by id holds only stored entries, and a second entry under the id stayed queued and
    // claimable under a lease whose outcome reached the other entry, so it was sent again at every
    // lease expiry.
    Set<String> batchIds = new HashSet<>();
    for (Delivery d : toAdd) {
      if (!batchIds.add(d.id())) {
        continue;
      }
      List<Delivery> group = perEvent.computeIfAbsent(d.event().id(), k -> new ArrayList<>());
      if (!group.isEmpty() && !SameEvent.of(group.get(0).event(), d.event())) {
        throw new EventConflictException(d.event().id());
      }
      group.add(d);
    }
    List<Entry> added = new ArrayList<>();
    // Adds are checked and made under one lock, so that a batch whose event conflicts with a stored
    // one adds nothing, even while another publish of that id races it (removals need no lock:
    // taking entries away cannot make a conflict).
    synchronized (addLock) {
      for (Map.Entry<String, List<Delivery>> group : perEvent.entrySet()) {
        Event event = group.getValue().get(0).event();
        // Read under the key's lock: removals change the stored list in place.
        byEvent.computeIfPresent(
            group.getKey(),
            (k, stored) -> {
              for (Entry e : stored) {
                if (!SameEvent.of(e.delivery.event(), event)) {
                  throw new EventConflictException(event.id());
                }
              }
              return stored;
            });
      }
      addChecked(perEvent, added);
    }
    List<Delivery> result = new ArrayList<>(added.size());
    for (Entry e : added) {
      deliveries.put(e.id, e);
      byWebhook.computeIfAbsent(e.webhookId, k -> ConcurrentHashMap.newKeySet()).add(e);
      if (!webhooks.containsKey(e.webhookId)) {
        // Deleted since the check above, before this entry was indexed where the deletion looks:
        // it goes with its webhook, as it would have had the deletion come a moment later.
        remove(e);
        continue;
      }
      synchronized (e) {
        if (lease != null && claimIds.contains(e.id)) {
          leaseTo(e, lease, lease.now());
        } else {
          schedule(e, e.delivery.nextAttemptAt().orElseThrow());
        }
        result.add(e.delivery);
      }
    }
    return result;
  }

  private void addChecked(Map<String, List<Delivery>> perEvent, List<Entry> added) {
    perEvent.forEach(
        (eventId, group) ->
            byEvent.compute(
                eventId,
                (k, existing) -> {
                  List<Entry> entries = existing == null ? new ArrayList<>(1) : existing;
                  // The event's webhooks in a set: compared with the list, each delivery of an
                  // event fanned out to 20,000 webhooks was checked against every one added before
                  // it (200 million comparisons, 3.8 s under the lock every publish waits for).
                  Set<String> webhooksOfEvent = new HashSet<>();
                  for (Entry e : entries) {
                    webhooksOfEvent.add(e.webhookId);
                  }
                  for (Delivery d : group) {
                    String webhookId = d.webhookId();
                    if (webhooksOfEvent.contains(webhookId)
                        || !webhooks.containsKey(webhookId)
                        || deliveries.containsKey(d.id())) {
                      continue;
                    }
                    Entry e = new Entry(d);
                    entries.add(e);
                    webhooksOfEvent.add(webhookId);
                    added.add(e);
                  }
                  return entries.isEmpty() ? null : entries;
                }));
  }

  @Override
  public List<ClaimedDelivery> claim(ClaimRequest request) {
    Objects.requireNonNull(request, "request");
    List<ClaimedDelivery> claimed = new ArrayList<>();
    Scan scan = new Scan(request);
    // Expired leases first: those deliveries have waited longest.
    takeFrom(leases, request, claimed, true, scan);
    if (request.lane() != Lane.RETRIES) {
      takeFrom(firstAttempts, request, claimed, false, scan);
    }
    if (request.lane() != Lane.FIRST_ATTEMPTS) {
      takeFrom(retries, request, claimed, false, scan);
    }
    return claimed;
  }

  /**
   * One claim's candidates so far and what it took of each webhook, for {@link
   * ClaimRequest#maxPerWebhook}: at most {@code maxDeliveries} candidates are looked at, as the
   * PostgreSQL store does, so one webhook's long backlog costs a claim no more than that.
   */
  private static final class Scan {
    private final @Nullable Map<String, Integer> perWebhook;
    private final int maxPerWebhook;
    private final int maxCandidates;
    private int candidates;

    Scan(ClaimRequest request) {
      this.perWebhook = request.capsWebhooks() ? new HashMap<>() : null;
      this.maxPerWebhook = request.maxPerWebhook();
      this.maxCandidates = request.maxDeliveries();
    }

    boolean done() {
      return perWebhook != null && candidates >= maxCandidates;
    }

    /** Counts a candidate of {@code webhookId}; false if its webhook has its cap already. */
    boolean admits(String webhookId) {
      if (perWebhook == null) {
        return true;
      }
      candidates++;
      return perWebhook.getOrDefault(webhookId, 0) < maxPerWebhook;
    }

    void took(String webhookId) {
      if (perWebhook != null) {
        perWebhook.merge(webhookId, 1, Integer::sum);
      }
    }
  }

  private void takeFrom(
      ConcurrentSkipListSet<QueueKey> queue,
      ClaimRequest request,
      List<ClaimedDelivery> claimed,
      boolean expiredLeases,
      Scan scan) {
    Instant now = request.now();
    for (QueueKey key : queue) {
      if (claimed.size() >= request.maxDeliveries() || scan.done() || key.at.isAfter(now)) {
        return;
      }
      Entry e = key.entry;
      if (request.excludedWebhookIds().contains(e.webhookId)) {
        continue;
      }
      if (expiredLeases && !laneAccepts(request.lane(), e)) {
        continue;
      }
      if (!scan.admits(e.webhookId)) {
        continue; // its webhook has all this claim may take of it
      }
      if (!queue.remove(key)) {
        continue; // another claimer took it
      }
      synchronized (e) {
        if (e.removed || !key.equals(e.key)) {
          continue; // completed, rescheduled or deleted meanwhile
        }
        claimed.add(leaseTo(e, request, now));
        scan.took(e.webhookId);
      }
    }
  }

  /** Leases an entry that is in no queue; the caller holds the entry's monitor. */
  private ClaimedDelivery leaseTo(Entry e, ClaimRequest request, Instant now) {
    Lease lease =
        new Lease(e.id, request.owner(), sequence.incrementAndGet(), request.leaseExpiry());
    e.delivery = e.delivery.leasedTo(lease, now);
    e.key = new QueueKey(lease.expiresAt(), lease.token(), e);
    leases.add(e.key);
    return new ClaimedDelivery(e.delivery, lease);
  }

  private static boolean laneAccepts(Lane lane, Entry e) {
    return switch (lane) {
      case ANY -> true;
      case FIRST_ATTEMPTS -> e.delivery.attempts().isEmpty();
      case RETRIES -> !e.delivery.attempts().isEmpty();
    };
  }

  @Override
  public boolean complete(Lease lease, Attempt attempt, Instant now) {
    Objects.requireNonNull(attempt, "attempt");
    return finish(lease, DeliveryState.SUCCEEDED, attempt, null, now);
  }

  @Override
  public boolean reschedule(Lease lease, Attempt attempt, Instant nextAttemptAt, Instant now) {
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    return finish(lease, DeliveryState.RETRYING, attempt, nextAttemptAt, now);
  }

  @Override
  public boolean fail(Lease lease, Attempt attempt, Instant now) {
    Objects.requireNonNull(attempt, "attempt");
    return finish(lease, DeliveryState.FAILED, attempt, null, now);
  }

  @Override
  public boolean release(Lease lease, Instant nextAttemptAt, Instant now) {
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    return withLease(
        lease,
        e -> {
          leases.remove(e.key);
          DeliveryState queued =
              e.delivery.attempts().isEmpty() ? DeliveryState.PENDING : DeliveryState.RETRYING;
          e.delivery = changed(e.delivery, queued, e.delivery.attempts(), nextAttemptAt, now);
          schedule(e, nextAttemptAt);
        });
  }

  @Override
  public boolean requeue(String deliveryId, Instant nextAttemptAt, Instant now) {
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Entry e = deliveries.get(Objects.requireNonNull(deliveryId, "deliveryId"));
    if (e == null) {
      return false;
    }
    synchronized (e) {
      if (e.removed || !e.delivery.state().isFinal()) {
        return false;
      }
      e.delivery =
          changed(e.delivery, DeliveryState.RETRYING, e.delivery.attempts(), nextAttemptAt, now);
      schedule(e, nextAttemptAt);
      return true;
    }
  }

  private boolean finish(
      Lease lease, DeliveryState state, Attempt attempt, @Nullable Instant next, Instant now) {
    Objects.requireNonNull(now, "now");
    return withLease(
        lease,
        e -> {
          leases.remove(e.key);
          List<Attempt> attempts = new ArrayList<>(e.delivery.attempts().size() + 1);
          attempts.addAll(e.delivery.attempts());
          attempts.add(attempt);
          e.delivery = changed(e.delivery, state, attempts, next, now);
          if (next != null) {
            schedule(e, next);
          } else {
            e.key = null;
          }
        });
  }

  private boolean withLease(Lease lease, java.util.function.Consumer<Entry> change) {
    Objects.requireNonNull(lease, "lease");
    Entry e = deliveries.get(lease.deliveryId());
    if (e == null) {
      return false;
    }
    synchronized (e) {
      Optional<Lease> current = e.delivery.lease();
      if (e.removed
          || e.delivery.state() != DeliveryState.IN_FLIGHT
          || current.isEmpty()
          || current.get().token() != lease.token()) {
        return false;
      }
      change.accept(e);
      return true;
    }
  }

  /** Puts the entry in its lane, due at {@code at}. Caller holds the entry's monitor. */
  private void schedule(Entry e, Instant at) {
    e.key = new QueueKey(at, sequence.incrementAndGet(), e);
    (e.delivery.attempts().isEmpty() ? firstAttempts : retries).add(e.key);
  }

  private static Delivery changed(
      Delivery d,
      DeliveryState state,
      List<Attempt> attempts,
      @Nullable Instant next,
      Instant now) {
    return new Delivery(
        d.id(),
        d.webhookId(),
        d.event(),
        state,
        attempts,
        Optional.ofNullable(next),
        d.createdAt(),
        now,
        Optional.empty(),
        d.publishContext());
  }

  private void remove(Entry e) {
    synchronized (e) {
      if (e.removed) {
        return;
      }
      markRemoved(e);
    }
    unlink(e);
  }

  /** Marks the entry removed and takes it out of the queues; the caller holds its monitor. */
  private void markRemoved(Entry e) {
    e.removed = true;
    QueueKey k = e.key;
    if (k != null) {
      firstAttempts.remove(k);
      retries.remove(k);
      leases.remove(k);
    }
  }

  /** Takes a removed entry out of the indexes. */
  private void unlink(Entry e) {
    deliveries.remove(e.id, e);
    Set<Entry> owned = byWebhook.get(e.webhookId);
    if (owned != null) {
      owned.remove(e);
    }
    byEvent.computeIfPresent(
        e.delivery.event().id(),
        (k, entries) -> {
          entries.remove(e);
          return entries.isEmpty() ? null : entries;
        });
  }

  // ---- queries and housekeeping ----

  @Override
  public Optional<Delivery> findDelivery(String deliveryId) {
    Entry e = deliveries.get(Objects.requireNonNull(deliveryId, "deliveryId"));
    return e == null || e.removed ? Optional.empty() : Optional.of(e.delivery);
  }

  @Override
  public List<Delivery> findDeliveries(DeliveryQuery query) {
    return find(Objects.requireNonNull(query, "query"), null, null);
  }

  /**
   * The deliveries matching {@code query}, newest first; with a position, only those after it in
   * that order (created before {@code createdAt}, or at it with a smaller id).
   */
  private List<Delivery> find(
      DeliveryQuery query, @Nullable Instant createdAt, @Nullable String afterId) {
    Iterable<Entry> candidates;
    if (query.eventId().isPresent()) {
      candidates = snapshot(query.eventId().get());
    } else if (query.webhookId().isPresent()) {
      Set<Entry> owned = byWebhook.get(query.webhookId().get());
      candidates = owned == null ? List.of() : owned;
    } else if (query.tenant().isPresent()) {
      List<Entry> owned = new ArrayList<>();
      for (Webhook w : listWebhooks(query.tenant().get())) {
        owned.addAll(byWebhook.getOrDefault(w.id(), Set.of()));
      }
      candidates = owned;
    } else {
      candidates = deliveries.values();
    }
    // Keep the newest `limit` matches: a bounded heap whose head is the oldest kept.
    PriorityQueue<Delivery> newest = new PriorityQueue<>(NEWEST_FIRST.reversed());
    for (Entry e : candidates) {
      Delivery d = e.delivery;
      if (e.removed || !query.matches(d, tenantOf(d.webhookId()))) {
        continue;
      }
      if (createdAt != null && afterId != null) {
        int cmp = d.createdAt().compareTo(createdAt);
        if (cmp > 0 || (cmp == 0 && d.id().compareTo(afterId) >= 0)) {
          continue;
        }
      }
      newest.add(d);
      if (newest.size() > query.limit()) {
        newest.poll();
      }
    }
    List<Delivery> result = new ArrayList<>(newest);
    result.sort(NEWEST_FIRST);
    return result;
  }

  private Optional<String> tenantOf(String webhookId) {
    Webhook w = webhooks.get(webhookId);
    return w == null ? Optional.empty() : w.tenant();
  }

  private List<Entry> snapshot(String eventId) {
    List<Entry> copy = new ArrayList<>();
    byEvent.computeIfPresent(
        eventId,
        (k, entries) -> {
          copy.addAll(entries);
          return entries;
        });
    return copy;
  }

  @Override
  public DeliveryCounts countDeliveries(String webhookId) {
    Set<Entry> owned = byWebhook.get(Objects.requireNonNull(webhookId, "webhookId"));
    if (owned == null) {
      return DeliveryCounts.EMPTY;
    }
    Map<DeliveryState, Long> counts = new EnumMap<>(DeliveryState.class);
    long total = 0;
    for (Entry e : owned) {
      if (!e.removed) {
        counts.merge(e.delivery.state(), 1L, Long::sum);
        total++;
      }
    }
    return new DeliveryCounts(
        total,
        counts.getOrDefault(DeliveryState.PENDING, 0L),
        counts.getOrDefault(DeliveryState.IN_FLIGHT, 0L),
        counts.getOrDefault(DeliveryState.SUCCEEDED, 0L),
        counts.getOrDefault(DeliveryState.RETRYING, 0L),
        counts.getOrDefault(DeliveryState.FAILED, 0L));
  }

  @Override
  public int purge(Instant finishedBefore, int maxDeliveries) {
    Objects.requireNonNull(finishedBefore, "finishedBefore");
    if (maxDeliveries < 1) {
      throw new IllegalArgumentException("maxDeliveries must be at least 1, was " + maxDeliveries);
    }
    int purged = 0;
    for (Entry e : deliveries.values()) {
      if (purged >= maxDeliveries) {
        break;
      }
      synchronized (e) {
        // Decided and marked under the delivery's monitor, so a requeue either came first (and
        // the delivery is no longer finished) or finds it removed and answers false.
        if (e.removed
            || !e.delivery.state().isFinal()
            || !e.delivery.updatedAt().isBefore(finishedBefore)) {
          continue;
        }
        markRemoved(e);
      }
      unlink(e);
      purged++;
    }
    return purged;
  }

  /** Returns how many deliveries are held, in every state. For tests and metrics. */
  int size() {
    return deliveries.size();
  }

  /** One delivery's mutable slot. Fields other than the final ones are guarded by its monitor. */
  private static final class Entry {
    final String id;
    final String webhookId;
    volatile Delivery delivery;
    @Nullable QueueKey key;
    volatile boolean removed;

    Entry(Delivery d) {
      this.id = d.id();
      this.webhookId = d.webhookId();
      this.delivery = d;
    }
  }

  /** A position in a time-ordered queue: due time or lease expiry, then a unique sequence. */
  private static final class QueueKey implements Comparable<QueueKey> {
    final Instant at;
    final long seq;
    final Entry entry;

    QueueKey(Instant at, long seq, Entry entry) {
      this.at = at;
      this.seq = seq;
      this.entry = entry;
    }

    @Override
    public int compareTo(QueueKey o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof QueueKey k && k.seq == seq && k.at.equals(at);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(seq);
    }
  }
}
