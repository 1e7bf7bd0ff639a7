package dev.hookline.delivery.internal;

import dev.hookline.Delivery;
import dev.hookline.Webhook;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lane;
import dev.hookline.spi.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim loop: claims due deliveries from the Store under a lease and hands them to the worker
 * pool, and tracks the attempts it handed out until they finish.
 *
 * <p>A claim round ({@link #pump()}) takes, from two lanes (first attempts and retries, so a
 * backlog of retries never starves fresh events), as many deliveries as both the free workers and
 * the receiving webhooks' free {@linkplain EndpointSlots slots} can take; webhooks whose breaker is
 * open or whose slots are all taken, and webhooks not receiving events that a claim found
 * deliveries for, are excluded from the claim. Rounds run on the scheduler thread when asked for
 * ({@link #requestPump()}: a publish, a poll, a webhook that receives events again) and on a worker
 * thread as its attempt finishes; one at a time, under {@code pumpLock}. While the Store keeps
 * failing, claims back off.
 *
 * <p>Logs as {@link Dispatcher}. Thread-safe: the pump runs under a lock; the counts of running
 * attempts are atomic, and waiting for them uses a lock and condition.
 */
public final class ClaimLoop {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private static final int MAX_CLAIM_BATCH = 500;

  /** Claims that cap deliveries per webhook after one brought too many of a webhook. */
  private static final int CAP_CLAIMS = 64;

  /** Capped claims left (see claimLane). */
  private final AtomicInteger capClaimsLeft = new AtomicInteger();

  /**
   * Kinds of claim round. A worker's round, after its attempt, claims only while the lanes are not
   * known to be drained and the endpoints' queues have room for a batch; a round for new events (a
   * publish on this instance) looks at the first-attempts lane again; a probing round (a poll, a
   * redelivery, a webhook that receives again, {@link #pump()}) looks at both lanes.
   */
  private static final int WORKER = 0;

  private static final int NEW_EVENTS = 1;
  private static final int PROBE = 2;

  /** The longest pause between claims while the Store keeps failing. */
  public static final Duration MAX_CLAIM_BACKOFF = Duration.ofSeconds(30);

  private final String owner;
  private final Store store;
  private final Clock clock;
  private final WebhookView webhooks;
  private final EndpointSlots<ClaimedDelivery> slots;
  private final EndpointHealth health;
  private final AttemptRunner runner;
  private final Executor workerPool;
  private final ScheduledExecutorService scheduler;
  private final int workers;
  private final Duration leaseDuration;
  private final Duration pollInterval;

  /** Half the lease: a delivery that waited longer in a queue is handed back, not sent. */
  private final Duration maxQueueWait;

  /** Monotonic nanoseconds, for the claim back-off; injected so tests can drive it. */
  private final LongSupplier ticker;

  private final AtomicInteger claimFailures = new AtomicInteger();
  private volatile long claimBackoffUntilNanos;

  /** Whether a round asked for during the back-off is scheduled for its end (one at a time). */
  private final AtomicBoolean deferredPump = new AtomicBoolean();

  private volatile @Nullable ScheduledFuture<?> deferredPumpTask;

  /**
   * The attempts handed to the worker executor and not finished. A set of tasks, not a map by
   * delivery id: the same delivery may be handed out twice (its task waited in a caller's executor
   * past its lease and a claim took it again), and each task must still find only itself.
   */
  private final Set<AttemptTask> active = ConcurrentHashMap.newKeySet();

  /**
   * What the last claim from the first-attempts lane that came back short left in the Store, since
   * the last probing round or round for new events: null if none came back short (the lane may hold
   * deliveries due); empty if it is drained; otherwise drained but for these webhooks, left out of
   * that claim for being full (or handed back for it), with those left out beside them (blocked,
   * not receiving, awaiting a probe). Worker rounds skip the lane while every one of these is still
   * left out: a round would only come back empty, a statement each on PostgreSQL at every slot a
   * backlogged endpoint frees; and claim again as soon as one has room, is unblocked or receives
   * again. Written by claim rounds (under pumpLock) and reset to null where a delivery goes back to
   * the Store for want of room (see dispatch).
   */
  private volatile @Nullable Set<String> firstDrainedBut;

  /**
   * The same for the retries lane, reset by probing rounds only (a publish adds first attempts
   * only): an endpoint back from an outage, its retries due at once beside idle webhooks, is left
   * out while its slots and queue are full and claimed again as it has room, not at the next poll.
   */
  private volatile @Nullable Set<String> retriesDrainedBut;

  /**
   * Webhooks whose breaker would grant a probe and for which a probe claim found nothing due (their
   * retries are due later), since the last probing round or round for new events: left out of
   * claims all the same, but not claimed for again until then, so that a broken endpoint with
   * nothing due does not cost every round a claim (see claimRound).
   */
  private final Set<String> noProbeDue = ConcurrentHashMap.newKeySet();

  /** Webhooks not receiving events for which a claim returned deliveries: see dispatchDue. */
  private final Set<String> parked = ConcurrentHashMap.newKeySet();

  /**
   * Deliveries handed out and not done: claimed or waiting in an endpoint's queue, being attempted,
   * or attempted with their outcome still being recorded by the Store ({@link
   * AttemptTask#handled}), though no thread waits on those. So at most {@link #workers} deliveries
   * are ever sent and not yet recorded.
   */
  private final AtomicInteger busy = new AtomicInteger();

  private final AtomicLong attemptsStarted = new AtomicLong();
  private final AtomicLong pumps = new AtomicLong();
  private final ReentrantLock pumpLock = new ReentrantLock();
  private final AtomicBoolean pumpRequested = new AtomicBoolean();

  /** Whether the worker executor's refusals were logged at WARN since it last took a task. */
  private final AtomicBoolean rejectionWarned = new AtomicBoolean();

  /** The strongest kind of round asked for and not yet run: WORKER, NEW_EVENTS or PROBE. */
  private final AtomicInteger probeRequested = new AtomicInteger();

  /**
   * The attempt the current thread runs, if it is a worker inside one: callbacks on it (a listener,
   * an observer) may call close() or runDueNow(), which must not wait for that attempt.
   */
  private static final ThreadLocal<@Nullable AttemptTask> RUNNING_HERE = new ThreadLocal<>();

  /**
   * The deferred attempts whose Store answer the current thread is handling (the listener is told
   * there): each counts as busy until its callback returns, so a close() it calls must not wait for
   * it. A list, as one thread may answer for several loops' attempts, nested (a PostgreSQL worker
   * leading a grouped write answers other workers' outcomes, of other dispatchers too).
   */
  private static final ThreadLocal<@Nullable ArrayList<AttemptTask>> ANSWERING_HERE =
      new ThreadLocal<>();

  /**
   * Deferred attempts whose thread has returned and whose Store answer has not arrived: nothing but
   * the Store (on PostgreSQL, the worker leading the grouped write, perhaps the one waiting in
   * close()) settles them, so a close() or runDueNow() called back on a dispatcher thread does not
   * wait for them (see awaitIdle).
   */
  private final AtomicInteger awaitingAnswer = new AtomicInteger();

  private final ReentrantLock idleLock = new ReentrantLock();
  private final Condition idle = idleLock.newCondition();
  private final AtomicInteger idleWaiters = new AtomicInteger();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closing;

  public ClaimLoop(
      String owner,
      Store store,
      Clock clock,
      WebhookView webhooks,
      EndpointSlots<ClaimedDelivery> slots,
      EndpointHealth health,
      AttemptRunner runner,
      Executor workerPool,
      ScheduledExecutorService scheduler,
      int workers,
      Duration leaseDuration,
      Duration pollInterval,
      LongSupplier ticker) {
    this.owner = owner;
    this.store = store;
    this.clock = clock;
    this.webhooks = webhooks;
    this.slots = slots;
    this.health = health;
    this.runner = runner;
    this.workerPool = workerPool;
    this.scheduler = scheduler;
    this.workers = workers;
    this.leaseDuration = leaseDuration;
    this.pollInterval = pollInterval;
    this.maxQueueWait = leaseDuration.dividedBy(2);
    this.ticker = ticker;
    this.claimBackoffUntilNanos = ticker.getAsLong();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Switches to background mode: from now on {@link #requestPump()} runs claim rounds.
   *
   * @return false if it was already on
   */
  public boolean start() {
    return started.compareAndSet(false, true);
  }

  /**
   * Stops claiming for good: no round claims anything from now on. Called back from inside an
   * attempt (an observer's {@code beforeAttempt} closing the dispatcher), that attempt sends
   * nothing either: see {@link #stoppedHere()}.
   */
  public void stopClaiming() {
    closing = true;
    AttemptTask mine = RUNNING_HERE.get();
    if (mine != null && mine.loop() == this) {
      mine.stoppedHere = true;
    }
    ScheduledFuture<?> deferred = deferredPumpTask;
    if (deferred != null) {
      deferred.cancel(false);
    }
  }

  /**
   * Whether the attempt running on the calling thread stopped its claim loop (its observer closed
   * the dispatcher): it must not send now, as close() did not wait for it (it cannot wait for
   * itself) and has shut the HTTP client's threads down.
   *
   * @return true if the calling thread runs an attempt whose own thread stopped claiming
   */
  static boolean stoppedHere() {
    AttemptTask mine = RUNNING_HERE.get();
    return mine != null && mine.stoppedHere;
  }

  /**
   * Whether {@link #stopClaiming()} was called.
   *
   * @return true once claiming stopped
   */
  public boolean closing() {
    return closing;
  }

  /** Waits for a pump in progress to finish handing out what it claimed. */
  public void awaitPumpInProgress() {
    pumpLock.lock();
    try {
      log.debug("dispatcher closing: claiming stopped, owner={}", owner);
    } finally {
      pumpLock.unlock();
    }
    releaseQueued();
  }

  /**
   * Hands back every claimed delivery waiting for its endpoint's slots: once claiming stopped, none
   * of them is started.
   */
  private void releaseQueued() {
    Instant now = clock.instant();
    RuntimeException failure = null;
    int left = 0;
    for (ClaimedDelivery cd : slots.drainQueues()) {
      Delivery d = cd.delivery();
      if (failure == null) {
        try {
          runner.releaseOrThrow(cd.lease(), d.nextAttemptAt().orElse(now), now, d);
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      if (failure != null) {
        // The Store failed (unreachable, it may have taken a connection timeout to say so): the
        // others are not tried, each would wait as long again on the closing thread (one
        // connection timeout per queued delivery, up to 64 per endpoint). Their leases expire and
        // they are claimed again; nothing is lost.
        left++;
      }
      idled();
    }
    if (failure != null) {
      log.warn(
          "dispatcher closing: could not hand back {} queued deliveries, they are claimed again"
              + " when their leases expire: owner={} error={}",
          left,
          owner,
          failure.toString());
    }
  }

  /**
   * Cancels every attempt handed out: one that has not started hands its delivery back; a running
   * one is interrupted, and an exchange cut off that way releases its delivery.
   */
  public void cancelRunning() {
    AttemptTask mine = RUNNING_HERE.get(); // close() called back from inside this attempt
    for (AttemptTask t : active) {
      if (t != mine) {
        t.cancel(true);
      }
    }
  }

  /**
   * How many deliveries are handed out and not done (see {@link #busy}).
   *
   * @return the count
   */
  public int busy() {
    return busy.get();
  }

  /**
   * How many attempts were started since this loop was created.
   *
   * @return the count
   */
  public long attemptsStarted() {
    return attemptsStarted.get();
  }

  // ---------------------------------------------------------------- hand-off on publish

  /**
   * Chooses which of a publish's new deliveries this dispatcher claims as they are enqueued ({@link
   * Store#enqueueClaiming}), to send them without a claim round trip: in background mode only, only
   * deliveries due now for webhooks that receive events and whose circuit is not open, no more than
   * their endpoints' free slots and queues and the free workers take, and only while the
   * first-attempts lane is known to be drained, so that new events never overtake a backlog already
   * queued in the Store (the claim loop takes that in due order).
   *
   * <p>The chosen deliveries reserve a worker each: the caller must pass them on to {@link
   * #takeHandedOff} once the Store wrote them, or to {@link #cancelHandoff} if it failed.
   *
   * @param deliveries the new deliveries
   * @param now the time
   * @return the ids to claim on enqueue; empty for none
   */
  public Set<String> chooseHandoff(List<Delivery> deliveries, Instant now) {
    if (closing || !started.get() || !drainedOutright(firstDrainedBut)) {
      return Set.of();
    }
    int free = workers - busy.get();
    if (free <= 0) {
      return Set.of();
    }
    Set<String> chosen = new HashSet<>();
    Map<String, Integer> room = new HashMap<>();
    Map<String, Integer> tenantRoom = new HashMap<>();
    Map<String, String> tenantOf = new HashMap<>(); // webhooks with a tenant, looked up once each
    Set<String> blocked = null;
    for (Delivery d : deliveries) {
      if (chosen.size() >= free) {
        break;
      }
      if (d.nextAttemptAt().isEmpty() || d.nextAttemptAt().get().isAfter(now)) {
        continue;
      }
      String webhookId = d.webhookId();
      Integer left = room.get(webhookId);
      if (left == null) {
        Webhook w = webhooks.current(webhookId);
        if (blocked == null) {
          blocked = health.blocked(now);
        }
        String t = w == null ? null : w.tenant().orElse(null);
        if (t != null) {
          tenantOf.put(webhookId, t);
        }
        left =
            w == null || !w.receivesEvents() || blocked.contains(webhookId)
                ? 0
                : slots.endpoint(webhookId, t).room();
      }
      if (left <= 0) {
        room.put(webhookId, 0);
        continue;
      }
      // One tenant's webhooks share its limit: what one takes here, the others cannot.
      String tenant = tenantOf.get(webhookId);
      if (tenant != null) {
        int tenantLeft =
            tenantRoom.computeIfAbsent(tenant, t -> slots.tenantLimit() - slots.heldByTenant(t));
        if (tenantLeft <= 0) {
          continue;
        }
        tenantRoom.put(tenant, tenantLeft - 1);
      }
      chosen.add(d.id());
      room.put(webhookId, left - 1);
    }
    int granted = reserve(chosen.size());
    if (closing) {
      // close() began since the check above, perhaps ended (a lookup of a webhook this view did not
      // know yet may have waited on the Store meanwhile). It sets closing before it reads busy and
      // this read follows the reservation, so either it waits for the reserved workers or this
      // sees it: nothing is claimed on enqueue after close() returned, to be written and handed
      // back after it, on a Store the host may have closed by then.
      unreserve(granted);
      return Set.of();
    }
    if (granted < chosen.size()) {
      Set<String> trimmed = new HashSet<>();
      for (String id : chosen) {
        if (trimmed.size() == granted) {
          break;
        }
        trimmed.add(id);
      }
      chosen = trimmed;
    }
    return chosen;
  }

  /**
   * The lease for deliveries claimed on enqueue: this loop's owner and lease duration.
   *
   * @param now the time
   * @return the claim request carrying them
   */
  public ClaimRequest handoffLease(Instant now) {
    return ClaimRequest.of(owner, now, leaseDuration, 1);
  }

  /**
   * Takes the deliveries a publish claimed on enqueue ({@link #chooseHandoff}) as if a claim had
   * returned them: each runs or waits in its endpoint's queue.
   *
   * @param added what the Store added, claimed ones carrying their lease
   * @param chosen what {@link #chooseHandoff} chose (and reserved workers for)
   */
  public void takeHandedOff(List<Delivery> added, Set<String> chosen) {
    Instant now = null;
    Set<String> excluded = new HashSet<>(); // not used: no claim follows
    int taken = 0;
    for (Delivery d : added) {
      if (d.lease().isEmpty() || !chosen.contains(d.id())) {
        continue;
      }
      if (now == null) {
        now = clock.instant();
      }
      taken++;
      try {
        dispatch(new ClaimedDelivery(d, d.lease().get()), excluded, now);
      } catch (RuntimeException e) {
        // Handed back already (see dispatch); the publish itself was written, so it succeeds.
        log.warn(
            "a delivery claimed on publish could not be handed out, it was handed back: delivery={}"
                + " error={}",
            d.id(),
            e.toString());
      }
    }
    unreserve(chosen.size() - taken); // repeats the Store skipped
  }

  /**
   * Gives back the workers {@link #chooseHandoff} reserved, when the Store write failed.
   *
   * @param chosen what it chose
   */
  public void cancelHandoff(Set<String> chosen) {
    unreserve(chosen.size());
  }

  // ---------------------------------------------------------------- claiming

  /**
   * Asks for a claim round on the scheduler thread, in background mode; a round already asked for
   * and not yet started covers this request too.
   */
  public void requestPump() {
    requestPump(PROBE);
  }

  /**
   * Asks for a round that looks for new first attempts (events were just published here); as {@link
   * #requestPump()} otherwise.
   */
  public void requestPumpForNewEvents() {
    requestPump(NEW_EVENTS);
  }

  /**
   * Asks for a round on the scheduler thread, of the given kind or of a stronger kind asked for
   * meanwhile (a worker that found another round running asks for a WORKER round).
   */
  private void requestPump(int kind) {
    if (closing || !started.get()) {
      return;
    }
    if (kind > WORKER) {
      probeRequested.accumulateAndGet(kind, Math::max);
    }
    if (pumpRequested.compareAndSet(false, true)) {
      try {
        scheduler.execute(
            () -> {
              pumpRequested.set(false);
              claimWithBackoff(probeRequested.getAndSet(WORKER));
            });
      } catch (RejectedExecutionException e) {
        pumpRequested.set(false);
      }
    }
  }

  /**
   * Runs {@link #pump()} unless the Store failed recently. While the Store keeps failing (a
   * database restart, a network partition), claims back off exponentially from the poll interval up
   * to {@link #MAX_CLAIM_BACKOFF}, with one WARN when the outage starts and one INFO when it ends,
   * instead of an error on every poll. The background mode never dies of it.
   */
  private void claimWithBackoff(int kind) {
    long left = claimBackoffUntilNanos - ticker.getAsLong();
    if (left > 0) {
      deferUntilBackoffEnds(kind, left);
      return;
    }
    try {
      pump(kind);
      int failures = claimFailures.getAndSet(0);
      if (failures > 0) {
        log.info("claiming works again after {} failed attempts: owner={}", failures, owner);
      }
    } catch (RuntimeException | Error e) {
      // An Error too (a LinkageError from a Store's driver of another version): thrown, it went to
      // the scheduler's task, which kept it unlogged, and every poll claimed again at once.
      Threads.rethrowIfFatal(e);
      int failures = claimFailures.incrementAndGet();
      long backoff =
          Math.min(
              MAX_CLAIM_BACKOFF.toNanos(), pollInterval.toNanos() << Math.min(20, failures - 1));
      claimBackoffUntilNanos = ticker.getAsLong() + backoff;
      if (failures == 1) {
        log.warn(
            "claiming from the store failed; retrying with backoff: owner={} error={}",
            owner,
            e.toString());
      } else {
        log.debug(
            "claiming from the store failed again: owner={} failures={} nextTryInMs={}",
            owner,
            failures,
            backoff / 1_000_000L,
            e);
      }
    }
  }

  /**
   * Runs a round asked for during the back-off once the back-off ends. Dropped, it waited for the
   * next poll: a transactional publish's wake-up, or the change feed's resync as it reconnects,
   * arriving just as the database came back, and the deliveries waited for the poll interval (an
   * hour, for a host relying on the wake-ups), though the database answered again.
   */
  private void deferUntilBackoffEnds(int kind, long nanos) {
    if (kind > WORKER) {
      probeRequested.accumulateAndGet(kind, Math::max); // taken by the deferred round
    }
    if (closing || !deferredPump.compareAndSet(false, true)) {
      return;
    }
    try {
      deferredPumpTask =
          scheduler.schedule(
              () -> {
                deferredPump.set(false);
                requestPump(WORKER);
              },
              nanos,
              TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      deferredPump.set(false); // the scheduler is shutting down: so is the dispatcher
    }
  }

  /**
   * Claims and hands out due deliveries until none is due or no worker is free.
   *
   * @return how many deliveries were claimed
   */
  public int pump() {
    return pump(PROBE);
  }

  /**
   * See {@link #pump()}: a first round of the given kind, then worker rounds while they claim
   * something.
   */
  private int pump(int kind) {
    pumpLock.lock();
    try {
      int total = 0;
      int claimed;
      int round = kind;
      do {
        claimed = dispatchDue(round);
        total += claimed;
        round = WORKER;
      } while (claimed > 0 && !closing && busy.get() < workers);
      return total;
    } finally {
      pumpLock.unlock();
    }
  }

  /** One claim round over both lanes; returns how many deliveries were claimed. */
  private int dispatchDue(int kind) {
    boolean probe = kind > WORKER;
    // What a probe learns is kept even if no worker is free now: the next worker's round, as its
    // attempt ends, then claims what the publish or poll found (rather than the next poll, up to
    // a second later).
    if (kind == PROBE) {
      retriesDrainedBut = null;
      firstDrainedBut = null;
      noProbeDue.clear();
    } else if (kind == NEW_EVENTS) {
      firstDrainedBut = null;
      noProbeDue.clear();
    }
    // busy counts the deliveries waiting in the endpoints' queues too: each will need a worker.
    if (closing || workers - busy.get() <= 0) {
      return 0;
    }
    // Claim no more than the receiving webhooks' free slots and queues can take: a delivery
    // claimed past them would only be released again, one Store write each. A worker's round after
    // its attempt claims only once the queues have room for a good batch (half an endpoint's slots
    // and queue, or half the tenant limit if that is less: see EndpointSlots#tenantSlack), so a
    // busy endpoint is refilled a batch at a time, not one claim per delivery; a probing round
    // (publish, poll, a webhook that receives again) claims at least one, so that a webhook this
    // view does not know yet is still found. Measured against half an endpoint's slots alone, a
    // tenant limit below that left every worker's round claiming nothing: only the polls claimed.
    // Queues that deepened for fast endpoints (see EndpointSlots#served) add their room, and make
    // the batch a worker's round waits for as large, on average, so that a busy fast endpoint is
    // refilled in batches of half its deeper queue.
    int perEndpoint = slots.limit() + slots.queueLimit();
    int receiving = webhooks.receivingCount();
    int deepened = slots.deepened();
    int room = receiving * perEndpoint + deepened - slots.taken() - slots.queued();
    // Nor more than a tenant near its limit could take (see EndpointSlots#smallestTenantRoom).
    int tenantRoom = slots.smallestTenantRoom();
    room = Math.min(room, tenantRoom);
    int batch =
        tenantRoom == Integer.MAX_VALUE
            ? Math.max(1, (perEndpoint + deepened / Math.max(1, receiving)) / 2)
            : slots.tenantSlack();
    if (!probe
        && (room < batch
            || (drainedOutright(firstDrainedBut) && drainedOutright(retriesDrainedBut)))) {
      return 0;
    }
    // The free workers are reserved before the claim (see reserve), and what the claim did not
    // use is given back after it.
    // Each delivery dispatched takes one of them; if a claim throws part way through the round (a
    // lane's claim after another lane's deliveries were dispatched), only what no delivery took is
    // given back, so busy never drifts below the deliveries actually held.
    int budget = reserve(Math.max(1, room));
    Round round = new Round();
    try {
      return claimRound(budget, round);
    } finally {
      unreserve(budget - round.dispatched);
    }
  }

  /** What one claim round dispatched so far: each holds one of the round's reserved workers. */
  private static final class Round {
    int dispatched;
  }

  /** The claims of one round, up to {@code budget} reserved workers. */
  private int claimRound(int budget, Round r) {
    if (budget <= 0) {
      return 0;
    }
    Instant now = clock.instant();
    Set<String> excluded = new HashSet<>();
    parkedStillNotReceiving(excluded);
    excluded.addAll(health.blocked(now));
    int beforeFull = excluded.size();
    slots.addFull(excluded);
    boolean anyFull = excluded.size() > beforeFull;
    // An endpoint whose breaker would grant a probe is left out of the round's claims and gets a
    // claim of its own, of one delivery: claimed with the others, its backlog came back as far as
    // its slots and queue reached, one went out as the probe and the rest went back to the Store,
    // one write each, at every cool-down of every broken endpoint.
    Set<String> probes = health.awaitingProbe(now);
    probes.removeAll(excluded);
    excluded.addAll(probes);
    // Left out as a full endpoint is: a claim that comes back short has not drained its lane of the
    // probes' deliveries.
    int claimed = claimLanes(budget, excluded, now, anyFull || !probes.isEmpty(), r);
    Set<String> toProbe = new HashSet<>(probes);
    toProbe.removeAll(noProbeDue);
    if (!toProbe.isEmpty() && r.dispatched < budget && !closing) {
      claimed +=
          claimProbes(Math.min(budget - r.dispatched, toProbe.size()), toProbe, excluded, now, r);
    }
    return claimed;
  }

  /**
   * One delivery at most of each endpoint in {@code probes}, from both lanes: the other webhooks
   * left out of the round stay left out, and those the round's claims could take were taken (or
   * their claims came back short), so this claim brings mostly the probes' deliveries; what it
   * brings of others is due, and dispatched as usual.
   */
  private int claimProbes(int max, Set<String> probes, Set<String> excluded, Instant now, Round r) {
    Set<String> others = new HashSet<>(excluded);
    others.removeAll(probes);
    List<ClaimedDelivery> claimed =
        store.claim(new ClaimRequest(owner, now, leaseDuration, max, Lane.ANY, others, 1));
    if (claimed.size() < max) {
      // Short: what did not come back has nothing due now.
      Set<String> found = new HashSet<>();
      for (ClaimedDelivery cd : claimed) {
        found.add(cd.delivery().webhookId());
      }
      for (String id : probes) {
        if (!found.contains(id)) {
          noProbeDue.add(id);
        }
      }
    }
    dispatchClaimed(claimed, excluded, now, r);
    return claimed.size();
  }

  /** The lanes' claims of one round; see {@link #claimRound}. */
  private int claimLanes(int budget, Set<String> excluded, Instant now, boolean anyFull, Round r) {
    // A lane drained (but for webhooks all still left out: their deliveries wait in the Store until
    // one of them has room again, is unblocked or receives again) is skipped: one statement a
    // round, or none, rather than two that can only come back empty.
    boolean skipFirst = skips(firstDrainedBut, excluded);
    boolean skipRetries = skips(retriesDrainedBut, excluded);
    if (skipFirst && skipRetries) {
      return 0;
    } else if (skipRetries) {
      return claimLane(Lane.FIRST_ATTEMPTS, budget, excluded, now, anyFull, r);
    } else if (skipFirst) {
      return claimLane(Lane.RETRIES, budget, excluded, now, anyFull, r);
    }
    // First attempts get most of the budget; retries always get a share, and every fourth round go
    // first, so neither lane can starve the other. The first lane is asked again only if it filled
    // its share, so an idle lane costs one claim per round, not two.
    boolean retriesFirst = pumps.incrementAndGet() % 4 == 0;
    Lane first = retriesFirst ? Lane.RETRIES : Lane.FIRST_ATTEMPTS;
    Lane second = retriesFirst ? Lane.FIRST_ATTEMPTS : Lane.RETRIES;
    int share = Math.max(1, budget - budget / 4);
    int claimed = claimLane(first, share, excluded, now, anyFull, r);
    boolean firstFilled = claimed >= share;
    claimed += claimLane(second, budget - claimed, excluded, now, anyFull, r);
    if (firstFilled) {
      claimed += claimLane(first, budget - claimed, excluded, now, anyFull, r);
    }
    return claimed;
  }

  /**
   * Reserves up to {@code wanted} free workers (counts of {@link #busy}) for deliveries about to be
   * claimed, atomically, so that claim rounds and hand-offs on publish running at once never take
   * more than {@link #workers} between them. Each delivery claimed then holds one count until its
   * attempt ends or it is handed back; {@link #unreserve} gives back what was not used.
   *
   * @return how many were reserved, possibly 0
   */
  private int reserve(int wanted) {
    while (true) {
      int b = busy.get();
      int granted = Math.min(wanted, workers - b);
      if (granted <= 0) {
        return 0;
      }
      if (busy.compareAndSet(b, b + granted)) {
        return granted;
      }
    }
  }

  /** Gives back reserved workers that no claimed delivery took. */
  private void unreserve(int unused) {
    for (int i = 0; i < unused; i++) {
      idled();
    }
  }

  /**
   * Adds to {@code excluded} the parked webhooks that still do not receive, and forgets the others.
   * A webhook is parked when a claim returned a delivery for it although it does not receive
   * events: only those have queued deliveries worth excluding. Excluding every webhook that does
   * not receive would copy, send and test the whole set (thousands of webhooks pending
   * verification, none with a delivery) on every claim.
   */
  private void parkedStillNotReceiving(Set<String> excluded) {
    if (parked.isEmpty()) {
      return;
    }
    Set<String> notReceiving = webhooks.notReceiving();
    parked.removeIf(id -> !notReceiving.contains(id));
    for (String id : parked) {
      if (notReceiving.contains(id)) {
        excluded.add(id);
      }
    }
  }

  /**
   * Whether a lane drained but for {@code drainedBut} is skipped by a round leaving out {@code
   * excluded}.
   */
  private static boolean skips(@Nullable Set<String> drainedBut, Set<String> excluded) {
    return drainedBut != null && excluded.containsAll(drainedBut);
  }

  /** Whether a lane is drained with nothing left out (see {@link #firstDrainedBut}). */
  private static boolean drainedOutright(@Nullable Set<String> drainedBut) {
    return drainedBut != null && drainedBut.isEmpty();
  }

  /**
   * Claims up to {@code max} from a lane and dispatches them. A short answer marks the lane drained
   * until the next probing round; if webhooks were left out for being full ({@code anyFull}),
   * drained but for those left out: their deliveries are still queued in the Store, for the rounds
   * that follow as their slots free up.
   */
  private int claimLane(
      Lane lane, int max, Set<String> excluded, Instant now, boolean anyFull, Round r) {
    if (max <= 0 || closing) {
      return 0;
    }
    int asked = Math.min(max, MAX_CLAIM_BATCH);
    // No more of one webhook than an endpoint that claims do not leave out can take (half its
    // slots and queue, see EndpointSlots#refillAt): a webhook whose backlog is due first (a slow
    // endpoint behind on its deliveries) filled the whole claim, and all but what its endpoint
    // took went back to the Store, one write each, at every slot it freed. The capped statement
    // costs the database more (measured: about 1 ms per statement on PostgreSQL), so claims cap
    // only once one brought more of a webhook than that, for the next CAP_CLAIMS claims, renewed
    // while capped claims keep reaching the cap; and never with one webhook receiving, where the
    // claim's size is that endpoint's room already (see dispatchDue).
    boolean capping = webhooks.receivingCount() > 1 && capClaimsLeft.get() > 0;
    int cap = capping ? Math.min(asked, slots.refillAt()) : asked;
    List<ClaimedDelivery> claimed =
        store.claim(new ClaimRequest(owner, now, leaseDuration, asked, lane, excluded, cap));
    int most = mostOfOneWebhook(claimed, slots.refillAt());
    boolean cutByCap = capping && cap < asked && most >= cap;
    if (webhooks.receivingCount() > 1 && (most > slots.refillAt() || cutByCap)) {
      capClaimsLeft.set(CAP_CLAIMS);
      slots.refillInBatches(true);
    } else if (capping && capClaimsLeft.decrementAndGet() <= 0) {
      slots.refillInBatches(false);
    }
    // Short because of the cap is not drained: later deliveries of other webhooks may be due.
    boolean short_ = claimed.size() < asked && !cutByCap;
    // Drained outright is set before dispatching, so that a delivery this claim hands back for want
    // of room (see dispatch) leaves the lane not drained.
    setDrainedBut(lane, short_ && !anyFull ? Set.of() : null);
    dispatchClaimed(claimed, excluded, now, r);
    if (short_ && anyFull) {
      // Everything due but the left-out webhooks' deliveries was claimed. Taken after dispatching,
      // so that it also holds the webhooks this claim filled up or had to hand back.
      setDrainedBut(lane, Set.copyOf(excluded));
    }
    return claimed.size();
  }

  private void setDrainedBut(Lane lane, @Nullable Set<String> drainedBut) {
    if (lane == Lane.RETRIES) {
      retriesDrainedBut = drainedBut;
    } else {
      firstDrainedBut = drainedBut;
    }
  }

  /** Marks the lane of {@code d} not drained: it is (back) in the Store, due. */
  private void notDrained(Delivery d) {
    if (d.attemptCount() == 0) {
      firstDrainedBut = null;
    } else {
      retriesDrainedBut = null;
    }
  }

  /**
   * Dispatches a claim's deliveries, each holding one of the round's reserved workers; rethrows the
   * first failure to look up a webhook once all are dispatched or handed back.
   */
  private void dispatchClaimed(
      List<ClaimedDelivery> claimed, Set<String> excluded, Instant now, Round r) {
    RuntimeException failure = null;
    Set<String> lookupFailed = new HashSet<>();
    for (int i = 0; i < claimed.size(); i++) {
      ClaimedDelivery cd = claimed.get(i);
      r.dispatched++;
      String webhookId = cd.delivery().webhookId();
      if (lookupFailed.contains(webhookId)) {
        // Not looked up again (each lookup of a Store that fails may take a connection timeout):
        // handed back as its sibling was.
        handBackHeld(cd, cd.delivery().nextAttemptAt().orElse(now), now);
        continue;
      }
      try {
        dispatch(cd, excluded, now);
      } catch (Error e) {
        // A Store's LinkageError, an OutOfMemoryError: the rest of the claim goes back undispatched
        // (left, each held its lease and its worker until the lease expired), then the Error goes
        // on, after any earlier failure of this claim.
        for (ClaimedDelivery rest : claimed.subList(i + 1, claimed.size())) {
          r.dispatched++;
          try {
            handBackHeld(rest, rest.delivery().nextAttemptAt().orElse(now), now);
          } catch (RuntimeException releaseFailed) {
            e.addSuppressed(releaseFailed); // its worker is given back; its lease runs out
          }
        }
        if (failure != null) {
          e.addSuppressed(failure);
        }
        throw e;
      } catch (RuntimeException e) {
        // Handed back already (see dispatch). The rest of the claim is dispatched all the same:
        // left undispatched, each held its lease, claimed by nobody, until the lease expired.
        lookupFailed.add(webhookId);
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure; // ends the round: claims back off while the Store fails
    }
  }

  /**
   * The most deliveries of one webhook in a claim, counted only as far as {@code limit + 1} (and
   * not at all for a claim smaller than {@code limit}). A claim of exactly {@code limit} is
   * counted: a claim capped at {@code limit} per webhook that brought that many of one webhook was
   * cut by the cap, not short. Taken for short, it marked the lane drained, and no worker's round
   * claimed from it again until the next poll, with that webhook's backlog still due.
   */
  private static int mostOfOneWebhook(List<ClaimedDelivery> claimed, int limit) {
    if (claimed.size() < limit) {
      return claimed.isEmpty() ? 0 : 1;
    }
    Map<String, Integer> per = new HashMap<>();
    int most = 0;
    for (ClaimedDelivery cd : claimed) {
      most = Math.max(most, per.merge(cd.delivery().webhookId(), 1, Integer::sum));
      if (most > limit) {
        break;
      }
    }
    return most;
  }

  /** Takes a claimed delivery, which holds one reserved count of {@link #busy}. */
  private void dispatch(ClaimedDelivery cd, Set<String> excluded, Instant now) {
    Delivery d = cd.delivery();
    String webhookId = d.webhookId();
    Instant due = d.nextAttemptAt().orElse(now);
    Webhook w;
    try {
      // A webhook the view does not know yet (made by another instance) is read from the Store.
      w = webhooks.current(webhookId);
    } catch (RuntimeException | Error e) {
      // The delivery went nowhere: it goes back to the Store and its worker is given back (kept,
      // it was never given back, and with every worker counted nothing was claimed again); the
      // failure ends the round, so claims back off while the Store fails.
      handBackHeld(cd, due, now);
      throw e;
    }
    if (w == null || !w.receivesEvents() || closing) {
      // Not sent and not failed: it goes out once the webhook is verified and enabled again (or,
      // claimed on publish as close() began, by the next dispatcher).
      handBackHeld(cd, due, now);
      excluded.add(webhookId);
      if (!closing) {
        parked.add(webhookId);
      }
      return;
    }
    EndpointSlots<ClaimedDelivery>.Endpoint endpoint;
    EndpointSlots.Admission admission;
    do {
      // A reload may forget the endpoint between the lookup and the admission: look again, or
      // this delivery ran on the forgotten endpoint beside those of the fresh one.
      endpoint = slots.endpoint(webhookId, w.tenant().orElse(null));
      admission = endpoint.admit(cd);
    } while (admission == EndpointSlots.Admission.RETIRED);
    if (admission != EndpointSlots.Admission.FULL && endpoint.isFull()) {
      // Full now: the round's next claims leave it out rather than bring back what it cannot take,
      // and, as for a webhook left out for being full at the round's start, a claim that comes
      // back short does not make its lane drained (more of its deliveries may wait in the Store).
      excluded.add(webhookId);
      notDrained(d);
    }
    switch (admission) {
      case RETIRED -> throw new AssertionError("looked up again above");
      case RUN -> launch(cd, endpoint);
      case QUEUED -> {
        // started by launch when a slot of the endpoint frees up
      }
      case FULL -> {
        handBackHeld(cd, due, now);
        excluded.add(webhookId);
        slots.addCrowdedTenantOf(webhookId, excluded); // its siblings would only come back too
        // Back in the Store, so its lane is not drained, even if this claim came back short:
        // otherwise it waited for the next poll (a second by default) instead of the next round
        // as the endpoint's slots free up.
        notDrained(d);
      }
    }
  }

  /**
   * Hands back a claimed delivery that holds one count of {@link #busy} and is not started, then
   * gives that count back: in this order, so that a close() waiting for the count (a delivery a
   * publish claimed as close() began, which no pump lock covers) returns only once the delivery is
   * back in the Store. Given back first, close() returned with the release still on its way, and a
   * host that closed its DataSource next left the delivery in flight, claimed by nobody, for its
   * whole lease.
   */
  private void handBackHeld(ClaimedDelivery cd, Instant due, Instant now) {
    try {
      runner.release(cd.lease(), due, now, cd.delivery());
    } finally {
      idled();
    }
  }

  /**
   * Starts {@code cd}, which holds a slot of {@code endpoint} and one count of {@link #busy}. If it
   * cannot start (claiming stopped, the webhook no longer receives, the endpoint's circuit is open,
   * or it waited in the queue so long that an attempt might outlive its lease), it is handed back
   * to the Store and the slot passes to the next delivery waiting, which is tried the same way.
   */
  private void launch(ClaimedDelivery first, EndpointSlots<ClaimedDelivery>.Endpoint endpoint) {
    ClaimedDelivery cd = first;
    Error lookupError = null;
    while (cd != null) {
      Delivery d = cd.delivery();
      String webhookId = d.webhookId();
      Instant now = clock.instant();
      Webhook w = null;
      boolean looked = false;
      try {
        // From the Store if the view no longer knows the webhook (deleted while this waited).
        w = webhooks.current(webhookId);
        looked = true;
      } catch (RuntimeException | Error e) {
        // Handed back below like any delivery that cannot start: thrown from here (often on the
        // thread of the attempt whose slot it took over) it kept its worker, slot and tenant share
        // for good. An Error (a Store's LinkageError) goes on once the slot has passed on.
        if (e instanceof Error error && lookupError == null) {
          lookupError = error;
        }
        log.warn(
            "could not look up the webhook of a queued delivery, released: webhook={} delivery={}"
                + " error={}",
            webhookId,
            d.id(),
            e.toString());
      }
      EndpointHealth.Permit permit = null;
      if (closing || !looked) {
        // Nothing starts once claiming stopped, nor without knowing where to.
      } else if (w == null || !w.receivesEvents()) {
        parked.add(webhookId);
      } else if (cd.lease().expiresAt().isBefore(now.plus(maxQueueWait))) {
        log.debug(
            "delivery waited too long for its endpoint, released: webhook={} delivery={}",
            webhookId,
            d.id());
      } else {
        permit = health.tryAcquire(webhookId, now);
        if (permit == EndpointHealth.Permit.DENIED) {
          permit = null; // circuit open (or its one probe is out): stays queued, not failed
        }
      }
      if (permit != null && w != null) {
        AttemptTask task = new AttemptTask(cd, w, endpoint, permit);
        active.add(task);
        try {
          workerPool.execute(task);
          if (rejectionWarned.get()) {
            rejectionWarned.set(false);
          }
        } catch (RuntimeException e) {
          // The worker executor (the caller's, or ours shut down) refused it: handed back for a
          // later try, not due at once, or the next round would claim it and be refused again
          // (due at once if claiming stopped: see AttemptTask#done).
          // Any exception, not only RejectedExecutionException: a caller's executor may throw
          // another (IllegalStateException as it closes), and the task, never run nor cancelled,
          // kept its worker and its endpoint's slot for good.
          task.rejected = true;
          if (!closing) {
            warnRejected(e);
          }
          task.cancel(false);
        } catch (Error e) {
          // An executor that cannot start a thread (OutOfMemoryError: unable to create native
          // thread): the Error goes on, as errors do, but the task is handed back first, or it kept
          // its worker and its endpoint's slot for good.
          task.rejected = true;
          task.cancel(false);
          if (lookupError != null) {
            e.addSuppressed(lookupError);
          }
          throw e;
        }
        if (lookupError != null) {
          throw lookupError;
        }
        return;
      }
      handBackHeld(cd, d.nextAttemptAt().orElse(now), now);
      cd = endpoint.free();
    }
    if (lookupError != null) {
      throw lookupError;
    }
  }

  /**
   * Hands back to the Store the deliveries that waited behind an endpoint that stopped answering
   * (see {@link EndpointSlots.Endpoint#ended}); each gives back its worker. They are due again at
   * once: its circuit breaker, or its answering again, decides when they go out.
   */
  private void handBackUnanswered(List<ClaimedDelivery> shed) {
    Instant now = clock.instant();
    log.debug(
        "endpoint does not answer, {} deliveries waiting for it handed back: webhook={}",
        shed.size(),
        shed.get(0).delivery().webhookId());
    for (ClaimedDelivery cd : shed) {
      handBackHeld(cd, cd.delivery().nextAttemptAt().orElse(now), now);
    }
  }

  /** One WARN per streak of refusals by the worker executor; DEBUG for the rest. */
  private void warnRejected(RuntimeException e) {
    if (rejectionWarned.compareAndSet(false, true)) {
      log.warn(
          "the worker executor refused an attempt; its delivery is handed back for a later try:"
              + " owner={} error={}",
          owner,
          e.toString());
    } else {
      log.debug("the worker executor refused an attempt again: owner={}", owner);
    }
  }

  // ---------------------------------------------------------------- attempts

  /** One attempt on a worker thread; cleans up exactly once, whether it ran or was cancelled. */
  private final class AttemptTask extends FutureTask<Void> implements AttemptRunner.Answered {
    private final ClaimedDelivery claimed;
    private final EndpointSlots<ClaimedDelivery>.Endpoint endpoint;
    private final EndpointHealth.Permit permit;
    private final AtomicBoolean owned = new AtomicBoolean();
    private final AtomicBoolean slotFreed = new AtomicBoolean();
    private final AtomicBoolean idled = new AtomicBoolean();

    /**
     * Set by the attempt's thread before the task finishes: the attempt's outcome was left for the
     * Store to answer later ({@link AttemptRunner#run}), so its count of {@link #busy} is given
     * back once both the Store answered and the task finished ({@link #toSettle}).
     */
    private volatile boolean deferred;

    /** Set by {@link #freeSlotKeepingError} on the attempt's thread, read there after the run. */
    private @Nullable Error slotError;

    /** Phase bits of a deferred attempt, for {@link #awaitingAnswer}. */
    private static final int THREAD_DONE = 1;

    private static final int ANSWER_ARRIVED = 2;

    private final AtomicInteger phase = new AtomicInteger();

    /**
     * What a deferred attempt still waits for before it stops counting as busy: the Store's answer
     * ({@link #handled}) and the attempt's own thread returning ({@link #finishedDeferred}).
     * Whichever comes last settles, so {@code runDueNow} and {@code close} return only once every
     * attempt is recorded and its thread is done with it.
     */
    private final AtomicInteger toSettle = new AtomicInteger(2);

    AttemptTask(
        ClaimedDelivery claimed,
        Webhook webhook,
        EndpointSlots<ClaimedDelivery>.Endpoint endpoint,
        EndpointHealth.Permit permit) {
      this(new AttemptBody(claimed, webhook, permit), claimed, endpoint, permit);
    }

    private AttemptTask(
        AttemptBody body,
        ClaimedDelivery claimed,
        EndpointSlots<ClaimedDelivery>.Endpoint endpoint,
        EndpointHealth.Permit permit) {
      super(body, null);
      body.task = this;
      this.claimed = claimed;
      this.endpoint = endpoint;
      this.permit = permit;
    }

    /** How the exchange ended, if one was made: see {@link AttemptRunner.Answered#exchanged}. */
    private volatile EndpointSlots.@Nullable Exchange exchange;

    /**
     * When this attempt took its slot, by the ticker: see {@link EndpointSlots.Endpoint#served}.
     */
    private final long launchedNanos = ticker.getAsLong();

    @Override
    public void exchanged(boolean answered) {
      exchange = answered ? EndpointSlots.Exchange.ANSWERED : EndpointSlots.Exchange.UNANSWERED;
    }

    /**
     * Gives the endpoint's slot to the next delivery waiting for it, or frees it; once, whether
     * called as the exchange ends or when the task finishes.
     */
    void freeSlot() {
      if (slotFreed.compareAndSet(false, true)) {
        EndpointSlots.Exchange how = exchange;
        if (how != null) {
          endpoint.served(ticker.getAsLong() - launchedNanos, how);
          // An endpoint that stopped answering hands back what waits for it: each would only
          // wait out the same timeouts, holding a worker.
          List<ClaimedDelivery> shed = endpoint.ended(how);
          if (!shed.isEmpty()) {
            handBackUnanswered(shed);
          }
        }
        ClaimedDelivery next = endpoint.free();
        if (next != null) {
          launch(next, endpoint);
        }
      }
    }

    /**
     * {@link #freeSlot} as the exchange ends, inside the attempt's record: an Error from starting
     * the endpoint's next delivery (its webhook's lookup in the Store, see {@link #launch}) is kept
     * for the attempt's thread to throw once this attempt is recorded. Thrown from here, it went
     * through this attempt's record, which then handed back a delivery the endpoint had already
     * accepted: sent again, and its success never recorded.
     */
    void freeSlotKeepingError() {
      try {
        freeSlot();
      } catch (Error e) {
        slotError = e;
      }
    }

    boolean takeOwnership() {
      return owned.compareAndSet(false, true);
    }

    /** Gives back this attempt's count of {@link #busy}; once, whoever calls first. */
    void idleOnce() {
      if (idled.compareAndSet(false, true)) {
        idled();
      }
    }

    ClaimLoop loop() {
      return ClaimLoop.this;
    }

    /**
     * The Store's answer to the outcome this attempt left with it arrived (on the Store's thread,
     * perhaps before the attempt's thread returned): the listener is told on the calling thread
     * until {@link #handled}.
     */
    @Override
    public void arrived() {
      ArrayList<AttemptTask> here = ANSWERING_HERE.get();
      if (here == null) {
        here = new ArrayList<>(2);
        ANSWERING_HERE.set(here);
      }
      here.add(this);
      if ((phase.getAndUpdate(p -> p | ANSWER_ARRIVED) & THREAD_DONE) != 0) {
        awaitingAnswer.decrementAndGet();
      }
    }

    /** The answer was handled: see {@link #toSettle}. */
    @Override
    public void handled() {
      ArrayList<AttemptTask> here = ANSWERING_HERE.get();
      if (here != null) {
        here.remove(this); // the empty list stays with the thread: no allocation per answer
      }
      if (toSettle.decrementAndGet() == 0) {
        settle(true);
      }
    }

    /** The attempt's thread returned from a deferred attempt: see {@link #toSettle}. */
    void finishedDeferred() {
      if ((phase.getAndUpdate(p -> p | THREAD_DONE) & ANSWER_ARRIVED) == 0) {
        awaitingAnswer.incrementAndGet();
        wakeIdleWaiters();
      }
      if (toSettle.decrementAndGet() == 0) {
        settle(false);
      }
    }

    /**
     * The attempt no longer counts as running. Settled by the Store's answer, after the attempt's
     * thread finished: with every worker counted, no claim round could take more meanwhile, so one
     * is asked for. Settled by the attempt's thread, it claims as it finishes, as usual.
     */
    private void settle(boolean byAnswer) {
      if (idled.compareAndSet(false, true)) {
        boolean wasFull = busy.getAndDecrement() >= workers;
        wakeIdleWaiters();
        if (wasFull && byAnswer) {
          requestPump(WORKER);
        }
      }
    }

    /** Set before cancelling when the worker executor refused the task. */
    boolean rejected;

    /**
     * Set by this attempt's own thread when it stopped claiming: see {@link
     * ClaimLoop#stoppedHere()}.
     */
    boolean stoppedHere;

    @Override
    protected void done() {
      if (isCancelled() && takeOwnership()) {
        // Cancelled before it started: nothing was sent, so hand the delivery back. Refused by the
        // worker executor, it is due again a little later, so that this dispatcher does not claim
        // it straight back into the same refusal; unless it is closing and claims nothing again:
        // then the next instance may send it at once.
        if (rejected && !closing) {
          runner.handBackLater(claimed, permit);
        } else {
          runner.handBack(claimed, permit);
        }
        finished(this);
      }
    }

    void finish() {
      finished(this);
    }
  }

  /** The attempt itself; a separate object because FutureTask wants a Runnable up front. */
  private final class AttemptBody implements Runnable {
    private final ClaimedDelivery claimed;
    private final Webhook webhook;
    private final EndpointHealth.Permit permit;

    /** The task running this body: set as the task is made, before it is handed to the executor. */
    @SuppressWarnings("NullAway.Init")
    private AttemptTask task;

    AttemptBody(ClaimedDelivery claimed, Webhook webhook, EndpointHealth.Permit permit) {
      this.claimed = claimed;
      this.webhook = webhook;
      this.permit = permit;
    }

    @Override
    public void run() {
      AttemptTask t = task;
      if (!t.takeOwnership()) {
        return;
      }
      RUNNING_HERE.set(t);
      try {
        // It may have waited in the worker executor's queue (a caller's executor with fewer threads
        // than workers): once its lease has run out, another claim may hold the delivery; and with
        // less than half of it left (as for a delivery waiting in its endpoint's queue, see
        // launch), the attempt could outlive it and be sent again by another claim meanwhile.
        if (claimed.lease().expiresAt().isBefore(clock.instant().plus(maxQueueWait))) {
          log.debug(
              "delivery waited for a worker thread until less than half its lease was left,"
                  + " released: webhook={} delivery={}",
              webhook.id(),
              claimed.delivery().id());
          runner.handBack(claimed, permit);
          return;
        }
        // The webhook may have changed since the claim (here or, through the Store's change feed,
        // on another instance): send as it is now, or not at all if it stopped receiving.
        Webhook current;
        try {
          current = webhooks.current(webhook.id());
        } catch (RuntimeException | Error e) {
          // From the Store (a webhook this view no longer knows) as it fails: handed back like a
          // delivery that cannot start, its breaker permit too. Thrown, it went to the worker
          // executor's future unlogged, and the delivery waited for its lease to expire. An Error
          // (a Store's LinkageError) goes on once the delivery is back.
          log.warn(
              "could not look up the webhook of a delivery about to be sent, released: webhook={}"
                  + " delivery={} error={}",
              webhook.id(),
              claimed.delivery().id(),
              e.toString());
          runner.handBack(claimed, permit);
          if (e instanceof Error error) {
            throw error;
          }
          return;
        }
        if (current == null || !current.receivesEvents()) {
          runner.handBack(claimed, permit);
          return;
        }
        attemptsStarted.incrementAndGet();
        t.deferred =
            runner.run(
                claimed,
                current.version() > webhook.version() ? current : webhook,
                permit,
                t::freeSlotKeepingError,
                t);
        Error slotError = t.slotError;
        if (slotError != null) {
          throw slotError; // this attempt is recorded (or with the Store to record) by now
        }
      } finally {
        RUNNING_HERE.set(null); // not remove(): set() would make a new map entry per attempt
        t.finish();
      }
    }
  }

  private void finished(AttemptTask task) {
    active.remove(task);
    Error slotError = null;
    try {
      task.freeSlot();
    } catch (Error e) {
      slotError = e; // the slot passed on and what waited was handed back (see launch)
    }
    if (task.deferred) {
      task.finishedDeferred();
    } else {
      task.idleOnce();
    }
    if (slotError != null) {
      throw slotError;
    }
    pumpOnThisThread();
  }

  /** One count of {@link #busy} less; wakes the waiters of {@link #awaitIdle}. */
  private void idled() {
    busy.decrementAndGet();
    wakeIdleWaiters();
  }

  /** Wakes the waiters of {@link #awaitIdle}, if any, to look at {@link #busy} again. */
  private void wakeIdleWaiters() {
    if (idleWaiters.get() > 0) {
      idleLock.lock();
      try {
        idle.signalAll();
      } finally {
        idleLock.unlock();
      }
    }
  }

  /**
   * Claims the next due deliveries on the calling worker thread, when no other pump runs: the task
   * it hands out is likely taken by this same thread as it returns to the pool, which saves two
   * thread hand-offs per delivery over asking the scheduler thread. Falls back to {@link
   * #requestPump()} when another pump holds the lock.
   */
  private void pumpOnThisThread() {
    if (closing || !started.get()) {
      return;
    }
    if (pumpLock.isHeldByCurrentThread()) {
      // Inside a round already (a task the worker executor refused finished on the round's own
      // thread): the lock is reentrant, and a round nested in a round would recurse.
      requestPump(WORKER);
    } else if (pumpLock.tryLock()) {
      try {
        claimWithBackoff(WORKER);
      } finally {
        pumpLock.unlock();
      }
    } else {
      requestPump(WORKER);
    }
  }

  // ---------------------------------------------------------------- waiting

  /**
   * How many of this loop's deliveries the calling thread holds: the attempt it runs (a callback on
   * a worker thread), and the Store answers it is handling (a listener told on the Store's thread).
   * A wait for idle on this thread cannot wait for them: they end only once it returns.
   */
  private int heldHere() {
    int held = 0;
    AttemptTask running = RUNNING_HERE.get();
    if (running != null && running.loop() == this) {
      held++;
    }
    ArrayList<AttemptTask> answering = ANSWERING_HERE.get();
    if (answering != null) {
      for (AttemptTask t : answering) {
        // Not twice for an answer told on the attempt's own thread (a stage completed meanwhile).
        if (t.loop() == this && t != running) {
          held++;
        }
      }
    }
    return held;
  }

  /**
   * Whether the calling thread is inside one of this loop's attempts or Store answers (a callback:
   * a listener, an observer), so that a wait for idle there waits for the other attempts only.
   *
   * @return true on a thread called back from inside an attempt or a Store answer of this loop
   */
  public boolean calledBackHere() {
    return heldHere() > 0;
  }

  /**
   * Whether no attempt runs, but those the calling thread cannot wait for: on a thread that holds
   * none ({@link #heldHere}), whether none runs at all and every outcome is recorded; on a thread
   * called back from inside an attempt or a Store answer, whether the other attempts have ended,
   * their outcomes recorded or left with the Store (the thread may be the one that answers them).
   *
   * @return true if idle, as far as the calling thread can wait for
   */
  public boolean idle() {
    return idle(heldHere());
  }

  private boolean idle(int held) {
    return held == 0 ? busy.get() <= 0 : busy.get() - awaitingAnswer.get() <= held;
  }

  /**
   * Waits until {@link #idle()}: until no attempt runs, or, on a thread called back from inside an
   * attempt or a Store answer (a listener or observer), until no other attempt runs.
   *
   * @param max how long to wait at most
   * @return true if idle; false on timeout or interrupt (the interrupt is kept)
   */
  public boolean awaitIdle(Duration max) {
    long nanos = max.toNanos();
    int held = heldHere();
    idleWaiters.incrementAndGet(); // before reading busy: see finished()
    idleLock.lock();
    try {
      while (!idle(held)) {
        if (nanos <= 0) {
          return false;
        }
        nanos = idle.awaitNanos(nanos);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      idleLock.unlock();
      idleWaiters.decrementAndGet();
    }
  }
}
