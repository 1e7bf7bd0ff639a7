package dev.hookline.delivery;

import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.WebhookChangeListener;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookNotFoundException;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.internal.AddressGuard;
import dev.hookline.delivery.internal.AttemptRunner;
import dev.hookline.delivery.internal.ClaimLoop;
import dev.hookline.delivery.internal.DispatcherThreads;
import dev.hookline.delivery.internal.EndpointHealth;
import dev.hookline.delivery.internal.EndpointSlots;
import dev.hookline.delivery.internal.HttpClients;
import dev.hookline.delivery.internal.HttpEndpointVerifier;
import dev.hookline.delivery.internal.HttpSender;
import dev.hookline.delivery.internal.Outbox;
import dev.hookline.delivery.internal.Threads;
import dev.hookline.delivery.internal.WebhookView;
import dev.hookline.delivery.internal.access.DispatcherAccess;
import dev.hookline.delivery.spi.NotificationFormat;
import dev.hookline.filter.Filters;
import dev.hookline.filter.SubscriptionIndex;
import dev.hookline.internal.DeliveryTotals;
import dev.hookline.internal.RegistryAccess;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.IdGenerator;
import dev.hookline.spi.Store;
import dev.hookline.spi.TransactionalStore;
import dev.hookline.spi.WebhookWatcher;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery engine: turns published events into signed HTTP notifications, at least once, with
 * retries, and keeps one failing endpoint from harming the others.
 *
 * <h2>Flow</h2>
 *
 * {@link #publish(Event)} matches the event against the webhooks' subscriptions and filters and
 * enqueues one delivery per matching webhook that is verified and enabled, atomically, in the
 * {@link Store} (the outbox). Workers claim due deliveries from the Store under a lease, sign them
 * (Standard Webhooks), {@code POST} them with {@code java.net.http} under a hard per-attempt
 * deadline, and record every attempt. A failed attempt is retried on the {@link RetrySchedule}; an
 * exhausted delivery becomes {@link DeliveryState#FAILED} and can be {@linkplain #redeliver
 * redelivered}. A {@code 410 Gone} answer disables the webhook.
 *
 * <h2>Running it</h2>
 *
 * {@link #start()} runs the workers in the background: they wake when an event is published and
 * poll the Store at {@link Builder#pollInterval} for work other instances enqueued. Without {@code
 * start()}, nothing is sent until {@link #runDueNow()} is called, which attempts everything due by
 * the dispatcher's clock and returns when those attempts are recorded: tests drive retries with a
 * manual clock this way, without sleeping.
 *
 * <h2>Isolation</h2>
 *
 * At most {@link Builder#perEndpointConcurrency} attempts run per webhook at once, and first
 * attempts and retries are claimed in separate lanes, so a slow or dead endpoint holds at most its
 * own slots and a backlog of retries never starves fresh events. The webhooks of one tenant hold at
 * most {@link Builder#perTenantConcurrency} deliveries together (by default a quarter of {@link
 * Builder#workers}), running or claimed and waiting behind their slots, so a tenant whose many
 * webhooks point at slow endpoints cannot take every worker from the other tenants.
 *
 * <h2>Threads and slow endpoints</h2>
 *
 * Each attempt runs on its own thread and waits there for its exchange, so an {@link
 * AttemptObserver} sees one thread from before the request until the outcome is known. At most
 * {@link Builder#workers} attempts are in flight at once, by default 1,000, so endpoints that take
 * hundreds of milliseconds to answer do not cap the rate at a few dozen deliveries per second
 * (1,000 in flight at 500 ms is up to 2,000 per second per dispatcher):
 *
 * <ul>
 *   <li>on JDK 21 and later, each attempt gets a virtual thread ({@link Builder#virtualThreads}, on
 *       by default), so waiting costs no platform thread;
 *   <li>on JDK 17, attempts run on platform threads, started only while every thread is busy (so
 *       fast endpoints keep a few) and, beyond 32, ended after a minute idle: up to {@code workers}
 *       threads while that many slow endpoints keep them waiting.
 * </ul>
 *
 * Raise {@link Builder#workers} for more in flight (up to 10,000), or lower it to bound the threads
 * and connections a dispatcher may hold. {@link Builder#perEndpointConcurrency} (default 4) keeps
 * one slow endpoint from taking more than its own slots, and {@link Builder#perTenantConcurrency}
 * one tenant's endpoints from taking more than their share.
 *
 * <p>Thread-safe. {@link #close()} stops claiming, lets running attempts finish up to {@link
 * Builder#shutdownTimeout}, releases the rest back to the Store and stops every thread the
 * dispatcher started (on JDK 17, whose {@code HttpClient} cannot be closed, the selector thread of
 * the client the dispatcher made for itself ends once the closed dispatcher is no longer
 * referenced); resources the caller passed in (HTTP client, scheduler, Store) stay open.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  static {
    // The lifecycle state and the registry are read by Hookline's own modules (the starter's
    // health indicator and registry bean) through a package delivery exports to them only, not
    // through this class's public API.
    DispatcherAccess.install(Dispatcher::state, d -> d.registry);
  }

  private final WebhookRegistry registry;
  private final Store store;
  private final Clock clock;
  private final String owner;
  private final HttpEndpointVerifier verifier;
  private final int workers;
  private final int perEndpointLimit;
  private final int perTenantLimit;
  private final Duration pollInterval;
  private final Duration reloadInterval;

  /** How often {@link #refreshWebhooks()} reads every webhook: once in this many. */
  private static final int FULL_RELOAD_EVERY = 10;

  /** The reloads {@link #refreshWebhooks()} has made. */
  private final AtomicLong backgroundReloads = new AtomicLong();

  private final Duration purgeInterval;
  private final Duration shutdownTimeout;

  /** Matches events and enqueues, requeues and purges their deliveries in the Store. */
  private final Outbox outbox;

  /** The worker pool, the scheduler and the HTTP client; those the caller did not pass, owned. */
  private final DispatcherThreads threads;

  private final AddressGuard addressGuard;

  /** The webhooks as this dispatcher knows them; kept current by the listener and reloads. */
  private final WebhookView webhooks;

  private final EndpointHealth health;

  /** Claims due deliveries and runs their attempts on the worker pool. */
  private final ClaimLoop claims;

  private final AtomicBoolean closed = new AtomicBoolean();

  /** Set as the first close() returns: the dispatcher has drained and stopped its threads. */
  private volatile boolean terminated;

  /** Held by start() throughout and by close() while it stops what start() set going. */
  private final Object lifecycle = new Object();

  /** Read-held by each background task's run; close() takes the write lock to wait for them. */
  private final ReentrantReadWriteLock backgroundRuns = new ReentrantReadWriteLock();

  private volatile Store.Watch watch = Store.Watch.NONE;

  /** How soon a change-feed lookup or resync that failed is made good by a reload. */
  private static final Duration FEED_RETRY = Duration.ofSeconds(1);

  /**
   * Set when a change-feed read or resync fails, cleared when one succeeds: an outage logs its
   * first failure at WARN and the rest at DEBUG, not a line (and a stack trace) per change
   * reported.
   */
  private final AtomicBoolean feedReadsFailing = new AtomicBoolean();

  /** Whether a resync is scheduled (see resyncLater): one at a time. */
  private final AtomicBoolean resyncScheduled = new AtomicBoolean();

  private volatile @Nullable ScheduledFuture<?> resyncTask;

  /**
   * Set by start(): from then on the periodic reload and the Store's feed keep the view current.
   */
  private volatile boolean background;

  /** When the view was last reloaded from the Store, by {@link #ticker}. */
  private volatile long reloadedAtNanos;

  /** Held by the one publishing thread that reloads a stale view (see reloadIfStale). */
  private final AtomicBoolean reloadingStale = new AtomicBoolean();

  /** Whether the last reload reloadIfStale tried failed, at {@link #staleFailedAtNanos}. */
  private volatile boolean staleReloadFailed;

  private volatile long staleFailedAtNanos;

  private final LongSupplier ticker;
  private final List<ScheduledFuture<?>> periodic = new CopyOnWriteArrayList<>();
  private final WebhookChangeListener changeListener;
  private final Map<WebhookFormat, NotificationFormat> formats;

  private Dispatcher(Builder b, WebhookRegistry registry) {
    this.registry = registry;
    this.store = RegistryAccess.stateChanges(registry).store();
    this.clock = b.clock != null ? b.clock : registry.clock();
    this.formats = Map.copyOf(b.formats);
    IdGenerator ids = b.ids;
    this.owner = ids.next("dsp");
    SubscriptionIndex index =
        b.index != null ? b.index : SubscriptionIndex.create(Filters.compiler());
    this.workers = b.workers;
    this.perEndpointLimit = b.perEndpointConcurrency;
    this.perTenantLimit =
        b.perTenantConcurrency != null
            ? b.perTenantConcurrency
            : Math.max(b.perEndpointConcurrency, b.workers / 4);
    this.pollInterval = b.pollInterval;
    this.reloadInterval = b.webhookReloadInterval;
    this.ticker = b.ticker;
    this.purgeInterval = b.purgeInterval;
    this.shutdownTimeout = b.shutdownTimeout;
    CircuitBreakerPolicy breaker = b.circuitBreaker;
    EndpointHealth health =
        new EndpointHealth(
            store,
            breaker.window(),
            breaker.minimumAttempts(),
            breaker.failureRate(),
            breaker.coolDown(),
            b.disableAfter);
    this.health = health;

    RetrySchedule defaultSchedule = b.retrySchedule;
    Function<? super Webhook, RetrySchedule> schedules =
        b.schedules != null ? b.schedules : w -> defaultSchedule;
    Duration longestTimeout = defaultSchedule.attemptTimeout();
    Duration leaseDuration =
        b.leaseDuration != null
            ? b.leaseDuration
            : longestTimeout.multipliedBy(4).plus(Duration.ofSeconds(10));
    if (leaseDuration.compareTo(longestTimeout.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException(
          "leaseDuration is "
              + leaseDuration
              + "; it must be at least twice the longest attempt timeout ("
              + longestTimeout
              + ")");
    }

    // The client's connect timeout is the longest deadline of any request sent through it: an
    // attempt's, which a per-webhook schedule may raise up to half the lease, or the handshake's.
    // Each request's own timeout covers its connect; set to the default schedule's attempt
    // timeout, the client cut the connects of longer attempts and of every handshake short.
    Duration halfLease = leaseDuration.dividedBy(2);
    Duration longestRequest =
        halfLease.compareTo(b.verificationTimeout) > 0 ? halfLease : b.verificationTimeout;
    // The lease is checked above, before the first thread is created.
    this.threads =
        new DispatcherThreads(
            b.httpClient, longestRequest, b.virtualThreads, workers, b.scheduler, b.workerExecutor);
    HttpClient client = threads.client();
    AddressGuard guard = new AddressGuard(registry.addressPolicy(), registry.hostResolver());
    this.addressGuard = guard;
    HttpSender sender = new HttpSender(client, b.maxResponseBytes, guard, threads.bodySweeper());
    this.verifier =
        HttpEndpointVerifier.create(
            client, b.verificationTimeout, Objects.requireNonNull(b.random), guard);

    this.outbox =
        new Outbox(
            store,
            index,
            ids,
            clock,
            b.maxPayloadBytes,
            b.retention,
            b.redeliveryPace,
            b.publishContext);
    // Behind each endpoint's slots wait up to 8 claimed deliveries per slot (at most 64), so a
    // slot goes straight to the next delivery as an exchange ends instead of waiting for a claim;
    // up to 64 per slot (at most 256) for an endpoint whose slots drain that many in an eighth of
    // the lease (a queued delivery is handed back once half its lease is gone).
    int queueLimit = Math.min(64, 8 * perEndpointLimit);
    EndpointSlots<ClaimedDelivery> slots =
        new EndpointSlots<>(
            perEndpointLimit,
            queueLimit,
            Math.max(queueLimit, Math.min(256, 64 * perEndpointLimit)),
            leaseDuration.dividedBy(8).toNanos(),
            perTenantLimit);
    AttemptObserver observer = b.observer;
    this.webhooks =
        new WebhookView(
            store,
            index,
            health,
            slots,
            this::requestPump,
            observer == null ? id -> {} : id -> tellDeleted(observer, id));
    this.changeListener = webhooks::onChange;
    AttemptRunner runner =
        new AttemptRunner(
            registry,
            store,
            clock,
            sender,
            health,
            b.listener,
            b.jitter,
            schedules,
            leaseDuration.dividedBy(2),
            formats,
            w -> FormatUnavailableException.message(w.id(), w.format()),
            b.observer);
    this.claims =
        new ClaimLoop(
            owner,
            store,
            clock,
            webhooks,
            slots,
            health,
            runner,
            threads.workerPool(),
            threads.scheduler(),
            workers,
            leaseDuration,
            pollInterval,
            b.ticker);
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  private void init() {
    reloadWebhooks();
    registry.addChangeListener(changeListener);
  }

  // ---------------------------------------------------------------- publishing

  /**
   * Enqueues one delivery of the event per matching webhook that is verified and enabled, in one
   * atomic Store write. Nothing is sent on the calling thread.
   *
   * @param event the event
   * @return what was enqueued (empty if no webhook wants the event)
   * @throws PayloadTooLargeException if the notification body exceeds the limit (nothing is
   *     enqueued)
   * @throws dev.hookline.EventConflictException if the event's id names a different event the Store
   *     keeps, of this or another tenant (nothing is enqueued)
   * @throws dev.hookline.EventValidationException if the event's {@code subject.tenant} is not one
   *     a webhook can have (1 to 128 characters {@code A-Z a-z 0-9 . _ : @ -}), or its {@code
   *     subject.user_id} or {@code subject.app_id} holds a control character
   * @throws IllegalStateException if the dispatcher is closed
   */
  public PublishResult publish(Event event) {
    Objects.requireNonNull(event, "event");
    return publish(List.of(event));
  }

  /**
   * Enqueues the deliveries of several events in one atomic Store write: all of them or none.
   *
   * @param events the events
   * @return what was enqueued
   * @throws PayloadTooLargeException if any event's body exceeds the limit (nothing is enqueued)
   * @throws dev.hookline.EventConflictException if an event's id names a different event, stored or
   *     in the list (nothing is enqueued)
   * @throws dev.hookline.EventValidationException if an event's subject breaks a rule of {@link
   *     #publish(Event)} (nothing is enqueued)
   * @throws IllegalStateException if the dispatcher is closed
   */
  public PublishResult publish(List<Event> events) {
    List<Event> batch = List.copyOf(events);
    requireOpen();
    reloadIfStale();
    // Deliveries this dispatcher can send now are claimed as they are enqueued, and handed to the
    // claim loop without a claim round trip; the rest wait for a claim round.
    List<Delivery> added = outbox.enqueue(batch, claims);
    for (Delivery d : added) {
      if (d.lease().isEmpty()) {
        claims.requestPumpForNewEvents();
        break;
      }
    }
    return new PublishResult(asEnqueued(added));
  }

  /** The deliveries as enqueued: those claimed on enqueue are shown queued, without the lease. */
  private static List<Delivery> asEnqueued(List<Delivery> added) {
    List<Delivery> out = new ArrayList<>(added.size());
    for (Delivery d : added) {
      out.add(
          d.lease().isEmpty()
              ? d
              : new Delivery(
                  d.id(),
                  d.webhookId(),
                  d.event(),
                  DeliveryState.PENDING,
                  d.attempts(),
                  d.nextAttemptAt(),
                  d.createdAt(),
                  d.updatedAt(),
                  Optional.empty(),
                  d.publishContext()));
    }
    return out;
  }

  /**
   * Enqueues the event's deliveries through the caller's JDBC connection, inside the caller's open
   * transaction (the transactional outbox): if the caller commits, the notifications go out; if it
   * rolls back, nothing does. Needs a {@link TransactionalStore} such as the PostgreSQL store. The
   * store neither commits, rolls back nor closes the connection. Workers see the deliveries once
   * the caller commits: at once where the Store says so through its change feed (the PostgreSQL
   * store notifies every dispatcher on the schema as the transaction commits), otherwise at their
   * next poll.
   *
   * @param connection the caller's connection to the store's database, normally with auto-commit
   *     off
   * @param event the event
   * @return what was enqueued (visible to workers once the caller commits)
   * @throws IllegalStateException if the dispatcher's Store is not a {@link TransactionalStore}, or
   *     the dispatcher is closed
   * @throws PayloadTooLargeException if the notification body exceeds the limit (nothing is
   *     enqueued)
   * @throws dev.hookline.EventConflictException if the event's id names a different event the Store
   *     keeps (what the call wrote is taken back; the caller's transaction may go on)
   * @throws dev.hookline.EventValidationException if the event's subject breaks a rule of {@link
   *     #publish(Event)} (nothing is written)
   */
  public PublishResult publish(Connection connection, Event event) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(event, "event");
    requireOpen();
    if (!(store instanceof TransactionalStore transactional)) {
      throw new IllegalStateException(
          "publish(Connection, Event) needs a TransactionalStore (such as the PostgreSQL store);"
              + " this dispatcher's store is a "
              + store.getClass().getName()
              + ", so use publish(Event)");
    }
    // No reloadIfStale() here: it would borrow a second connection while the caller holds one
    // inside its transaction (with a pool of one, a wait for the pool's timeout).
    List<Delivery> added = outbox.enqueue(transactional, connection, event);
    return new PublishResult(added);
  }

  /**
   * Sends a {@code webhook.test} event to one webhook only, through the normal outbox (signed,
   * retried, recorded).
   *
   * @param webhookId the webhook
   * @return the enqueued delivery
   * @throws WebhookNotFoundException if no webhook has that id
   * @throws IllegalStateException if the webhook is not verified and enabled, or the dispatcher is
   *     closed
   * @throws FormatUnavailableException if the webhook's format was not given to this dispatcher
   */
  public PublishResult sendTest(String webhookId) {
    Objects.requireNonNull(webhookId, "webhookId");
    requireOpen();
    Webhook w = registry.require(webhookId);
    requireFormat(w);
    if (!w.receivesEvents()) {
      throw new IllegalStateException(
          "Webhook '"
              + webhookId
              + "' does not receive notifications: it is "
              + w.status()
              + (w.enabled() ? " and enabled" : " and disabled")
              + "; verify and enable it first");
    }
    List<Delivery> added = outbox.enqueueTest(w);
    claims.requestPumpForNewEvents();
    return new PublishResult(added);
  }

  // ---------------------------------------------------------------- verification

  /**
   * Runs the verification handshake ({@code GET <uri>} with {@code X-Verification-Key}) and records
   * the result in the registry: {@code VERIFIED} on success; otherwise the webhook stays as it was,
   * with the reason recorded. Blocks for at most {@link Builder#verificationTimeout}.
   *
   * @param webhookId the webhook
   * @return the handshake's result
   * @throws WebhookNotFoundException if no webhook has that id
   * @throws FormatUnavailableException if the webhook's format was not given to this dispatcher
   */
  public VerificationResult startVerification(String webhookId) {
    Objects.requireNonNull(webhookId, "webhookId");
    Webhook w = registry.require(webhookId);
    requireFormat(w);
    // Counts only for the URI that answered, if the webhook moved while the handshake ran.
    return RegistryAccess.stateChanges(registry).recordVerification(w, verifier.verify(w));
  }

  /**
   * Refuses a webhook this dispatcher cannot write notifications for: checked before the handshake
   * (the step every webhook takes before it receives events) and before a test notification.
   */
  private void requireFormat(Webhook w) {
    if (w.format() != WebhookFormat.STANDARD_WEBHOOKS && !formats.containsKey(w.format())) {
      throw new FormatUnavailableException(w.id(), w.format());
    }
  }

  // ---------------------------------------------------------------- failed events, redelivery

  /**
   * Lists deliveries (with their attempt history) by webhook, state, creation time and event id.
   *
   * @param query the criteria
   * @return the matching deliveries, newest first
   */
  public List<Delivery> deliveries(DeliveryQuery query) {
    return store.findDeliveries(Objects.requireNonNull(query, "query"));
  }

  /**
   * Finds one delivery.
   *
   * @param deliveryId the delivery
   * @return the delivery, or empty
   */
  public Optional<Delivery> delivery(String deliveryId) {
    return store.findDelivery(Objects.requireNonNull(deliveryId, "deliveryId"));
  }

  /**
   * Counts one webhook's deliveries by state: total, succeeded, retrying, failed, ...
   *
   * @param webhookId the webhook
   * @return the counts
   */
  public DeliveryCounts summary(String webhookId) {
    return store.countDeliveries(Objects.requireNonNull(webhookId, "webhookId"));
  }

  /**
   * Counts the deliveries of every webhook this dispatcher knows, by state. The PostgreSQL store
   * counts them in one query (over the whole delivery table); any other Store is asked one {@link
   * #summary(String)} per webhook, as costly as that many Store queries. For gauges, read it
   * through a cache (as {@code hookline-micrometer} does), not on every scrape.
   *
   * @return the counts, summed over the webhooks
   */
  public DeliveryCounts summary() {
    return DeliveryTotals.count(store, webhooks.knownIds());
  }

  /**
   * Counts the endpoints whose circuit breaker in this dispatcher is open or half-open (breakers
   * are per instance).
   *
   * @return how many breakers are not closed
   */
  public int openCircuitBreakers() {
    return health.openBreakers();
  }

  /**
   * Returns a view of one tenant's deliveries, for code that serves that tenant: queries, counts
   * and redelivery limited to the deliveries to the tenant's webhooks. Through it, another tenant's
   * (or the host's) webhook or delivery looks exactly like one that does not exist.
   *
   * @param tenant the tenant, 1 to 128 characters {@code A-Z a-z 0-9 . _ : @ -}
   * @return the tenant's view
   * @throws IllegalArgumentException if the tenant is malformed
   */
  public TenantDeliveries forTenant(String tenant) {
    return new TenantDeliveries(this, registry.forTenant(tenant));
  }

  /**
   * Queues a finished delivery again, now, keeping its event id and attempt history; it gets a
   * fresh round of attempts on the retry schedule.
   *
   * @param deliveryId the delivery
   * @return true if requeued; false if it does not exist or is not finished (queued or in flight)
   */
  public boolean redeliver(String deliveryId) {
    Objects.requireNonNull(deliveryId, "deliveryId");
    Instant now = clock.instant();
    boolean requeued = store.requeue(deliveryId, now, now);
    if (requeued) {
      log.info("delivery requeued for redelivery: delivery={}", deliveryId);
      requestPump();
    }
    return requeued;
  }

  /**
   * Queues again every {@link DeliveryState#FAILED} delivery of one webhook created at or after
   * {@code since}, oldest first, spaced {@link Builder#redeliveryPace} apart so that a recovering
   * endpoint is not stampeded.
   *
   * @param webhookId the webhook
   * @param since the earliest creation time to include
   * @return how many deliveries were requeued
   */
  public int redeliverFailed(String webhookId, Instant since) {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(since, "since");
    int count = outbox.requeueFailed(webhookId, since);
    if (count > 0) {
      requestPump();
    }
    return count;
  }

  /**
   * Deletes finished deliveries older than the retention period ({@link Builder#retention}), in
   * batches. Runs periodically in background mode. Once {@link #close()} begins, it stops after the
   * batch in progress; the next purge deletes the rest.
   *
   * @return how many were deleted
   */
  public int purgeExpired() {
    return outbox.purgeExpired(closed::get);
  }

  // ---------------------------------------------------------------- running

  /**
   * Runs the workers in the background until {@link #close()}: they wake on {@link #publish}, and
   * poll the Store every {@link Builder#pollInterval}. Also reloads webhooks, and purges expired
   * deliveries and retired signing secrets (retired after their rotation overlap) periodically.
   * Calling it again does nothing.
   *
   * @return this dispatcher
   * @throws IllegalStateException if the dispatcher is closed
   */
  public Dispatcher start() {
    // Under the lifecycle monitor: a close() running at the same time either comes first (then
    // this throws) or waits until everything started here is in place, and stops it all. Without
    // it, a start() between close()'s check and its cancelling left the periodic tasks (on a
    // caller's scheduler, which close() does not shut down) and the Store's change feed running.
    synchronized (lifecycle) {
      startLocked();
    }
    return this;
  }

  private void startLocked() {
    requireOpen();
    if (claims.start()) {
      background = true;
      ScheduledExecutorService scheduler = threads.scheduler();
      periodic.add(
          scheduler.scheduleWithFixedDelay(
              this::requestPump, 0, pollInterval.toNanos(), TimeUnit.NANOSECONDS));
      periodic.add(
          scheduler.scheduleWithFixedDelay(
              () -> safely("webhook reload", this::refreshWebhooks),
              reloadInterval.toNanos(),
              reloadInterval.toNanos(),
              TimeUnit.NANOSECONDS));
      periodic.add(
          scheduler.scheduleWithFixedDelay(
              () -> {
                safely("purge", this::purgeExpired);
                // Signing secrets whose rotation overlap ended leave storage too.
                safely(
                    "retired signing secrets",
                    RegistryAccess.stateChanges(registry)::dropExpiredSigningSecrets);
              },
              purgeInterval.toNanos(),
              purgeInterval.toNanos(),
              TimeUnit.NANOSECONDS));
      // Other instances' webhook changes, as they commit (PostgreSQL: LISTEN/NOTIFY); the
      // periodic reload above stays as the safety net.
      watch =
          store.watchWebhooks(
              new WebhookWatcher() {
                @Override
                public void changed(String webhookId) {
                  safely(
                      "webhook change",
                      () -> {
                        Optional<Webhook> current;
                        try {
                          current = store.findWebhook(webhookId);
                        } catch (RuntimeException e) {
                          // Dropped, the change waited for the periodic reload (30 s by default):
                          // the feed still listens, so nothing else resyncs, and meanwhile this
                          // instance routed by, and sent to, the webhook as it was.
                          if (feedReadsFailing.compareAndSet(false, true)) {
                            log.warn(
                                "could not read a webhook the change feed reported changed;"
                                    + " reloading every webhook in {} (further failures are"
                                    + " logged at DEBUG until a read succeeds): webhook={}"
                                    + " error={}",
                                FEED_RETRY,
                                webhookId,
                                e.toString());
                          } else {
                            log.debug(
                                "could not read a webhook the change feed reported changed:"
                                    + " webhook={} error={}",
                                webhookId,
                                e.toString());
                          }
                          resyncLater(FEED_RETRY);
                          return;
                        }
                        feedReadsFailing.set(false);
                        webhooks.onChange(webhookId, current);
                      });
                }

                @Override
                public void resync() {
                  safely("webhook resync", () -> reloadOrRetry(FEED_RETRY));
                  // The feed was not listening: a transactional publish's wake-up sent meanwhile
                  // reached nobody, and its deliveries would wait for the next poll (an hour, for
                  // a host that relies on the wake-ups). Look for them now.
                  requestPump();
                }

                @Override
                public void deliveriesQueued() {
                  claims.requestPumpForNewEvents(); // a transactional publish committed
                }
              });
      log.info(
          "dispatcher started: owner={} workers={} threads={} perEndpointConcurrency={}"
              + " perTenantConcurrency={}",
          owner,
          workers,
          threads.kind(),
          perEndpointLimit,
          perTenantLimit);
    }
  }

  /**
   * Attempts every delivery due by the dispatcher's clock, and returns when those attempts (and any
   * that became due meanwhile) are recorded. For tests with a manual clock, and for hosts that
   * drive delivery from their own scheduler. Called from a callback of this dispatcher (a {@link
   * DeliveryListener}), it does not wait for the attempt it was called from, which cannot end
   * before it returns.
   *
   * @return how many attempts were started
   * @throws IllegalStateException if the dispatcher is closed
   */
  public int runDueNow() {
    requireOpen();
    reloadIfStale();
    long before = claims.attemptsStarted();
    while (!claims.closing()) {
      int claimed = claims.pump();
      if (claimed == 0 && claims.idle()) {
        break;
      }
      if (!claims.awaitIdle(Duration.ofDays(1))) {
        break; // interrupted
      }
    }
    return (int) (claims.attemptsStarted() - before);
  }

  /**
   * Reloads every webhook from the Store, so changes made by other instances sharing the Store show
   * here. Runs periodically in background mode; local changes through the registry show at once
   * without it.
   */
  public void reloadWebhooks() {
    long started = ticker.getAsLong();
    webhooks.reload();
    reloadedAtNanos = started;
  }

  /**
   * The reloads the dispatcher makes itself (periodic, before a publish when not started, after the
   * change feed reconnects): on a Store that lists webhook versions, only the webhooks that changed
   * are read in full, and every {@value #FULL_RELOAD_EVERY}th reads every webhook, for rows changed
   * in the database by hand without a new version. A full reload of 20,000 webhooks on PostgreSQL
   * read every row and decrypted every secret, seconds of CPU every 30 s per instance.
   */
  private void refreshWebhooks() {
    long started = ticker.getAsLong();
    if (backgroundReloads.incrementAndGet() % FULL_RELOAD_EVERY == 0) {
      webhooks.reload();
    } else {
      webhooks.refresh();
    }
    reloadedAtNanos = started;
  }

  /**
   * Before {@link #start()}, nothing keeps the view current but this process's own registry: no
   * periodic reload and no change feed. A dispatcher that is never started (it only publishes, or
   * its host drives delivery with {@link #runDueNow()}) routed by the webhooks it read when it was
   * built, so a webhook made or enabled on another instance never got its events. So, until
   * started, a publish or a run finding the view older than the reload interval reloads it first
   * (one caller at a time; the others go on with the view as it is). A failed reload is logged and
   * tried again by the first caller a second (at most the reload interval) later, not by every
   * caller meanwhile (each would read every webhook and log a stack trace). A transactional publish
   * does not reload (it would take a second connection while the caller holds one): a host that
   * only publishes that way and never starts the dispatcher calls {@link #reloadWebhooks()} itself.
   */
  private void reloadIfStale() {
    if (background) {
      return;
    }
    long now = ticker.getAsLong();
    if (now - reloadedAtNanos < reloadInterval.toNanos()
        || (staleReloadFailed
            && now - staleFailedAtNanos
                < Math.min(FEED_RETRY.toNanos(), reloadInterval.toNanos()))) {
      return; // fresh, or a reload failed a moment ago: not tried again by every publish
    }
    if (!reloadingStale.compareAndSet(false, true)) {
      return;
    }
    try {
      refreshWebhooks();
      staleReloadFailed = false;
    } catch (RuntimeException e) {
      staleFailedAtNanos = ticker.getAsLong();
      staleReloadFailed = true;
      log.warn("webhook reload before a publish failed; routing by the webhooks as last read", e);
    } finally {
      reloadingStale.set(false);
    }
  }

  /**
   * Stops claiming, lets running attempts finish up to the shutdown timeout, releases the rest to
   * the Store, and stops every thread the dispatcher started (on JDK 17, the selector thread of the
   * HTTP client it made for itself ends once this dispatcher is no longer referenced: that JDK's
   * {@code HttpClient} has no {@code close()}). Caller-owned resources stay open. Idempotent.
   *
   * <p>May be called from a callback of this dispatcher, such as a {@link DeliveryListener} or an
   * {@link AttemptObserver} ("stop sending when this happens"). It never waits for the attempt it
   * was called from, which cannot end before it returns: it stops claiming, waits up to the
   * shutdown timeout for the other attempts in flight (not for successes only waiting for the
   * Store's answer, which the calling thread may be the one to give), cuts off those still running,
   * and returns; the calling thread's worker ends once the callback returns. The calling attempt is
   * not lost: a listener is told only after its outcome is recorded; an observer's scope may be
   * told a success before it is recorded, and it is recorded on the calling thread once the
   * callback returns (the Store stays open); and an attempt whose observer's {@code beforeAttempt}
   * closed the dispatcher sends nothing and hands its delivery back to the Store, to be sent by the
   * next dispatcher that claims it.
   *
   * <p>Called again from an ordinary thread, once closed or while closing, it waits as the first
   * call does, up to the shutdown timeout, for the attempts in flight and their outcomes: a close()
   * called back from a callback did not wait for all of them, and the host's own close() after it
   * must not return before they are recorded. Called again from a callback, it returns at once.
   */
  @Override
  public void close() {
    boolean again;
    synchronized (lifecycle) { // see start()
      again = !closed.compareAndSet(false, true);
      if (!again) {
        claims.stopClaiming();
        watch.close();
        registry.removeChangeListener(changeListener);
        for (ScheduledFuture<?> f : periodic) {
          f.cancel(false);
        }
        ScheduledFuture<?> resync = resyncTask;
        if (resync != null) {
          resync.cancel(false);
        }
      }
    }
    if (again) {
      // Closed already, perhaps by a callback that did not wait for every outcome: from an ordinary
      // thread, wait for them (outside the lifecycle lock), as the first close() does there. Not
      // from a callback: the first close() may be another callback's, waiting for this attempt.
      if (!claims.calledBackHere()) {
        claims.awaitIdle(shutdownTimeout);
      }
      return;
    }
    // A reload or purge already running on a caller's scheduler (which is not shut down here), or
    // a change-feed callback, ends before close() returns.
    awaitBackgroundRuns();
    // A pump in progress finishes handing out what it claimed before we wait for the workers.
    claims.awaitPumpInProgress();
    boolean drained = claims.awaitIdle(shutdownTimeout);
    if (!drained) {
      log.warn(
          "dispatcher closing: {} attempts still running after {}; cutting them off and"
              + " releasing their deliveries",
          claims.busy(),
          shutdownTimeout);
      claims.cancelRunning();
      claims.awaitIdle(Duration.ofSeconds(5));
    }
    threads.shutdown();
    addressGuard.close();
    terminated = true;
    log.info("dispatcher closed: owner={}", owner);
  }

  /** Where this dispatcher is in its life, whoever started or closed it; see DispatcherAccess. */
  private DispatcherAccess.State state() {
    if (closed.get()) {
      return terminated ? DispatcherAccess.State.CLOSED : DispatcherAccess.State.CLOSING;
    }
    return background ? DispatcherAccess.State.RUNNING : DispatcherAccess.State.NOT_STARTED;
  }

  // ---------------------------------------------------------------- internals

  /**
   * Runs a background task (a periodic one, or a change-feed callback), unless the dispatcher is
   * closed; close() waits for the runs in progress, so that none outlives it on a caller's
   * scheduler or on the feed's thread.
   */
  private void safely(String what, Runnable task) {
    Lock run = backgroundRuns.readLock();
    if (!run.tryLock()) {
      return; // close() holds the write lock: closed
    }
    try {
      if (closed.get()) {
        return;
      }
      task.run();
    } catch (RuntimeException | Error e) {
      // An Error too (a LinkageError from a Store's driver, say): thrown to the scheduler, it ended
      // a periodic task for good (the reload, the purge), without a line in the log. Only the
      // JVM's own errors go on.
      Threads.rethrowIfFatal(e);
      log.error("dispatcher background task failed: task={}", what, e);
    } finally {
      run.unlock();
    }
  }

  /**
   * Reloads every webhook; if that fails, tries again after {@code retryIn} (a resync the change
   * feed asked for, or one standing in for a change it told of, is not left to the periodic
   * reload).
   */
  private void reloadOrRetry(Duration retryIn) {
    try {
      refreshWebhooks();
      feedReadsFailing.set(false);
    } catch (RuntimeException e) {
      resyncLater(retryIn);
      if (feedReadsFailing.compareAndSet(false, true)) {
        log.warn(
            "webhook reload for the change feed failed; trying again in {} (further failures are"
                + " logged at DEBUG until a read succeeds)",
            retryIn,
            e);
      } else {
        log.debug("webhook reload for the change feed failed: error={}", e.toString());
      }
    }
  }

  /** Schedules one resync after {@code delay} unless one is scheduled; backs off if it fails. */
  private void resyncLater(Duration delay) {
    if (closed.get() || !resyncScheduled.compareAndSet(false, true)) {
      return;
    }
    Duration next = delay.multipliedBy(2);
    Duration retryIn = next.compareTo(reloadInterval) < 0 ? next : reloadInterval;
    try {
      resyncTask =
          threads
              .scheduler()
              .schedule(
                  () -> {
                    resyncScheduled.set(false);
                    safely("webhook resync", () -> reloadOrRetry(retryIn));
                  },
                  delay.toNanos(),
                  TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      resyncScheduled.set(false); // the scheduler is shutting down: so is the dispatcher
    }
  }

  /** Waits, bounded, for the background tasks still running as close() began (see safely). */
  private void awaitBackgroundRuns() {
    if (backgroundRuns.getReadHoldCount() > 0) {
      return; // close() called from inside one of them: it cannot wait for itself
    }
    Duration bound = shutdownTimeout.plusSeconds(5);
    Lock all = backgroundRuns.writeLock();
    try {
      if (all.tryLock(bound.toNanos(), TimeUnit.NANOSECONDS)) {
        all.unlock();
      } else {
        log.warn("dispatcher closing: a background task still runs after {}", bound);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException("This Dispatcher is closed");
    }
  }

  /** Tells the observer a webhook was deleted; an observer that throws is logged, not fatal. */
  private static void tellDeleted(AttemptObserver observer, String webhookId) {
    try {
      observer.webhookDeleted(webhookId);
    } catch (RuntimeException | Error e) {
      // An Error too (a LinkageError from a metrics library of another version): thrown, it
      // reached the caller of WebhookRegistry.delete, or cut a reload short and, on the
      // scheduler, stopped the periodic reload for good. Only the JVM's own errors propagate.
      Threads.rethrowIfFatal(e);
      log.warn(
          "attempt observer failed on a deleted webhook: webhook={} observer={}",
          webhookId,
          observer.getClass().getName(),
          e);
    }
  }

  /** Asks the claim loop for a round (in background mode): there may be work. */
  private void requestPump() {
    claims.requestPump();
  }

  @Override
  public String toString() {
    return "Dispatcher[owner=" + owner + ", workers=" + workers + ", busy=" + claims.busy() + "]";
  }

  // ---------------------------------------------------------------- builder

  /** Builds a {@link Dispatcher}. Not thread-safe. */
  public static final class Builder {
    private @Nullable WebhookRegistry registry;
    private @Nullable SubscriptionIndex index;
    private @Nullable HttpClient httpClient;
    private @Nullable Clock clock;
    private @Nullable ScheduledExecutorService scheduler;
    private @Nullable SecureRandom random;
    private IdGenerator ids = IdGenerator.secureRandom();
    private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();
    private RetrySchedule retrySchedule = RetrySchedule.defaults();
    private @Nullable Function<? super Webhook, RetrySchedule> schedules;
    private @Nullable Executor workerExecutor;
    private CircuitBreakerPolicy circuitBreaker = CircuitBreakerPolicy.defaults();
    private DeliveryListener listener = DeliveryListener.none();
    private @Nullable AttemptObserver observer;
    private @Nullable PublishContextCapturer publishContext;
    private int workers = 1_000;
    private int perEndpointConcurrency = 4;
    private @Nullable Integer perTenantConcurrency;
    private int maxPayloadBytes = 256 * 1024;
    private int maxResponseBytes = Attempt.MAX_BODY_CHARS;
    private Duration retention = Duration.ofDays(7);
    private Duration redeliveryPace = Duration.ofMillis(100);
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration disableAfter = Duration.ofDays(5);
    private Duration webhookReloadInterval = Duration.ofSeconds(30);
    private Duration purgeInterval = Duration.ofHours(1);
    private Duration shutdownTimeout = Duration.ofSeconds(5);
    private Duration verificationTimeout = Duration.ofSeconds(5);
    private @Nullable Duration leaseDuration;
    private boolean virtualThreads = true;
    private final Map<WebhookFormat, NotificationFormat> formats =
        new EnumMap<>(WebhookFormat.class);

    /** Monotonic nanoseconds for back-off timing; the one place the system ticker is chosen. */
    private LongSupplier ticker = System::nanoTime;

    private Builder() {}

    /**
     * Sets the registry; the dispatcher uses its Store and (unless {@link #clock} is set) its
     * clock, and listens to its changes. Required.
     *
     * @param registry the registry
     * @return this builder
     */
    public Builder registry(WebhookRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Sets the subscription index. Default: a new index over the filters module's compiler.
     *
     * @param index the index
     * @return this builder
     */
    public Builder subscriptionIndex(SubscriptionIndex index) {
      this.index = Objects.requireNonNull(index, "index");
      return this;
    }

    /**
     * Sets a caller-owned HTTP client, which must not follow redirects; the dispatcher never closes
     * it. Default: a client the dispatcher creates and closes.
     *
     * @param client the client
     * @return this builder
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * Sets the clock for due times and attempt records. Default: the registry's clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets a caller-owned scheduler for background work (claiming, polling, webhook reloads,
     * purging); it should have one thread or more, should not be kept busy by long tasks (they
     * delay claims) and is never shut down by the dispatcher. Response bodies' deadlines are
     * watched on a thread of the dispatcher's own, whatever this scheduler does. Default: a single
     * daemon thread the dispatcher owns.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Sets the jitter source: returns numbers in {@code [0, 1)}. Default: {@link
     * ThreadLocalRandom}. Must be thread-safe.
     *
     * @param jitter the source
     * @return this builder
     */
    public Builder jitter(DoubleSupplier jitter) {
      this.jitter = Objects.requireNonNull(jitter, "jitter");
      return this;
    }

    /**
     * Sets the source of verification challenge keys. Default: a new {@link SecureRandom}.
     *
     * @param random the source
     * @return this builder
     */
    public Builder secureRandom(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Sets the id generator for deliveries and test events. Default: {@link
     * IdGenerator#secureRandom()}.
     *
     * @param ids the generator
     * @return this builder
     */
    public Builder idGenerator(IdGenerator ids) {
      this.ids = Objects.requireNonNull(ids, "ids");
      return this;
    }

    /**
     * Sets the retry schedule (and per-attempt timeout) for every webhook without its own. Default:
     * {@link RetrySchedule#defaults()}.
     *
     * @param schedule the schedule
     * @return this builder
     */
    public Builder retrySchedule(RetrySchedule schedule) {
      this.retrySchedule = Objects.requireNonNull(schedule, "schedule");
      return this;
    }

    /**
     * Chooses each webhook's retry schedule (and per-attempt timeout), for webhooks that exist now
     * or are created later, for example by tenant or by a setting the host keeps. Called before
     * each attempt, on a worker thread: it must be fast, thread-safe and not throw. A schedule
     * whose attempt timeout is longer than half the {@link #leaseDuration} is cut to that (raise
     * the lease for longer timeouts). Default: every webhook uses {@link #retrySchedule}.
     *
     * @param perWebhook the schedule for a webhook
     * @return this builder
     */
    public Builder retrySchedules(Function<? super Webhook, RetrySchedule> perWebhook) {
      this.schedules = Objects.requireNonNull(perWebhook, "perWebhook");
      return this;
    }

    /**
     * Runs attempts on a caller-owned executor instead of the dispatcher's own worker threads. The
     * dispatcher still runs at most {@link #workers} attempts at once, each blocking its thread for
     * its whole exchange, and does not shut the executor down on {@link Dispatcher#close()}.
     * Default: threads the dispatcher creates and stops ({@link #virtualThreads virtual threads} on
     * JDK 21+, or up to {@link #workers} platform threads).
     *
     * @param executor runs each attempt; must not run it on the calling thread
     * @return this builder
     */
    public Builder workerExecutor(Executor executor) {
      this.workerExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Sets the listener told about attempts and failures. Default: none.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(DeliveryListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Sets the observer of every attempt, for tracing and metrics (see {@link AttemptObserver} for
     * its threading rules); combine several with {@link AttemptObserver#composite}. Default: none,
     * and then no observation work is done.
     *
     * @param observer the observer
     * @return this builder
     */
    public Builder attemptObserver(AttemptObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /**
     * Sets what is captured on the publishing thread and kept with each delivery of the event, such
     * as the current trace's {@code traceparent}: attempts see it as {@link
     * AttemptRequest#publishContext()}. Not called by {@link Dispatcher#sendTest}. Default: none.
     *
     * @param capturer the capturer
     * @return this builder
     */
    public Builder publishContext(PublishContextCapturer capturer) {
      this.publishContext = Objects.requireNonNull(capturer, "capturer");
      return this;
    }

    /**
     * Sets how many attempts may be in flight at once in total, each on its own thread (a virtual
     * thread on JDK 21+; on JDK 17 a platform thread, started when needed and, beyond the first 32,
     * ended after a minute idle). The default suits endpoints that answer in hundreds of
     * milliseconds: the rate is at most {@code count} divided by the endpoints' response time.
     *
     * @param count 1 to 10,000; default 1,000
     * @return this builder
     */
    public Builder workers(int count) {
      this.workers = count;
      return this;
    }

    /**
     * Sets how many attempts may run at once against one webhook.
     *
     * @param limit 1 to 1,000; default 4
     * @return this builder
     */
    public Builder perEndpointConcurrency(int limit) {
      this.perEndpointConcurrency = limit;
      return this;
    }

    /**
     * Sets how many deliveries the webhooks of one tenant may hold at once, together: attempts
     * running and deliveries claimed and waiting behind their endpoints' slots (up to 8 per slot;
     * up to 64 for an endpoint that answers fast). A tenant at its limit gets no more until one of
     * its deliveries lets go of its share: as its exchange with the endpoint ends (before the
     * outcome is written to the Store), or as it is handed back to the Store unsent. The other
     * tenants' webhooks, and webhooks without a tenant (the host's own), go on. This keeps one
     * tenant whose many webhooks point at slow or dead endpoints from taking every worker.
     *
     * @param limit 1 to 10,000; default a quarter of {@link #workers} (250 of the default 1,000),
     *     but not below {@link #perEndpointConcurrency}
     * @return this builder
     */
    public Builder perTenantConcurrency(int limit) {
      this.perTenantConcurrency = limit;
      return this;
    }

    /**
     * Sets the largest notification body {@link Dispatcher#publish} accepts.
     *
     * @param bytes 1 KiB to 16 MiB; default 256 KiB
     * @return this builder
     */
    public Builder maxPayloadBytes(int bytes) {
      this.maxPayloadBytes = bytes;
      return this;
    }

    /**
     * Sets how many bytes of an endpoint's response body are read for the attempt record, which
     * keeps at most {@link Attempt#MAX_BODY_CHARS} characters of them (a UTF-8 character takes up
     * to 4 bytes, so reading more than 4 times that would only be thrown away).
     *
     * @param bytes 0 to 16384; default 4096
     * @return this builder
     */
    public Builder maxResponseBytes(int bytes) {
      this.maxResponseBytes = bytes;
      return this;
    }

    /**
     * Sets how long finished deliveries are kept before {@link Dispatcher#purgeExpired()} deletes
     * them.
     *
     * @param retention 1 minute to 3,650 days; default 7 days
     * @return this builder
     */
    public Builder retention(Duration retention) {
      this.retention = Objects.requireNonNull(retention, "retention");
      return this;
    }

    /**
     * Sets the spacing between deliveries requeued by {@link Dispatcher#redeliverFailed}.
     *
     * @param pace zero to 1 hour; default 100 ms (10 per second)
     * @return this builder
     */
    public Builder redeliveryPace(Duration pace) {
      this.redeliveryPace = Objects.requireNonNull(pace, "pace");
      return this;
    }

    /**
     * Sets each endpoint's circuit breaker policy. Default: {@link
     * CircuitBreakerPolicy#defaults()}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder circuitBreaker(CircuitBreakerPolicy policy) {
      this.circuitBreaker = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets how long an endpoint may fail without a single success before its webhook becomes {@code
     * DISABLED_BY_FAILURE} (its queued deliveries are kept; re-enabling resets its health).
     * Default: 5 days.
     *
     * @param period the period, 1 minute to 3,650 days
     * @return this builder
     */
    public Builder disableAfter(Duration period) {
      Objects.requireNonNull(period, "period");
      range("disableAfter", period, Duration.ofMinutes(1), Duration.ofDays(3650));
      this.disableAfter = period;
      return this;
    }

    /**
     * Sets how often background mode looks for due deliveries it was not woken for (retries coming
     * due, events other instances enqueued).
     *
     * @param interval 1 ms to 1 hour; default 1 s
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Sets how often background mode reloads webhooks from the Store. A Store with a change feed
     * (PostgreSQL: {@code LISTEN}/{@code NOTIFY}) brings other instances' changes at once; the
     * reload is the safety net for one without, or while the feed is down. On Hookline's PostgreSQL
     * Store a reload reads every webhook's id and version and, in full, only the webhooks that
     * changed; one in ten reads every webhook, as {@link Dispatcher#reloadWebhooks()} does.
     *
     * @param interval 1 ms to 1 day; default 30 s
     * @return this builder
     */
    public Builder webhookReloadInterval(Duration interval) {
      this.webhookReloadInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Sets how often background mode purges expired deliveries.
     *
     * @param interval 1 ms to 1 day; default 1 hour
     * @return this builder
     */
    public Builder purgeInterval(Duration interval) {
      this.purgeInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Sets how long {@link Dispatcher#close()} lets running attempts finish.
     *
     * @param timeout zero to 10 min; default 5 s
     * @return this builder
     */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets the deadline of the verification handshake.
     *
     * @param timeout 1 ms to 5 min; default 5 s
     * @return this builder
     */
    public Builder verificationTimeout(Duration timeout) {
      this.verificationTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets how long a claim lasts before another instance may take the delivery over. Default: 4
     * times the longest attempt timeout plus 10 s; at least twice the longest attempt timeout.
     *
     * @param lease the lease duration, at most 1 day
     * @return this builder
     */
    public Builder leaseDuration(Duration lease) {
      Objects.requireNonNull(lease, "lease");
      range("leaseDuration", lease, Duration.ofMillis(1), Duration.ofDays(1));
      this.leaseDuration = lease;
      return this;
    }

    /**
     * Runs attempts on virtual threads, one per attempt, when the JVM has them (JDK 21+); ignored
     * on older JVMs, which use platform threads (see {@link #workers}). Default: on.
     *
     * @param on whether to use virtual threads
     * @return this builder
     */
    public Builder virtualThreads(boolean on) {
      this.virtualThreads = on;
      return this;
    }

    /**
     * Sets the monotonic nanosecond source the claim loop times its back-off with (the contract of
     * {@link System#nanoTime()}). For tests in this package; users have no reason to change it.
     *
     * @param ticker the source; must be thread-safe
     * @return this builder
     */
    Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Adds the implementation of a notification format besides the built-in Standard Webhooks one,
     * such as the {@code hookline-set} module's Security Event Token format. A webhook in a format
     * the dispatcher lacks is refused by {@link Dispatcher#startVerification} and {@link
     * Dispatcher#sendTest} ({@link FormatUnavailableException}), and each of its attempts fails
     * with an internal error saying so. A second implementation of the same format replaces the
     * first.
     *
     * @param format the implementation
     * @return this builder
     * @throws IllegalArgumentException for {@link WebhookFormat#STANDARD_WEBHOOKS}, which is built
     *     in
     */
    public Builder notificationFormat(NotificationFormat format) {
      Objects.requireNonNull(format, "format");
      WebhookFormat which = Objects.requireNonNull(format.format(), "format.format()");
      if (which == WebhookFormat.STANDARD_WEBHOOKS) {
        throw new IllegalArgumentException(
            "the STANDARD_WEBHOOKS format is built in and cannot be replaced");
      }
      formats.put(which, format);
      return this;
    }

    /**
     * Validates the settings and builds the dispatcher (not yet {@linkplain Dispatcher#start()
     * started}); loads the webhooks from the Store.
     *
     * @return the dispatcher
     * @throws IllegalStateException if no registry was set
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public Dispatcher build() {
      WebhookRegistry r = registry;
      if (r == null) {
        throw new IllegalStateException("Dispatcher needs a registry: call registry(...)");
      }
      range("workers", workers, 1, 10_000);
      range("perEndpointConcurrency", perEndpointConcurrency, 1, 1_000);
      if (perTenantConcurrency != null) {
        range("perTenantConcurrency", perTenantConcurrency, 1, 10_000);
      }
      range("maxPayloadBytes", maxPayloadBytes, 1024, 16 * 1024 * 1024);
      range("maxResponseBytes", maxResponseBytes, 0, 4 * Attempt.MAX_BODY_CHARS);
      range("retention", retention, Duration.ofMinutes(1), Duration.ofDays(3650));
      range("redeliveryPace", redeliveryPace, Duration.ZERO, Duration.ofHours(1));
      range("pollInterval", pollInterval, Duration.ofMillis(1), Duration.ofHours(1));
      range(
          "webhookReloadInterval", webhookReloadInterval, Duration.ofMillis(1), Duration.ofDays(1));
      range("purgeInterval", purgeInterval, Duration.ofMillis(1), Duration.ofDays(1));
      range("shutdownTimeout", shutdownTimeout, Duration.ZERO, Duration.ofMinutes(10));
      range(
          "verificationTimeout", verificationTimeout, Duration.ofMillis(1), Duration.ofMinutes(5));
      HttpClient client = httpClient;
      if (client != null) {
        HttpClients.requireNoRedirects(client, "httpClient");
      }
      if (random == null) {
        random = new SecureRandom();
      }
      Dispatcher d = new Dispatcher(this, r);
      try {
        d.init();
      } catch (RuntimeException e) {
        d.close();
        throw e;
      }
      return d;
    }

    private static void range(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(
            name + " is " + value + "; it must be " + min + " to " + max);
      }
    }

    private static void range(String name, Duration value, Duration min, Duration max) {
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            name
                + " is "
                + readable(value)
                + "; it must be "
                + readable(min)
                + " to "
                + readable(max));
      }
    }

    /** A duration as people write it: {@code 1ms}, {@code 2m30s}, {@code 3650d}. */
    static String readable(Duration d) {
      if (d.isZero()) {
        return "0s";
      }
      if (d.isNegative()) {
        return d.toString(); // no period a setting takes is negative; keep the exact value
      }
      StringBuilder out = new StringBuilder();
      part(out, d.toDaysPart(), "d");
      part(out, d.toHoursPart(), "h");
      part(out, d.toMinutesPart(), "m");
      part(out, d.toSecondsPart(), "s");
      part(out, d.toMillisPart(), "ms");
      part(out, d.toNanosPart() % 1_000_000, "ns");
      return out.toString();
    }

    private static void part(StringBuilder out, long amount, String unit) {
      if (amount != 0) {
        out.append(amount).append(unit);
      }
    }
  }
}
