package dev.hookline.delivery.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.ErrorKind;
import dev.hookline.SigningSecret;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookNotFoundException;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.delivery.WebhookSigner;
import dev.hookline.delivery.spi.NotificationFormat;
import dev.hookline.delivery.spi.RenderedNotification;
import dev.hookline.internal.RegistryAccess;
import dev.hookline.spi.ClaimedDelivery;
import dev.hookline.spi.Lease;
import dev.hookline.spi.Store;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delivery attempt, from the claimed delivery to its record in the Store: signs the event,
 * builds the request (refusing, without quoting it, an API key that is not a valid header value),
 * sends it under the schedule's deadline, then completes, reschedules (on the {@link
 * RetrySchedule}, with jitter and {@code Retry-After}) or fails the delivery, tells the endpoint's
 * health and the {@link DeliveryListener}, and disables the webhook of an endpoint that answered
 * {@code 410 Gone} or has failed for {@link Dispatcher.Builder#disableAfter}. A delivery not
 * attempted (shutdown, a local reason, an error inside Hookline) is released back to the Store.
 *
 * <p>Logs as {@link Dispatcher}. Thread-safe: holds only immutable settings and thread-safe
 * collaborators; many workers run attempts through one instance at once.
 */
public final class AttemptRunner {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private static final String USER_AGENT = "Hookline/" + Version.get();
  private static final Duration INTERNAL_ERROR_BACKOFF = Duration.ofMinutes(1);

  /** How soon a delivery not attempted for a local reason (see SendOutcome#notSent) is due. */
  private static final Duration LOCAL_RETRY = Duration.ofSeconds(5);

  private final WebhookRegistry registry;
  private final Store store;
  private final Clock clock;
  private final HttpSender sender;
  private final EndpointHealth health;
  private final DeliveryListener listener;
  private final DoubleSupplier jitter;
  private final Function<? super Webhook, RetrySchedule> schedules;
  private final Duration maxAttemptTimeout;
  private final Map<WebhookFormat, NotificationFormat> formats;
  private final Function<Webhook, String> missingFormat;

  /**
   * The version of each webhook whose cut attempt timeout was last logged at WARN (see {@link
   * #scheduleFor}); bounded, so webhooks deleted long ago do not stay: one evicted is warned about
   * once more.
   */
  private final Cache<String, Long> cutWarned = Caffeine.newBuilder().maximumSize(10_000).build();

  /** Null when none is set: then no observation work at all is done. */
  private final @Nullable AttemptObserver observer;

  /**
   * What the claim loop is told of a successful outcome left with the Store to answer later (see
   * {@link #run}).
   */
  public interface Answered {
    /**
     * The Store's answer arrived: the listener is told on the calling thread, until {@link
     * #handled()}.
     */
    void arrived();

    /** The answer was handled: the attempt is all done. */
    void handled();

    /**
     * How the exchange with the endpoint ended, told on the attempt's thread before {@code
     * exchangeEnded} runs; not told when nothing was sent (a failure inside Hookline).
     *
     * @param answered true if the endpoint answered with an HTTP status (any), false if the attempt
     *     timed out or the connection was refused or broken
     */
    default void exchanged(boolean answered) {}
  }

  /**
   * Whether a success the Store could not record was logged at ERROR since one was last recorded:
   * while the database is down every success in flight fails so, and one line tells the outage (the
   * rest go to DEBUG) instead of one stack trace per delivery.
   */
  private final AtomicBoolean unrecordedLogged = new AtomicBoolean();

  /** Likewise for hand-backs the Store failed (WARN once per streak). */
  private final AtomicBoolean releaseFailureLogged = new AtomicBoolean();

  /** Likewise for failed attempts the Store could not record (see recordFailure). */
  private final AtomicBoolean failureUnrecordedLogged = new AtomicBoolean();

  private static final AttemptResult NOT_ATTEMPTED =
      new AttemptResult(
          AttemptResult.Outcome.NOT_ATTEMPTED,
          OptionalInt.empty(),
          Optional.empty(),
          Duration.ZERO,
          Optional.empty(),
          false);

  /** An attempt that close() cut off: the request may have gone out, no answer came. */
  private static final AttemptResult CUT_OFF =
      new AttemptResult(
          AttemptResult.Outcome.NOT_ATTEMPTED,
          OptionalInt.empty(),
          Optional.of(ErrorKind.CANCELLED),
          Duration.ZERO,
          Optional.empty(),
          false);

  public AttemptRunner(
      WebhookRegistry registry,
      Store store,
      Clock clock,
      HttpSender sender,
      EndpointHealth health,
      DeliveryListener listener,
      DoubleSupplier jitter,
      Function<? super Webhook, RetrySchedule> schedules,
      Duration maxAttemptTimeout,
      Map<WebhookFormat, NotificationFormat> formats,
      Function<Webhook, String> missingFormat,
      @Nullable AttemptObserver observer) {
    this.formats = Map.copyOf(formats);
    this.missingFormat = missingFormat;
    this.registry = registry;
    this.store = store;
    this.clock = clock;
    this.sender = sender;
    this.health = health;
    this.listener = listener;
    this.jitter = jitter;
    this.schedules = schedules;
    this.maxAttemptTimeout = maxAttemptTimeout;
    this.observer = observer;
  }

  /**
   * Runs one attempt on the calling worker thread; an error inside Hookline releases the delivery
   * for a later try instead of failing it.
   *
   * @param exchangeEnded run once the endpoint has answered (or failed) and its health was told,
   *     before the outcome is written to the Store, so the endpoint's slot can go to its next
   *     delivery while the outcome is recorded; not run when the attempt was not made, nor after a
   *     {@code 410 Gone} (the slot is freed once the webhook is disabled)
   * @param answered told once, on the thread the Store answers on, if this returns true: {@link
   *     Answered#arrived()} before the listener is told, {@link Answered#handled()} after
   * @return true if a successful outcome was handed to the Store to be answered later ({@link
   *     Store#completeAsync}): {@code answered} then runs once it is answered (perhaps already),
   *     and the listener is told then, while the observer's scope (if any) was told {@code
   *     SUCCEEDED} before this returned; false if the attempt is all done (and {@code answered}
   *     never runs)
   */
  public boolean run(
      ClaimedDelivery claimed,
      Webhook webhook,
      EndpointHealth.Permit permit,
      Runnable exchangeEnded,
      Answered answered) {
    Answer answer = new Answer(answered);
    AttemptObserver o = observer;
    if (o == null) {
      runGuarded(claimed, webhook, permit, null, exchangeEnded, answer);
      return answer.deferred;
    }
    ObservedAttempt observed =
        new ObservedAttempt(claimed.delivery(), webhook, claimed.delivery().attemptCount() + 1);
    AttemptObserver.Scope scope = begin(o, observed);
    answer.scope = scope;
    AttemptResult result = NOT_ATTEMPTED;
    try {
      result = runGuarded(claimed, webhook, permit, observed, exchangeEnded, answer);
    } finally {
      endScope(answer, result);
      Runnable passOn = answer.exchangeEndedAfterScope;
      if (passOn != null) {
        passOn.run();
      }
      List<Consumer<DeliveryListener>> told = answer.afterScope;
      if (told != null) {
        told.forEach(this::notify);
      }
    }
    return answer.deferred;
  }

  /**
   * Whether an attempt's successful outcome was left for the Store to answer later, and what runs
   * then. {@code deferred} is read and written by the attempt's thread only.
   */
  private static final class Answer {
    final Answered answered;
    boolean deferred;

    /** The observer's scope, if any, until it was told the outcome. */
    AttemptObserver.@Nullable Scope scope;

    /** What the exchange came to, once the request was sent: kept if recording it fails. */
    @Nullable SendOutcome sent;

    /** The endpoint's slot passing on, held until the observer's scope has ended. */
    @Nullable Runnable exchangeEndedAfterScope;

    /** Listener calls made while the scope was open, to make once it has ended. */
    @Nullable List<Consumer<DeliveryListener>> afterScope;

    Answer(Answered answered) {
      this.answered = answered;
    }
  }

  private static AttemptObserver.@Nullable Scope begin(
      AttemptObserver o, ObservedAttempt observed) {
    try {
      return o.beforeAttempt(observed);
    } catch (RuntimeException | Error e) {
      // An Error too (a LinkageError from a mismatched tracing library, say): an observer must
      // never keep an attempt from being made or recorded.
      Threads.rethrowIfFatal(e);
      log.warn("attempt observer failed: observer={}", o.getClass().getName(), e);
      return null;
    } finally {
      observed.seal();
    }
  }

  /** Tells the observer's scope the outcome, once: before a success is handed to the Store. */
  private void endScope(Answer answer, AttemptResult result) {
    AttemptObserver.Scope scope = answer.scope;
    answer.scope = null;
    end(scope, result);
  }

  private void end(AttemptObserver.@Nullable Scope scope, AttemptResult result) {
    if (scope == null) {
      return;
    }
    try {
      scope.afterAttempt(result);
    } catch (RuntimeException | Error e) {
      Threads.rethrowIfFatal(e);
      observerFailed(e);
    }
  }

  private AttemptResult runGuarded(
      ClaimedDelivery claimed,
      Webhook webhook,
      EndpointHealth.Permit permit,
      @Nullable ObservedAttempt observed,
      Runnable exchangeEnded,
      Answer answer) {
    try {
      return attempt(claimed, webhook, permit, observed, exchangeEnded, answer);
    } catch (RuntimeException | Error e) {
      // An Error too (a NoClassDefFoundError from a format's or a schedule's library, say): left
      // to the worker executor, it was never logged, and a half-open breaker's probe was never
      // given back, so the endpoint was left out of every claim for good.
      Threads.rethrowIfFatal(e);
      Delivery d = claimed.delivery();
      health.abandon(d.webhookId(), permit); // not the endpoint's fault
      log.error(
          "delivery attempt failed inside Hookline: webhook={} event={} delivery={}",
          d.webhookId(),
          d.event().id(),
          d.id(),
          e);
      Instant now = clock.instant();
      release(claimed.lease(), now.plus(INTERNAL_ERROR_BACKOFF), now, d);
      SendOutcome sent = answer.sent;
      // Not counted, but the observer still learns what the endpoint answered, if it did.
      return sent == null
          ? NOT_ATTEMPTED
          : result(AttemptResult.Outcome.NOT_ATTEMPTED, sent, Optional.empty(), false);
    }
  }

  /** Hands back a delivery whose attempt was cancelled before it started: nothing was sent. */
  public void handBack(ClaimedDelivery claimed, EndpointHealth.Permit permit) {
    Instant now = clock.instant();
    Delivery d = claimed.delivery();
    health.abandon(d.webhookId(), permit);
    release(claimed.lease(), d.nextAttemptAt().orElse(now), now, d);
  }

  /**
   * Hands back a delivery whose attempt could not be started here (the worker executor refused it):
   * nothing was sent, and it is due again only after a short delay, so that the next claim does not
   * take it straight back into the same refusal.
   */
  public void handBackLater(ClaimedDelivery claimed, EndpointHealth.Permit permit) {
    Instant now = clock.instant();
    Delivery d = claimed.delivery();
    health.abandon(d.webhookId(), permit);
    Instant due = d.nextAttemptAt().orElse(now);
    release(
        claimed.lease(), due.isAfter(now.plus(LOCAL_RETRY)) ? due : now.plus(LOCAL_RETRY), now, d);
  }

  private AttemptResult attempt(
      ClaimedDelivery cd,
      Webhook w,
      EndpointHealth.Permit permit,
      @Nullable ObservedAttempt observed,
      Runnable exchangeEnded,
      Answer answer) {
    Delivery d = cd.delivery();
    RetrySchedule schedule = scheduleFor(w);
    if (ClaimLoop.stoppedHere()) {
      // The dispatcher was closed from this very thread (the observer's beforeAttempt): close() did
      // not wait for this attempt and has shut its threads down. Nothing has gone out, and nothing
      // is sent now; the delivery goes back to the Store.
      health.abandon(w.id(), permit);
      Instant now = clock.instant();
      release(cd.lease(), d.nextAttemptAt().orElse(now), now, d);
      log.debug(
          "dispatcher closing, attempt not made, delivery released: webhook={} event={}"
              + " delivery={}",
          w.id(),
          d.event().id(),
          d.id());
      return NOT_ATTEMPTED;
    }
    int number = d.attemptCount() + 1;
    Instant startedAt = clock.instant();
    SendOutcome outcome;
    try {
      outcome = send(d, w, schedule, startedAt, observed, answer.scope);
    } catch (InterruptedException e) {
      // close() cut the attempt off: at-least-once, so hand it back for another try.
      health.abandon(w.id(), permit);
      Instant now = clock.instant();
      release(cd.lease(), d.nextAttemptAt().orElse(now), now, d);
      log.debug(
          "attempt cut off by shutdown, delivery released: webhook={} event={} delivery={}",
          w.id(),
          d.event().id(),
          d.id());
      // Not NOT_ATTEMPTED's "nothing was sent": an observer's span ends as an error, not as a
      // request that went well.
      return CUT_OFF;
    }
    if (outcome.notSent()) {
      // Nothing went out, for a reason of this process's own: not an attempt, not a failure.
      health.abandon(w.id(), permit);
      Instant now = clock.instant();
      release(cd.lease(), now.plus(LOCAL_RETRY), now, d);
      log.debug(
          "attempt not made, delivery released: webhook={} event={} delivery={} reason={}",
          w.id(),
          d.event().id(),
          d.id(),
          outcome.detail());
      return NOT_ATTEMPTED;
    }
    answer.sent = outcome;
    return record(
        cd,
        w,
        permit,
        schedule,
        outcome,
        outcome.toAttempt(number, startedAt),
        exchangeEnded,
        answer);
  }

  private SendOutcome send(
      Delivery d,
      Webhook w,
      RetrySchedule schedule,
      Instant now,
      @Nullable ObservedAttempt observed,
      AttemptObserver.@Nullable Scope scope)
      throws InterruptedException {
    if (w.format() != WebhookFormat.STANDARD_WEBHOOKS) {
      return sendFormatted(d, w, schedule, now, observed, scope);
    }
    List<SigningSecret> secrets = w.activeSigningSecrets(now);
    if (secrets.isEmpty()) {
      return SendOutcome.localFailure("webhook has no active signing secret", 0);
    }
    byte[] body = Payloads.body(d.event());
    long timestamp = now.getEpochSecond();
    String signature;
    try {
      signature = WebhookSigner.signatureHeader(secrets, d.event().id(), timestamp, body);
    } catch (IllegalArgumentException e) {
      return SendOutcome.localFailure(e.getMessage() + "", 0);
    }
    String apiKey = w.apiKey().reveal();
    if (!HttpFields.isVisibleAscii(apiKey)) {
      return badApiKey(apiKey);
    }
    HttpRequest request;
    try {
      HttpRequest.Builder builder = HttpClients.requestBuilder(w.uri(), schedule.attemptTimeout());
      if (observed != null) {
        observed.applyTo(builder); // reserved names were refused: these never override ours
      }
      request =
          builder
              .header("Content-Type", "application/json")
              .header("Authorization", "Bearer " + apiKey)
              .header("webhook-id", d.event().id())
              .header("webhook-timestamp", Long.toString(timestamp))
              .header("webhook-signature", signature)
              .header("User-Agent", USER_AGENT)
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
    } catch (IllegalArgumentException e) {
      // The JDK's message may quote a header value; say which parts to check instead.
      return SendOutcome.localFailure(
          "the request could not be built: the URI or the event id is not valid in HTTP", 0);
    }
    return sendObserved(request, schedule, w, scope);
  }

  /**
   * Sends the request with the observer's scope told just before and once the client is done with
   * it ({@link AttemptObserver.Scope#beforeSend}); a scope that throws is logged, and the request
   * goes out regardless.
   */
  private SendOutcome sendObserved(
      HttpRequest request, RetrySchedule schedule, Webhook w, AttemptObserver.@Nullable Scope scope)
      throws InterruptedException {
    if (scope == null) {
      return sender.send(request, schedule.attemptTimeout(), w.tenant().orElse(null));
    }
    @Nullable Runnable sent = null;
    try {
      sent = Objects.requireNonNull(scope.beforeSend(), "beforeSend returned null");
    } catch (RuntimeException | Error e) {
      Threads.rethrowIfFatal(e);
      observerFailed(e);
    }
    try {
      return sender.send(request, schedule.attemptTimeout(), w.tenant().orElse(null));
    } finally {
      if (sent != null) {
        try {
          sent.run();
        } catch (RuntimeException | Error e) {
          Threads.rethrowIfFatal(e);
          observerFailed(e);
        }
      }
    }
  }

  private void observerFailed(Throwable e) {
    log.warn(
        "attempt observer failed: observer={}",
        observer == null ? "none" : observer.getClass().getName(),
        e);
  }

  /**
   * Sends a notification in a format other than Standard Webhooks, through the dispatcher's {@link
   * NotificationFormat} for it; a 4xx or 5xx whose body carries an error code (RFC 8935's {@code
   * err}) gets the code in the attempt's detail.
   */
  private SendOutcome sendFormatted(
      Delivery d,
      Webhook w,
      RetrySchedule schedule,
      Instant now,
      @Nullable ObservedAttempt observed,
      AttemptObserver.@Nullable Scope scope)
      throws InterruptedException {
    NotificationFormat format = formats.get(w.format());
    if (format == null) {
      log.error(
          "notification not sent, format not configured: webhook={} event={} format={}",
          w.id(),
          d.event().id(),
          w.format());
      return SendOutcome.localFailure(missingFormat.apply(w), 0);
    }
    RenderedNotification rendered;
    try {
      rendered = format.render(d.event(), w, now);
    } catch (RuntimeException e) {
      log.error(
          "notification could not be rendered: webhook={} event={} format={}",
          w.id(),
          d.event().id(),
          w.format(),
          e);
      String detail =
          "the " + w.format() + " notification could not be written: " + e.getClass().getName();
      return SendOutcome.localFailure(detail, 0);
    }
    String apiKey = w.apiKey().reveal();
    if (!HttpFields.isVisibleAscii(apiKey)) {
      return badApiKey(apiKey);
    }
    HttpRequest request;
    try {
      HttpRequest.Builder b = HttpClients.requestBuilder(w.uri(), schedule.attemptTimeout());
      if (observed != null) {
        // The observer's (such as traceparent), except a name the format sets itself: the
        // format's value stands alone (a builder appends, it would send both).
        observed.applyTo(b, rendered.headers().keySet());
      }
      b.header("Content-Type", rendered.contentType())
          .header("Authorization", "Bearer " + apiKey)
          .header("User-Agent", USER_AGENT);
      rendered.headers().forEach(b::header);
      request = b.POST(HttpRequest.BodyPublishers.ofByteArray(rendered.body())).build();
    } catch (IllegalArgumentException e) {
      return SendOutcome.localFailure(
          "the request could not be built: the URI or a header of the "
              + w.format()
              + " format is not valid in HTTP",
          0);
    }
    SendOutcome outcome = sendObserved(request, schedule, w, scope);
    if (outcome.status().isPresent() && !outcome.succeeded()) {
      Optional<String> code;
      try {
        code = format.errorCode(outcome.status().getAsInt(), outcome.body());
      } catch (RuntimeException e) {
        code = Optional.empty(); // an unreadable error body is still the endpoint's answer
      }
      if (code.isPresent()) {
        return outcome.withDetail(outcome.detail() + " err=" + clip(code.get()));
      }
    }
    return outcome;
  }

  private static String clip(String code) {
    StringBuilder b = new StringBuilder();
    code.codePoints()
        .limit(64)
        .forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }

  private static SendOutcome badApiKey(String apiKey) {
    // Only a webhook stored past the registry's rules gets here. The JDK would refuse the header
    // with a message that quotes the value, that is the key: never let that reach a log.
    return SendOutcome.localFailure(
        "the webhook's API key is not a valid HTTP header value ("
            + apiKey.length()
            + " characters; keys must be printable ASCII without spaces): set a new key with"
            + " rotateApiKey",
        0);
  }

  private AttemptResult record(
      ClaimedDelivery cd,
      Webhook w,
      EndpointHealth.Permit permit,
      RetrySchedule schedule,
      SendOutcome outcome,
      Attempt a,
      Runnable exchangeEnded,
      Answer answer) {
    Delivery d = cd.delivery();
    Lease lease = cd.lease();
    Instant now = clock.instant();
    if (!outcome.local()) {
      answer.answered.exchanged(outcome.status().isPresent());
    }
    log.debug(
        "delivery attempted: webhook={} event={} delivery={} status={}",
        w.id(),
        d.event().id(),
        d.id(),
        outcome.detail());
    if (outcome.succeeded()) {
      health.onSuccess(w.id(), now);
      AttemptResult succeeded =
          result(AttemptResult.Outcome.SUCCEEDED, outcome, Optional.empty(), false);
      // The observer's scope is told first: its span and timer cover the exchange, not the
      // Store's write, and nothing of it is current while this thread records (on PostgreSQL,
      // perhaps other workers' outcomes too), nor as the slot passes to the endpoint's next
      // delivery: a worker executor that carries the submitter's context (the OpenTelemetry
      // agent's) would start that one inside this one's span.
      endScope(answer, succeeded);
      exchangeEnded.run();
      CompletionStage<Boolean> answered = store.completeAsync(lease, a, now);
      // A Store that answered at once (the in-memory one, or a PostgreSQL caller that led the
      // write itself) is settled here: handing its answer back through the deferred path costs
      // more than it saves.
      if (answered instanceof CompletableFuture<Boolean> done
          && done.isDone()
          && !done.isCompletedExceptionally()) {
        if (Boolean.TRUE.equals(done.join())) {
          unrecordedLogged.set(false);
          notify(l -> l.attemptSucceeded(d, a));
          return succeeded;
        }
        leaseLost(d);
        return result(AttemptResult.Outcome.NOT_ATTEMPTED, outcome, Optional.empty(), false);
      }
      // Nothing on this thread needs the answer: the worker goes on to its next attempt while the
      // Store records this one (with others, on PostgreSQL), and the listener is told once it is
      // recorded, on the thread that recorded it.
      try {
        answered.whenComplete(
            (done, failure) -> {
              answer.answered.arrived();
              try {
                if (failure != null) {
                  unrecorded(cd, unwrap(failure));
                } else if (Boolean.TRUE.equals(done)) {
                  unrecordedLogged.set(false);
                  notify(l -> l.attemptSucceeded(d, a));
                } else {
                  leaseLost(d);
                }
              } finally {
                answer.answered.handled();
              }
            });
      } catch (RuntimeException e) {
        // A Store's own stage that would not take the callback: the record's fate is unknown, so
        // the delivery stays in flight under its lease (sent again when it expires), as after a
        // failed record; nothing is released here, as the write may still land.
        unrecorded(cd, e);
        answer.answered.arrived();
        answer.answered.handled();
      }
      answer.deferred = true; // only now: had anything failed before, the caller settles as usual
      return succeeded;
    }
    if (outcome.hasStatus(410)) {
      String reason = "endpoint answered 410 Gone at " + now;
      // The webhook is disabled either way (the endpoint said it is gone), but the delivery's
      // outcome is told only by the worker whose record the Store accepted.
      Boolean stored =
          recordFailure(cd, () -> store.fail(lease, a, now), now.plus(INTERNAL_ERROR_BACKOFF), now);
      if (stored == null) {
        // Handed back unrecorded: its next attempt meets the 410 again. A half-open breaker's
        // probe is given back, or the breaker stayed waiting for its outcome for good.
        health.abandon(w.id(), permit);
        return result(AttemptResult.Outcome.NOT_ATTEMPTED, outcome, Optional.empty(), false);
      }
      boolean recorded = stored;
      if (!recorded) {
        leaseLost(d);
      }
      health.onFailure(w.id(), now); // a probe that got 410 closes its half-open state too
      boolean disabled = false;
      try {
        // Only if the webhook still points at the endpoint that answered 410, and only this call
        // reports it (a concurrent 410 or another instance may have disabled it already).
        disabled =
            RegistryAccess.stateChanges(registry)
                .disableByFailure(w.id(), w.uri(), reason)
                .isPresent();
      } catch (WebhookNotFoundException e) {
        log.debug("webhook deleted before it could be disabled: webhook={}", w.id());
      } catch (RuntimeException e) {
        // The next 410 tries again; the attempt is recorded either way.
        log.warn("could not disable the webhook of a gone endpoint: webhook={}", w.id(), e);
      }
      log.warn(
          "endpoint gone: webhook={} event={} delivery={} webhookDisabled={}",
          w.id(),
          d.event().id(),
          d.id(),
          disabled);
      if (recorded) {
        tell(answer, l -> l.attemptFailed(d, a, Optional.empty()));
        tell(answer, l -> l.deliveryFailed(d, a));
      }
      if (disabled) {
        tell(answer, l -> l.webhookDisabled(w.id(), reason));
      }
      return result(
          recorded ? AttemptResult.Outcome.FAILED : AttemptResult.Outcome.NOT_ATTEMPTED,
          outcome,
          Optional.empty(),
          disabled);
    }
    Optional<Instant> failingSince;
    if (outcome.local()) {
      // A fault on this side (a format that could not render, no active signing secret, a key
      // that is not valid HTTP), before anything went out: the delivery fails or retries on its
      // schedule, but the endpoint did nothing wrong, so neither its breaker nor its failure clock
      // hears of it (a half-open breaker's probe is given back). Counted against the endpoint, it
      // opened the breaker and ended DISABLED_BY_FAILURE after disableAfter for the sender's fault.
      health.abandon(w.id(), permit);
      failingSince = Optional.empty();
    } else {
      failingSince = health.onFailure(w.id(), now);
    }
    boolean disabled =
        failingSince.isPresent() && disableFailing(w, failingSince.get(), now, answer);
    if (answer.scope != null) {
      // The slot passes on once the observer's scope has ended (after the outcome is recorded),
      // not inside it: see the success above.
      answer.exchangeEndedAfterScope = exchangeEnded;
    } else {
      exchangeEnded.run();
    }
    int failedInRound = attemptsInRound(d.attempts(), schedule) + 1;
    if (!schedule.hasRetryAfter(failedInRound)) {
      Boolean failed =
          recordFailure(cd, () -> store.fail(lease, a, now), now.plus(INTERNAL_ERROR_BACKOFF), now);
      if (failed == null) {
        return result(AttemptResult.Outcome.NOT_ATTEMPTED, outcome, Optional.empty(), disabled);
      }
      if (failed) {
        log.warn(
            "delivery failed, attempts exhausted: webhook={} event={} delivery={} attempts={}"
                + " last={}",
            w.id(),
            d.event().id(),
            d.id(),
            failedInRound,
            outcome.detail());
        tell(answer, l -> l.attemptFailed(d, a, Optional.empty()));
        tell(answer, l -> l.deliveryFailed(d, a));
        return result(AttemptResult.Outcome.FAILED, outcome, Optional.empty(), disabled);
      }
      leaseLost(d);
      return result(AttemptResult.Outcome.NOT_ATTEMPTED, outcome, Optional.empty(), disabled);
    }
    Duration delay = schedule.delayAfter(failedInRound, jitterUnit());
    if ((outcome.hasStatus(429) || outcome.hasStatus(503)) && outcome.retryAfter().isPresent()) {
      Optional<Duration> asked = RetryAfter.parse(outcome.retryAfter().get(), now);
      // The endpoint may ask for a longer wait (up to the schedule's longest delay), never a
      // shorter one: "Retry-After: 0" on every 503 used up all the attempts within seconds.
      if (asked.isPresent() && asked.get().compareTo(delay) > 0) {
        Duration bound = schedule.maxDelay();
        Duration longer = asked.get().compareTo(bound) > 0 ? bound : asked.get();
        delay = longer.compareTo(delay) > 0 ? longer : delay;
      }
    }
    Instant next = now.plus(delay);
    // Handed back unrecorded, it is due at its scheduled retry, but not within a minute: its
    // attempt is not counted, so a Store that keeps refusing this write never ends the schedule.
    Instant floor = now.plus(INTERNAL_ERROR_BACKOFF);
    Boolean rescheduled =
        recordFailure(
            cd,
            () -> store.reschedule(lease, a, next, now),
            next.isAfter(floor) ? next : floor,
            now);
    if (rescheduled == null) {
      return result(AttemptResult.Outcome.NOT_ATTEMPTED, outcome, Optional.empty(), disabled);
    }
    if (rescheduled) {
      log.warn(
          outcome.local()
              ? "attempt failed on the sending side, not the endpoint's: webhook={} event={}"
                  + " delivery={} attempt={} outcome={} next={}"
              : "endpoint failing: webhook={} event={} delivery={} attempt={} outcome={} next={}",
          w.id(),
          d.event().id(),
          d.id(),
          a.number(),
          outcome.detail(),
          next);
      tell(answer, l -> l.attemptFailed(d, a, Optional.of(next)));
      return result(AttemptResult.Outcome.RETRY_SCHEDULED, outcome, Optional.of(next), disabled);
    }
    leaseLost(d);
    return result(AttemptResult.Outcome.NOT_ATTEMPTED, outcome, Optional.empty(), disabled);
  }

  /**
   * Records a failed attempt with {@code write} (the Store's {@code fail} or {@code reschedule}).
   * If the Store throws (unreachable: while the database is down every attempt in flight fails so,
   * and a network partition fails the endpoints too), the delivery is handed back due at {@code
   * due} (if that fails as well, it is claimed again once its lease expires), and the failure is
   * logged once per streak, the rest at DEBUG: as an error inside Hookline it was an ERROR with a
   * stack trace per delivery.
   *
   * @return whether the Store recorded it (false: the lease is no longer current), or null if it
   *     threw
   */
  private @Nullable Boolean recordFailure(
      ClaimedDelivery cd, BooleanSupplier write, Instant due, Instant now) {
    boolean recorded;
    try {
      recorded = write.getAsBoolean();
    } catch (RuntimeException e) {
      Delivery d = cd.delivery();
      logUnrecorded(
          failureUnrecordedLogged,
          "a failed attempt",
          "the delivery is handed back to be sent again",
          d,
          e);
      release(cd.lease(), due, now, d);
      return null;
    }
    failureUnrecordedLogged.set(false);
    return recorded;
  }

  private static AttemptResult result(
      AttemptResult.Outcome o, SendOutcome outcome, Optional<Instant> next, boolean disabled) {
    return new AttemptResult(
        o, outcome.status(), outcome.error(), outcome.elapsed(), next, disabled);
  }

  /**
   * Disables a webhook whose endpoint has failed without a success for {@code disableAfter};
   * returns whether this call disabled it.
   */
  private boolean disableFailing(Webhook w, Instant since, Instant now, Answer answer) {
    String reason =
        "endpoint failing continuously since "
            + since
            + " ("
            + Duration.between(since, now).toHours()
            + " h without a success); disabled at "
            + now;
    try {
      if (RegistryAccess.stateChanges(registry)
          .disableForContinuousFailure(w.id(), w.uri(), since, reason)
          .isEmpty()) {
        // Moved, re-enabled, already disabled, or the shared clock stopped meanwhile: nothing
        // was changed here. Look again at the next failure.
        health.disableFailed(w.id());
        return false;
      }
    } catch (WebhookNotFoundException e) {
      log.debug("webhook deleted before it could be disabled: webhook={}", w.id());
      return false;
    } catch (RuntimeException e) {
      health.disableFailed(w.id()); // the next failure tries again
      log.warn("could not disable a failing webhook: webhook={}", w.id(), e);
      return false;
    }
    tell(answer, l -> l.webhookDisabled(w.id(), reason));
    return true;
  }

  /**
   * Counts the attempts of the current round: a round ends with a success, a 410, or when the
   * schedule's attempts are used up, so a redelivered delivery starts a fresh round.
   */
  public static int attemptsInRound(List<Attempt> prior, RetrySchedule schedule) {
    int count = 0;
    for (Attempt a : prior) {
      count++;
      boolean gone = a.statusCode().isPresent() && a.statusCode().getAsInt() == 410;
      if (a.succeeded() || gone || count >= schedule.maxAttempts()) {
        count = 0;
      }
    }
    return count;
  }

  /**
   * The webhook's schedule, its attempt timeout cut to half the lease so no lease runs out. The cut
   * is logged at WARN once per webhook version (the first attempt that sees it), then at DEBUG: a
   * WARN on every attempt flooded the log of a busy webhook with the same line.
   */
  private RetrySchedule scheduleFor(Webhook w) {
    RetrySchedule s = schedules.apply(w);
    if (s.attemptTimeout().compareTo(maxAttemptTimeout) > 0) {
      // The newest version warned about stays: an attempt still holding an older version (claimed
      // before a change) neither warns again nor makes the newer one warn twice.
      boolean[] fresh = {false};
      cutWarned
          .asMap()
          .compute(
              w.id(),
              (id, warned) -> {
                if (warned == null || warned < w.version()) {
                  fresh[0] = true;
                  return w.version();
                }
                return warned;
              });
      if (fresh[0]) {
        log.warn(
            "attempt timeout {} of webhook={} is cut to {} (half the lease): raise leaseDuration",
            s.attemptTimeout(),
            w.id(),
            maxAttemptTimeout);
      } else {
        log.debug(
            "attempt timeout {} of webhook={} is cut to {} (half the lease): raise leaseDuration",
            s.attemptTimeout(),
            w.id(),
            maxAttemptTimeout);
      }
      return s.toBuilder().attemptTimeout(maxAttemptTimeout).build();
    }
    return s;
  }

  private double jitterUnit() {
    double u = jitter.getAsDouble();
    if (!(u >= 0.0)) {
      return 0.0;
    }
    return u >= 1.0 ? Math.nextDown(1.0) : u;
  }

  /**
   * Hands a claimed delivery back to the Store, due at {@code due}; if that fails, its lease
   * expires and it is claimed again.
   */
  public void release(Lease lease, Instant due, Instant now, Delivery d) {
    try {
      releaseOrThrow(lease, due, now, d);
      releaseFailureLogged.set(false);
    } catch (RuntimeException e) {
      // The lease expires on its own and the delivery is claimed again: nothing is lost. One WARN
      // per streak of failures (a database outage fails every one), the rest at DEBUG.
      if (releaseFailureLogged.compareAndSet(false, true)) {
        log.warn(
            "could not release delivery, it will be retried when its lease expires (further"
                + " failures to release are logged at DEBUG until one succeeds): webhook={}"
                + " event={} delivery={}",
            d.webhookId(),
            d.event().id(),
            d.id(),
            e);
      } else {
        log.debug(
            "could not release delivery, it will be retried when its lease expires: webhook={}"
                + " event={} delivery={} error={}",
            d.webhookId(),
            d.event().id(),
            d.id(),
            e.toString());
      }
    }
  }

  /**
   * Hands a claimed delivery back to the Store, due at {@code due}, and throws the Store's failure
   * instead of logging it: for a caller handing back many, which stops at the first failure rather
   * than wait for the Store once per delivery.
   *
   * @throws RuntimeException if the Store failed (the lease then expires on its own)
   */
  public void releaseOrThrow(Lease lease, Instant due, Instant now, Delivery d) {
    if (!store.release(lease, due, now)) {
      leaseLost(d);
    }
  }

  private static RuntimeException unwrap(Throwable failure) {
    Throwable t = failure;
    if (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof RuntimeException e) {
      return e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("the Store failed to record an outcome", t);
  }

  /**
   * A success the Store could not record (answered later, on the Store's thread): the delivery
   * stays in flight under its lease and is claimed and sent again when the lease expires, as after
   * a crash. Nothing is lost, and nothing is written here: this runs on the thread that answered,
   * which must not wait on the Store again.
   */
  private void unrecorded(ClaimedDelivery cd, RuntimeException e) {
    logUnrecorded(
        unrecordedLogged,
        "a successful attempt",
        "the delivery will be sent again when its lease expires",
        cd.delivery(),
        e);
  }

  /**
   * Logs an outcome the Store could not record: at ERROR, with the stack trace, the first time in a
   * streak ({@code logged} unset), at DEBUG after it, until an outcome of that kind is recorded and
   * the caller clears {@code logged}. A Store that is down fails every attempt in flight.
   */
  private static void logUnrecorded(
      AtomicBoolean logged, String outcome, String then, Delivery d, RuntimeException e) {
    if (logged.compareAndSet(false, true)) {
      log.error(
          "could not record "
              + outcome
              + ", "
              + then
              + " (further ones are logged at DEBUG until "
              + outcome
              + " is recorded): webhook={} event={} delivery={}",
          d.webhookId(),
          d.event().id(),
          d.id(),
          e);
    } else {
      log.debug(
          "could not record "
              + outcome
              + ", "
              + then
              + ": webhook={} event={} delivery={} error={}",
          d.webhookId(),
          d.event().id(),
          d.id(),
          e.toString());
    }
  }

  private static void leaseLost(Delivery d) {
    log.debug(
        "lease lost, another worker owns the delivery now: webhook={} event={} delivery={}",
        d.webhookId(),
        d.event().id(),
        d.id());
  }

  /**
   * Tells the listener once the observer's scope has ended, so that a listener's own work (an
   * alert, a write) is never timed as the attempt nor runs inside its span; at once if no scope is
   * open.
   */
  private void tell(Answer answer, Consumer<DeliveryListener> call) {
    if (answer.scope == null) {
      notify(call);
    } else {
      if (answer.afterScope == null) {
        answer.afterScope = new ArrayList<>(2);
      }
      answer.afterScope.add(call);
    }
  }

  private void notify(Consumer<DeliveryListener> call) {
    try {
      call.accept(listener);
    } catch (RuntimeException | Error e) {
      Threads.rethrowIfFatal(e);
      log.warn("delivery listener failed: listener={}", listener.getClass().getName(), e);
    }
  }
}
