package dev.hookline.delivery.internal;

import dev.hookline.delivery.Dispatcher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The per-endpoint concurrency limit and the claimed deliveries waiting for it.
 *
 * <p>At most {@link Dispatcher.Builder#perEndpointConcurrency} attempts run against each webhook at
 * once, so that a slow or dead endpoint holds only its own slots. Behind them, up to {@link
 * #queueLimit()} claimed deliveries wait in the endpoint's queue: when an attempt's exchange ends,
 * its slot passes straight to the next one waiting ({@link Endpoint#free}), without a claim from
 * the Store in between. A claim round so fetches an endpoint's next deliveries while its current
 * ones are being sent, instead of each slot doing claim, send and record one after another.
 *
 * <p>Every claim round asks for the full webhooks ({@link #addFull}, see {@link Endpoint#isFull}),
 * up to one round per finished attempt, so that costs only the webhooks that may be full, not every
 * webhook: those that filled up are kept in a set, and dropped from it once they are seen with room
 * again. An endpoint is left out of claims while it has no room; while claims bring one webhook's
 * backlog in batches ({@link #refillInBatches}, which the claim loop turns on when several webhooks
 * receive and a claim held more of one than {@link #refillAt()}), until it has room for half its
 * slots and queue, not merely one: a claim takes deliveries in due order, and for a webhook whose
 * backlog is due first (a slow endpoint behind on its deliveries) it brings as many as the claim's
 * per-webhook cap allows, so a claim for one free place handed back all the others, one Store write
 * each, at every slot the endpoint freed.
 *
 * <p>The webhooks of one tenant hold at most {@link #tenantLimit()} deliveries together, running or
 * waiting in their queues, so that one tenant's slow endpoints (however many webhooks point at
 * them) cannot take every worker from the other tenants. Webhooks without a tenant (the host's own)
 * are not limited this way. A tenant at its limit makes each of its endpoints refuse deliveries
 * ({@link Admission#FULL}). So that claims do not fetch deliveries only to hand them back, {@link
 * #addFull} excludes every known webhook of a tenant that is <em>crowded</em> (less room left than
 * {@link #tenantSlack()}), and keeps excluding them until it has that much room again: a claim then
 * brings a batch for it, not one delivery per freed share.
 *
 * <p>An endpoint whose last {@link #limit()} exchanges all went unanswered (timed out, refused,
 * broken) is <em>unanswered</em>: deliveries wait behind its slots only to wait out the same
 * timeouts, each holding a worker meanwhile, so it queues nothing, the exchange that made it so
 * hands its queue back ({@link Endpoint#ended}), and claims leave it out while any of its attempts
 * runs. An endpoint that never answers so holds its slots' worth of workers, not its slots and
 * queue (4 of the 1,000 default workers instead of 36). One answer, of any status, ends it.
 *
 * <p>An endpoint that answers fast gets a deeper queue, up to {@link #deepQueueLimit()}: as deep as
 * its slots drain in the <em>drain budget</em> at the pace its recent attempts held a slot (see
 * {@link Endpoint#served}), never less than {@link #queueLimit()}. A busy fast endpoint so gets its
 * deliveries in fewer, larger claims (each claim is a Store statement, whose cost is mostly its
 * own, not its rows'), and its slots do not run dry while a claim is under way; a slow endpoint
 * keeps the shallow queue, so nothing waits behind it near the time after which a queued delivery
 * is handed back rather than sent. The pace is a moving mean that follows a slower attempt faster
 * than a quicker one, so an endpoint that slows down loses its depth within a few attempts. A
 * tenant's endpoint deepens to at most half its tenant's limit, slots and queue together.
 *
 * <p>Invariant: an endpoint's queue holds deliveries only while all its slots are taken (a slot
 * freed takes the queue's head first), so nothing waits behind a free slot.
 *
 * <p>Thread-safe: each endpoint's slots and queue change together under the endpoint's monitor; the
 * totals are atomic.
 *
 * @param <T> what waits in the queues (the claim loop's claimed deliveries)
 */
public final class EndpointSlots<T> {

  /** What {@link Endpoint#admit} did with a delivery. */
  public enum Admission {
    /** A slot was taken: run the delivery now, then {@link Endpoint#free} the slot. */
    RUN,
    /** All slots are taken: the delivery waits in the endpoint's queue. */
    QUEUED,
    /**
     * All slots are taken and the queue is full, or the webhook's tenant holds its limit: nothing
     * was taken; hand the delivery back.
     */
    FULL,
    /**
     * The endpoint was forgotten ({@link #retainOnly}) after it was looked up: nothing was taken;
     * look the webhook's endpoint up again and admit there. Admitting to a forgotten endpoint would
     * run beside the attempts of the fresh one the next lookup makes, beyond the limit.
     */
    RETIRED
  }

  /** How an attempt's exchange with the endpoint ended, for {@link Endpoint#ended}. */
  public enum Exchange {
    /** The endpoint answered with an HTTP status, whatever it was. */
    ANSWERED,
    /** No answer: the attempt timed out, or the connection was refused or broken. */
    UNANSWERED
  }

  private final int limit;
  private final int queueLimit;
  private final int deepQueueLimit;
  private final long drainBudgetNanos;
  private final int tenantLimit;

  /** What the endpoints' queues hold beyond {@link #queueLimit} each, together (see served). */
  private final AtomicInteger deepened = new AtomicInteger();

  /**
   * What each tenant's endpoints hold, running or waiting, by tenant. Never dropped (one counter a
   * tenant): an endpoint handed out just before a reload forgot it still counts against it.
   */
  private final ConcurrentHashMap<String, AtomicInteger> heldByTenant = new ConcurrentHashMap<>();

  /** The webhooks of each tenant that have an endpoint here, for excluding a crowded tenant. */
  private final ConcurrentHashMap<String, Set<String>> webhooksByTenant = new ConcurrentHashMap<>();

  /** Tenants that may be crowded: each joins as it crowds and leaves when addFull finds room. */
  private final Set<String> mayBeCrowded = ConcurrentHashMap.newKeySet();

  private final int tenantSlack;

  /** The room an endpoint must have before claims bring it deliveries again: see addFull. */
  private final int refillAt;

  /** Whether endpoints are refilled only with room for {@link #refillAt} (see isFull). */
  private volatile boolean refillInBatches;

  /** Tenants whose endpoints hold something now (a moment's view, kept on each 0/1 crossing). */
  private final Set<String> activeTenants = ConcurrentHashMap.newKeySet();

  private final ConcurrentHashMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final AtomicInteger taken = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();

  /**
   * Every webhook that is full (see {@link #addFull}), and perhaps some that were: a webhook joins
   * as it fills up and leaves when {@link #addFull} finds room in it. One that left while it was
   * filling up is caught by {@link Endpoint#admit} at dispatch, which only costs a release.
   */
  private final Set<String> mayBeFull = ConcurrentHashMap.newKeySet();

  /**
   * Creates the slots.
   *
   * @param limit attempts per endpoint at once, at least 1
   * @param queueLimit claimed deliveries that may wait per endpoint, at least 0
   * @param tenantLimit deliveries the endpoints of one tenant may hold together, at least 1
   */
  public EndpointSlots(int limit, int queueLimit, int tenantLimit) {
    this(limit, queueLimit, queueLimit, 0, tenantLimit);
  }

  /**
   * Creates the slots, with queues that deepen for fast endpoints (see the class comment).
   *
   * @param limit attempts per endpoint at once, at least 1
   * @param queueLimit claimed deliveries that may wait per endpoint, at least 0
   * @param deepQueueLimit the most that may wait for an endpoint that answers fast, at least
   *     queueLimit (equal: no endpoint's queue deepens)
   * @param drainBudgetNanos how long a deepened queue may take to drain at its endpoint's pace
   * @param tenantLimit deliveries the endpoints of one tenant may hold together, at least 1
   */
  public EndpointSlots(
      int limit, int queueLimit, int deepQueueLimit, long drainBudgetNanos, int tenantLimit) {
    if (limit < 1
        || queueLimit < 0
        || tenantLimit < 1
        || deepQueueLimit < queueLimit
        || drainBudgetNanos < 0) {
      throw new IllegalArgumentException(
          "limit and tenantLimit must be at least 1, queueLimit at least 0, deepQueueLimit at"
              + " least queueLimit and drainBudgetNanos at least 0: "
              + limit
              + ", "
              + queueLimit
              + ", "
              + deepQueueLimit
              + ", "
              + drainBudgetNanos
              + ", "
              + tenantLimit);
    }
    this.limit = limit;
    this.queueLimit = queueLimit;
    this.deepQueueLimit = deepQueueLimit;
    this.drainBudgetNanos = drainBudgetNanos;
    this.tenantLimit = tenantLimit;
    this.tenantSlack = Math.max(1, Math.min(tenantLimit / 2, (limit + queueLimit) / 2));
    this.refillAt = Math.max(1, (limit + queueLimit) / 2);
  }

  /**
   * The room a tenant must have before its webhooks are claimed for again: half an endpoint's slots
   * and queue (a good batch), or half the tenant's limit if that is less, at least 1.
   *
   * @return the slack
   */
  public int tenantSlack() {
    return tenantSlack;
  }

  private boolean crowded(AtomicInteger held) {
    return tenantLimit - held.get() < tenantSlack;
  }

  /**
   * The least room of the tenants that hold deliveries and are not crowded, and at most the tenant
   * limit once any webhook with a tenant is known: a claim round asks for no more, so that no
   * tenant's deliveries come back beyond its room only to be handed back (crowded tenants' webhooks
   * are excluded from claims instead).
   *
   * @return the room, or {@link Integer#MAX_VALUE} if no tenant limits it
   */
  public int smallestTenantRoom() {
    // A tenant that holds nothing has the whole limit: no claim needs more than that either.
    int smallest = webhooksByTenant.isEmpty() ? Integer.MAX_VALUE : tenantLimit;
    for (String tenant : activeTenants) {
      AtomicInteger held = heldByTenant.get(tenant);
      if (held != null && !crowded(held)) {
        smallest = Math.min(smallest, tenantLimit - held.get());
      }
    }
    return smallest;
  }

  /**
   * The most deliveries the endpoints of one tenant hold at once, running or waiting.
   *
   * @return the per-tenant limit
   */
  public int tenantLimit() {
    return tenantLimit;
  }

  /**
   * How many deliveries the endpoints of {@code tenant} hold, running or waiting (a moment's
   * count).
   *
   * @param tenant the tenant
   * @return the count
   */
  public int heldByTenant(String tenant) {
    AtomicInteger held = heldByTenant.get(tenant);
    return held == null ? 0 : held.get();
  }

  /**
   * The room an endpoint needs before claims bring it deliveries again while they refill in
   * batches, and the most one claim brings of one webhook: half its slots and queue, at least 1
   * (see {@link Endpoint#isFull}).
   *
   * @return the refill size
   */
  public int refillAt() {
    return refillAt;
  }

  /**
   * Makes claims leave an endpoint out until it has room for {@link #refillAt()} (true), or only
   * while it has no room at all (false, the default). The claim loop turns it on while one
   * webhook's backlog fills its claims (a claim for one free place would bring back many that its
   * endpoint cannot take) and off again after: leaving endpoints out costs each claim a longer
   * scan, past the rows of the webhooks left out.
   *
   * @param on whether to refill in batches
   */
  public void refillInBatches(boolean on) {
    refillInBatches = on;
  }

  /**
   * The most attempts that run against one webhook at once.
   *
   * @return the per-endpoint limit
   */
  public int limit() {
    return limit;
  }

  /**
   * The most claimed deliveries that wait for one webhook's slots, unless its queue deepened.
   *
   * @return the per-endpoint queue limit
   */
  public int queueLimit() {
    return queueLimit;
  }

  /**
   * The most claimed deliveries that wait for the slots of a webhook that answers fast.
   *
   * @return the deepest an endpoint's queue gets
   */
  public int deepQueueLimit() {
    return deepQueueLimit;
  }

  /**
   * What the endpoints' queues may hold beyond {@link #queueLimit()} each, together: the room their
   * deepening added (a moment's count).
   *
   * @return the added room, 0 if no queue deepened
   */
  public int deepened() {
    return deepened.get();
  }

  /**
   * How many slots are taken, over every endpoint (a moment's count).
   *
   * @return the count
   */
  public int taken() {
    return taken.get();
  }

  /**
   * How many claimed deliveries wait in the queues, over every endpoint (a moment's count).
   *
   * @return the count
   */
  public int queued() {
    return queued.get();
  }

  /**
   * Returns the webhook's slots and queue, created on first use.
   *
   * @param webhookId the webhook
   * @param tenant the webhook's tenant (a webhook never changes tenant), or null for none
   * @return its endpoint
   */
  public Endpoint endpoint(String webhookId, @Nullable String tenant) {
    Endpoint e = endpoints.get(webhookId);
    if (e != null) {
      return e;
    }
    if (tenant == null) {
      return endpoints.computeIfAbsent(webhookId, id -> new Endpoint(id, null, null));
    }
    AtomicInteger held = heldByTenant.computeIfAbsent(tenant, t -> new AtomicInteger());
    webhooksByTenant.computeIfAbsent(tenant, t -> ConcurrentHashMap.newKeySet()).add(webhookId);
    return endpoints.computeIfAbsent(webhookId, id -> new Endpoint(id, tenant, held));
  }

  /**
   * Adds to {@code excluded} every webhook that can take no more claimed deliveries: all its slots
   * taken and its queue full, or its tenant crowded (see the class comment).
   *
   * @param excluded the claim's exclusions
   */
  public void addFull(Set<String> excluded) {
    for (Iterator<String> it = mayBeCrowded.iterator(); it.hasNext(); ) {
      String tenant = it.next();
      AtomicInteger held = heldByTenant.get(tenant);
      if (held != null && crowded(held)) {
        excluded.addAll(webhooksByTenant.getOrDefault(tenant, Set.of()));
      } else {
        it.remove();
        if (held != null && crowded(held)) { // crowded again between the two reads
          mayBeCrowded.add(tenant);
          excluded.addAll(webhooksByTenant.getOrDefault(tenant, Set.of()));
        }
      }
    }
    List<String> refilled = null;
    for (Iterator<String> it = mayBeFull.iterator(); it.hasNext(); ) {
      String id = it.next();
      Endpoint e = endpoints.get(id);
      if (e != null && e.isFull()) {
        excluded.add(id);
      } else {
        it.remove();
        if (e != null && e.isFull()) {
          // Filled again between the two reads: its admit's add may have been the one removed.
          if (refilled == null) {
            refilled = new ArrayList<>();
          }
          refilled.add(id);
        }
      }
    }
    if (refilled != null) {
      mayBeFull.addAll(refilled);
      excluded.addAll(refilled);
    }
  }

  /**
   * Removes every delivery waiting in any queue, for the caller to hand back (shutdown).
   *
   * @return what waited
   */
  public List<T> drainQueues() {
    List<T> out = new ArrayList<>();
    for (Endpoint e : endpoints.values()) {
      e.drainTo(out);
    }
    return out;
  }

  /**
   * Forgets the endpoints of webhooks not in {@code ids} that no attempt holds (their queues are
   * then empty, by the invariant).
   *
   * @param ids the webhooks whose endpoints are kept (the view passes those that exist and receive)
   */
  public void retainOnly(Set<String> ids) {
    for (Endpoint e : endpoints.values()) {
      if (!ids.contains(e.webhookId)) {
        e.retireIfIdle();
      }
    }
    mayBeFull.removeIf(id -> !endpoints.containsKey(id));
    for (Set<String> webhooks : webhooksByTenant.values()) {
      webhooks.removeIf(id -> !endpoints.containsKey(id));
    }
  }

  /**
   * Adds every known webhook of {@code webhookId}'s tenant to {@code excluded} if that tenant is
   * crowded: for the rest of a claim round in which one of its deliveries was refused.
   *
   * @param webhookId a webhook that has an endpoint here
   * @param excluded the round's exclusions
   */
  public void addCrowdedTenantOf(String webhookId, Set<String> excluded) {
    Endpoint e = endpoints.get(webhookId);
    if (e != null && e.tenant != null && e.tenantHeld != null && crowded(e.tenantHeld)) {
      mayBeCrowded.add(e.tenant);
      excluded.addAll(webhooksByTenant.getOrDefault(e.tenant, Set.of()));
    }
  }

  /** One webhook's slots and queue. */
  public final class Endpoint {
    private final String webhookId;
    private final @Nullable String tenant;
    private final @Nullable AtomicInteger tenantHeld;
    private int running;
    private final ArrayDeque<T> waiting = new ArrayDeque<>();

    /** Exchanges in a row that went unanswered (guarded by this). */
    private int unansweredInARow;

    /** Forgotten by {@link #retainOnly}: admits nothing more (guarded by this). */
    private boolean retired;

    /** How many claimed deliveries may wait here now (guarded by this; see served). */
    private int depth = queueLimit;

    /**
     * The deepest this queue gets: a tenant's endpoint holds at most half its tenant's share, slots
     * and queue together, so that one fast endpoint does not crowd out the tenant's others.
     */
    private final int deepest;

    /** The moving mean of how long an attempt held a slot, in nanoseconds; -1: none yet. */
    private long meanNanos = -1;

    Endpoint(String webhookId, @Nullable String tenant, @Nullable AtomicInteger tenantHeld) {
      this.webhookId = webhookId;
      this.tenant = tenant;
      this.tenantHeld = tenantHeld;
      this.deepest =
          tenantHeld == null
              ? deepQueueLimit
              : Math.max(queueLimit, Math.min(deepQueueLimit, tenantLimit / 2 - limit));
    }

    /** Takes one of the tenant's deliveries, unless the tenant holds its limit. */
    private boolean takeTenantShare() {
      if (tenantHeld == null) {
        return true;
      }
      while (true) {
        int held = tenantHeld.get();
        if (held >= tenantLimit) {
          return false;
        }
        if (tenantHeld.compareAndSet(held, held + 1)) {
          if (held == 0 && tenant != null) {
            activeTenants.add(tenant);
          }
          return true;
        }
      }
    }

    private void giveTenantShare(int n) {
      if (tenantHeld != null && n > 0 && tenantHeld.addAndGet(-n) == 0 && tenant != null) {
        activeTenants.remove(tenant);
        if (tenantHeld.get() > 0) {
          activeTenants.add(tenant); // taken again meanwhile
        }
      }
    }

    private boolean tenantFull() {
      return tenantHeld != null && tenantHeld.get() >= tenantLimit;
    }

    /**
     * Takes a slot for {@code item}, or queues it behind the running attempts, or refuses it.
     *
     * @param item the claimed delivery
     * @return what was done
     */
    public Admission admit(T item) {
      Admission a;
      synchronized (this) {
        if (retired) {
          return Admission.RETIRED;
        }
        if (running >= limit && (waiting.size() >= depth || unanswered())) {
          a = Admission.FULL; // an unanswered endpoint queues nothing
        } else if (!takeTenantShare()) {
          a = Admission.FULL;
        } else if (running < limit) {
          running++;
          taken.incrementAndGet();
          a = Admission.RUN;
        } else {
          waiting.addLast(item);
          queued.incrementAndGet();
          a = Admission.QUEUED;
        }
        if (tenant != null && tenantHeld != null && crowded(tenantHeld)) {
          mayBeCrowded.add(tenant);
        }
        if (a != Admission.FULL && !isFull()) {
          return a;
        }
      }
      mayBeFull.add(webhookId);
      return a;
    }

    /**
     * Tells how an attempt's exchange ended, before its slot is {@link #free freed}. If this makes
     * the endpoint unanswered (its last {@link #limit()} exchanges went unanswered), everything
     * waiting in its queue is taken out and returned, for the caller to hand back to the Store:
     * each would only wait out the same timeouts, holding a worker.
     *
     * @param how how the exchange ended
     * @return what waited and must be handed back; empty unless the endpoint is unanswered
     */
    public List<T> ended(Exchange how) {
      synchronized (this) {
        if (how == Exchange.ANSWERED) {
          unansweredInARow = 0;
          return List.of();
        }
        if (unansweredInARow < Integer.MAX_VALUE) {
          unansweredInARow++;
        }
        if (!unanswered()) {
          return List.of();
        }
        // It queues nothing now: a deeper queue is no room for claims to count on (see served).
        deepenTo(queueLimit);
        if (waiting.isEmpty()) {
          return List.of();
        }
      }
      List<T> out = new ArrayList<>();
      drainTo(out);
      mayBeFull.add(webhookId); // left out of claims while its attempts run
      return out;
    }

    /**
     * Tells how long an attempt held one of this endpoint's slots (its exchange, with what came
     * before and after it on the worker), before the slot is {@link #free freed}: the queue's depth
     * follows. It is as deep as the slots drain in the drain budget at the mean pace, between
     * {@link #queueLimit()} and {@link #deepQueueLimit()}. The mean moves half way to an attempt
     * that took longer than it, an eighth of the way to one that took less: an endpoint that slows
     * down (a queue as deep as a fast one's behind attempts of hundreds of milliseconds would wait
     * long) loses its depth within a few attempts, and one pause does not take it away for good.
     *
     * <p>An unanswered exchange moves the mean only toward slower (a timeout): a connection refused
     * at once is fast, but delivers nothing, and counted it deepened the queue of an endpoint that
     * is down. An {@link #ended unanswered} endpoint keeps the shallow queue, and queues nothing.
     *
     * @param nanos how long the attempt held its slot
     * @param how how its exchange ended
     */
    public void served(long nanos, Exchange how) {
      if (deepQueueLimit == queueLimit) {
        return;
      }
      long took = Math.max(1, nanos);
      synchronized (this) {
        if (retired) {
          return;
        }
        long mean = meanNanos;
        if (how == Exchange.UNANSWERED && (mean < 0 || took <= mean)) {
          return;
        }
        mean =
            mean < 0 ? took : took > mean ? mean + (took - mean + 1) / 2 : mean - (mean - took) / 8;
        meanNanos = mean;
        long perSlot = drainBudgetNanos / mean;
        long fits = perSlot > Long.MAX_VALUE / limit ? Long.MAX_VALUE : perSlot * limit;
        deepenTo(unanswered() ? queueLimit : (int) Math.max(queueLimit, Math.min(deepest, fits)));
      }
    }

    /** Sets the queue's depth, keeping {@link #deepened} in step (guarded by this). */
    private void deepenTo(int d) {
      if (d != depth) {
        deepened.addAndGet(d - depth);
        depth = d;
      }
    }

    /** Whether the last {@link #limit} exchanges all went unanswered (guarded by this). */
    private boolean unanswered() {
      return unansweredInARow >= limit;
    }

    /**
     * Gives back a slot taken by {@link #admit}: the first delivery waiting takes it over and is
     * returned, to be run now; with none waiting the slot is freed.
     *
     * @return the delivery that now holds the slot, or null if the slot was freed
     */
    public synchronized @Nullable T free() {
      giveTenantShare(1); // the delivery that held the slot leaves
      T next = waiting.pollFirst();
      if (next != null) {
        queued.decrementAndGet();
        return next;
      }
      running--;
      taken.decrementAndGet();
      return null;
    }

    /**
     * How many more deliveries the endpoint takes now, in slots and queue together.
     *
     * @return the room, 0 if none
     */
    public synchronized int room() {
      int own = (unanswered() ? limit : limit + depth) - running - waiting.size();
      int tenant = tenantHeld == null ? own : tenantLimit - tenantHeld.get();
      return Math.max(0, Math.min(own, tenant));
    }

    /**
     * Whether claims should leave this endpoint out: its slots and queue have no room (while claims
     * refill in batches, less room than half of both, so that a claim for it would not bring back
     * more than it takes), or it is unanswered and any of its attempts runs, or its tenant is at
     * its limit. An endpoint that is full this way may still {@link #admit} up to its slots and
     * queue (an unanswered one, its slots).
     *
     * @return true to leave it out of claims
     */
    synchronized boolean isFull() {
      if (tenantFull()) {
        return true;
      }
      if (unanswered()) {
        return running > 0;
      }
      int room = limit + depth - running - waiting.size();
      // Refilled in batches of refillAt even where the queue deepened: claims then bring at most
      // that many of one webhook (their per-webhook cap), and each webhook left out lengthens
      // every claim's scan, past its rows.
      return refillInBatches ? room < refillAt : room <= 0;
    }

    /**
     * Forgets this endpoint if no attempt holds it (its queue is then empty, by the invariant).
     * Marked and removed under its monitor, so an {@link #admit} through a reference looked up
     * before either sees it retired or takes a slot first (and then it is not idle, and stays).
     */
    synchronized void retireIfIdle() {
      if (running == 0) {
        retired = true;
        deepenTo(queueLimit);
        endpoints.remove(webhookId, this);
      }
    }

    synchronized int running() {
      return running;
    }

    synchronized int waiting() {
      return waiting.size();
    }

    /** How many claimed deliveries may wait here now (see {@link #served}). */
    synchronized int depth() {
      return depth;
    }

    synchronized void drainTo(List<T> out) {
      queued.addAndGet(-waiting.size());
      giveTenantShare(waiting.size());
      out.addAll(waiting);
      waiting.clear();
    }
  }
}
