package dev.hookline.micrometer;

import dev.hookline.Webhook;
import dev.hookline.WebhookChangeListener;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.delivery.Dispatcher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.observation.NullObservation;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer instrumentation of delivery attempts: an {@link AttemptObserver} that wraps each
 * attempt in an {@link Observation} named {@value DefaultAttemptObservationConvention#NAME} (with
 * Micrometer's {@code DefaultMeterObservationHandler} that is a timer; with micrometer-tracing, a
 * span), and counts deliveries that failed for good ({@value #DELIVERIES_FAILED}, tagged {@code
 * event.type}) and webhooks disabled ({@value #WEBHOOKS_DISABLED}).
 *
 * <pre>{@code
 * HooklineObservations metrics = HooklineObservations.builder(observationRegistry, meterRegistry)
 *     .registry(webhookRegistry).build();
 * Dispatcher.builder().registry(webhookRegistry).attemptObserver(metrics)...
 * }</pre>
 *
 * <p>No webhook id, URL or tenant is a tag by default: on a multi-tenant platform they would make a
 * time series per customer. {@link Builder#tenantTag} and {@link Builder#webhookTag} turn them on.
 * A deleted webhook's meters are removed: every meter of the {@link MeterRegistry} tagged {@code
 * webhook.id} with its id, whatever the meter's name (so a custom convention's timer goes too if it
 * uses that key). With {@link Builder#tenantTag} and the {@link Builder#registry} set, so are a
 * tenant's meters with its last webhook: those tagged {@code tenant} with it among the counters
 * here and the attempts' timers (named as the observation, and the long task timer {@code
 * .active}), never the application's own.
 *
 * <p>An attempt's observation has no parent, so with micrometer-tracing each attempt starts its own
 * trace: an observation current on the worker thread (carried there by an executor that propagates
 * the submitter's, for an attempt handed off at publish the publishing request's) is set aside, as
 * context-propagation clears a thread, while the attempt runs and is current again after it. The
 * publish context kept with the delivery is {@code context.request().publishContext()}, for a
 * handler that links the attempt to it.
 *
 * <p>Thread-safe. The observation is opened and closed on the worker thread that makes the attempt
 * (see {@link AttemptObserver}), so a tracing handler's span is current while the request is sent.
 */
public final class HooklineObservations
    implements AttemptObserver, WebhookChangeListener, AutoCloseable {
  /** Counter of deliveries that failed for good (attempts exhausted, or 410 Gone). */
  public static final String DELIVERIES_FAILED = "hookline.deliveries.failed";

  /** Counter of webhooks that an attempt disabled (410 Gone, or failing too long). */
  public static final String WEBHOOKS_DISABLED = "hookline.webhooks.disabled";

  /** The tag key of a webhook's id: a deleted webhook's meters are those with its id under it. */
  private static final String WEBHOOK_ID = "webhook.id";

  /** The {@code tenant} tag of the host's own webhooks, which a tenant's name may equal. */
  private static final String HOST_TENANT = "none";

  private final ObservationRegistry observations;
  private final MeterRegistry meters;
  private final @Nullable AttemptObservationConvention custom;
  private final DefaultAttemptObservationConvention defaults;
  private final @Nullable WebhookRegistry registry;

  /**
   * Whether an attempt's meters may be tagged with its webhook or tenant (an opt-in tag, or a
   * convention of the application's, given to the builder or registered on the ObservationRegistry
   * as a global one, seen once an attempt's key values held {@code webhook.id}): then deletions are
   * remembered for attempts still running.
   */
  private volatile boolean tagged;

  /** The names of the attempts' observations (their timers' names), seen with tenant tags on. */
  private final Set<String> observationNames = ConcurrentHashMap.newKeySet();

  /** The tenant of each webhook seen, to remove a tenant's meters with its last webhook. */
  private final ConcurrentHashMap<String, String> tenants = new ConcurrentHashMap<>();

  /**
   * Tenants with meters whose observed webhooks are all gone while other webhooks of theirs (never
   * attempted here) remain: looked at again on every deletion.
   */
  private final Set<String> orphanedTenants = ConcurrentHashMap.newKeySet();

  /**
   * Webhooks deleted lately (id to the ticker's time of deletion), kept for {@link
   * #TOMBSTONE_NANOS}: an attempt that was running when its webhook was deleted registers its
   * meters as it ends, after the deletion removed them, and removes them again when it finds its
   * webhook here.
   */
  private final ConcurrentHashMap<String, Long> deleted = new ConcurrentHashMap<>();

  /** Longer than any attempt can run (a lease is at most a day). */
  private static final long TOMBSTONE_NANOS = java.util.concurrent.TimeUnit.HOURS.toNanos(25);

  private HooklineObservations(Builder b) {
    this.observations = b.observations;
    this.meters = b.meters;
    this.custom = b.convention;
    this.defaults = DefaultAttemptObservationConvention.withTags(b.tenantTag, b.webhookTag);
    this.registry = b.registry;
    this.tagged = b.tenantTag || b.webhookTag || b.convention != null;
    if (registry != null) {
      registry.addChangeListener(this);
    }
  }

  /**
   * Starts a builder.
   *
   * @param observations where observations go (with a meter handler for the timer)
   * @param meters where the counters go; the same registry the meter handler records to
   * @return a new builder
   */
  public static Builder builder(ObservationRegistry observations, MeterRegistry meters) {
    return new Builder(observations, meters);
  }

  @Override
  public Scope beforeAttempt(AttemptRequest request) {
    AttemptObservationContext context = new AttemptObservationContext(request);
    Observation observation =
        Observation.createNotStarted(custom, defaults, () -> context, observations);
    // An attempt has no parent: an observation current here was carried in by a worker executor
    // that propagates the submitter's (context-propagation's ContextExecutorService), and for an
    // attempt handed off at publish that is the publishing request's, whose trace the attempt's
    // span would join. The attempt starts its own; the publish context kept with the delivery
    // (AttemptRequest.publishContext) is what it relates to.
    observation.parentObservation(null);
    // An application's handler may throw: Micrometer does not catch it. Whatever failed, the
    // observation is stopped (or the meter handler's long task timer counts the attempt as running
    // for ever) and the thread's current scope is put back (or the observation stays current on
    // the worker thread, the parent of every later attempt there).
    Observation.@Nullable Scope outer = observations.getCurrentObservationScope();
    Observation.@Nullable Scope cleared = null;
    Observation.Scope scope;
    try {
      if (outer != null && !outer.isNoop() && !observation.isNoop()) {
        // Set aside what is current, telling the handlers, as context-propagation clears a thread:
        // a tracing handler's current span (made current by the carried scope) is what it parents
        // a span on when the observation has no parent.
        cleared = new NullObservation(observations).start().openScope();
      }
      observation.start();
      scope = observation.openScope();
    } catch (RuntimeException | Error e) {
      closeQuietly(cleared, e);
      restoreScope(outer);
      try {
        observation.stop();
      } catch (RuntimeException | Error stopFailed) {
        e.addSuppressed(stopFailed);
      }
      throw e;
    }
    Observation.@Nullable Scope aside = cleared;
    if (!tagged && context.getLowCardinalityKeyValue(WEBHOOK_ID) != null) {
      // A global convention of the application's tags the webhook: one not known at build time.
      tagged = true;
    }
    String webhookId = request.webhook().id();
    if (defaults.tenantTag()
        && request.webhook().tenant().isPresent()
        && !deleted.containsKey(webhookId)) {
      tenants.put(webhookId, request.webhook().tenant().get());
    }
    return result -> {
      @Nullable Throwable failure = null;
      try {
        context.result(result);
        scope.close();
      } catch (RuntimeException | Error e) {
        failure = e;
      }
      if (aside != null) {
        try {
          aside.close(); // the carried observation, and a tracing handler's span, current again
        } catch (RuntimeException | Error e) {
          failure = keep(failure, e);
        }
      }
      restoreScope(outer);
      try {
        observation.stop();
      } catch (RuntimeException | Error e) {
        failure = keep(failure, e);
      }
      // Hookline's own meters below are counted whatever a handler did above.
      try {
        counted(context, request, result, webhookId);
      } catch (RuntimeException | Error e) {
        failure = keep(failure, e);
      }
      if (failure != null) {
        throw unchecked(failure); // logged by the dispatcher
      }
    };
  }

  /** Closes the scope that set aside the current observation, after {@code e}. */
  private static void closeQuietly(Observation.@Nullable Scope cleared, Throwable e) {
    if (cleared == null) {
      return;
    }
    try {
      cleared.close();
    } catch (RuntimeException | Error closeFailed) {
      e.addSuppressed(closeFailed);
    }
  }

  /** Puts back the thread's current scope, if a handler's failure left another one current. */
  private void restoreScope(Observation.@Nullable Scope outer) {
    if (observations.getCurrentObservationScope() != outer) {
      observations.setCurrentObservationScope(outer);
    }
  }

  private static Throwable keep(@Nullable Throwable first, Throwable e) {
    if (first == null) {
      return e;
    }
    first.addSuppressed(e);
    return first;
  }

  private static RuntimeException unchecked(Throwable t) {
    if (t instanceof Error e) {
      throw e;
    }
    return (RuntimeException) t;
  }

  /** Counts the ended attempt in Hookline's own counters, and drops a deleted webhook's meters. */
  private void counted(
      AttemptObservationContext context,
      AttemptRequest request,
      AttemptResult result,
      String webhookId) {
    // The convention in effect names the timers; it may be a global one, known only here.
    String name = context.getName();
    if (defaults.tenantTag() && name != null && !observationNames.contains(name)) {
      observationNames.add(name);
    }
    if (result.outcome() == AttemptResult.Outcome.FAILED) {
      counter(DELIVERIES_FAILED, request, true).increment();
    }
    if (result.webhookDisabled()) {
      counter(WEBHOOKS_DISABLED, request, false).increment();
    }
    if (tagged && deleted.containsKey(webhookId)) {
      // Deleted while this attempt ran: the meters it just registered go again.
      removeMetersOf(webhookId, request.webhook().tenant().orElse(null));
    }
  }

  private Counter counter(String name, AttemptRequest request, boolean byEventType) {
    Tags tags = byEventType ? Tags.of("event.type", request.eventType()) : Tags.empty();
    Webhook w = request.webhook();
    if (defaults.tenantTag()) {
      tags = tags.and("tenant", w.tenant().orElse(HOST_TENANT));
    }
    if (defaults.webhookTag()) {
      tags = tags.and(WEBHOOK_ID, w.id());
    }
    return Counter.builder(name)
        .description(
            byEventType
                ? "Deliveries that failed for good: attempts exhausted, or 410 Gone"
                : "Webhooks disabled by an attempt: 410 Gone, or failing too long")
        .tags(tags)
        .register(meters);
  }

  /**
   * Removes the meters of a deleted webhook (those tagged {@code webhook.id} with its id) and, with
   * {@link Builder#tenantTag}, of a tenant whose last webhook was deleted. Called by the registry
   * set with {@link Builder#registry}.
   *
   * @param webhookId the changed webhook
   * @param current its state now; empty if deleted
   */
  @Override
  public void onChange(String webhookId, Optional<Webhook> current) {
    if (current.isPresent()) {
      return;
    }
    if (tagged) {
      long now = System.nanoTime();
      deleted.values().removeIf(at -> now - at > TOMBSTONE_NANOS);
      deleted.put(webhookId, now); // before the removal: see the scope's check in beforeAttempt
    }
    removeMetersOf(webhookId, null);
  }

  /**
   * Removes the meters of a deleted webhook, as {@link #onChange} does. Called by the dispatcher
   * this observes, for deletions made here and, through the Store's change feed or a reload, by
   * other instances.
   *
   * @param webhookId the deleted webhook
   */
  @Override
  public void webhookDeleted(String webhookId) {
    onChange(webhookId, Optional.empty());
  }

  /** Removes the meters tagged with the webhook, and its tenant's if it was the tenant's last. */
  private void removeMetersOf(String webhookId, @Nullable String knownTenant) {
    // Whatever their names: a custom convention's timer, the counters here, the application's.
    // Webhook ids are random and never reused, so no other webhook's meter carries this one.
    removeTagged(WEBHOOK_ID, webhookId, true);
    String tenant = tenants.remove(webhookId);
    if (tenant == null) {
      tenant = knownTenant;
    }
    WebhookRegistry r = registry;
    if (r == null || !defaults.tenantTag()) {
      return;
    }
    Set<String> candidates = new HashSet<>(orphanedTenants);
    if (tenant != null && !HOST_TENANT.equals(tenant)) {
      // A tenant may be named "none", the tag of the host's own webhooks: the series it shares
      // with them is the host's too, and stays.
      candidates.add(tenant);
    }
    @Nullable RuntimeException failed = null;
    for (String t : candidates) {
      if (tenants.containsValue(t)) {
        orphanedTenants.remove(t); // an observed webhook of t remains: its deletion looks again
        continue;
      }
      boolean noneLeft;
      try {
        noneLeft = r.forTenant(t).list().isEmpty();
      } catch (RuntimeException e) {
        // The Store failed (the database down): t is looked at again on the next deletion, and
        // the other tenants are looked at now. The failure is thrown once they have been.
        orphanedTenants.add(t);
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
        continue;
      }
      if (noneLeft) {
        orphanedTenants.remove(t);
        removeTagged("tenant", t, false); // a tenant name may tag the application's meters too
      } else {
        orphanedTenants.add(t);
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Removes the meters tagged {@code key=value}: of any name, or only the counters here and the
   * attempts' timers.
   */
  private void removeTagged(String key, String value, boolean anyName) {
    List<Meter> gone = new ArrayList<>();
    for (Meter m : meters.getMeters()) {
      if (value.equals(m.getId().getTag(key)) && (anyName || isOurs(m.getId().getName()))) {
        gone.add(m);
      }
    }
    gone.forEach(meters::remove);
  }

  private boolean isOurs(String name) {
    if (name.startsWith("hookline.")) {
      return true;
    }
    // The meter handler names the long task timer of running attempts "<observation>.active".
    String active = ".active";
    return observationNames.contains(name)
        || (name.endsWith(active)
            && observationNames.contains(name.substring(0, name.length() - active.length())));
  }

  /**
   * Stops listening to the {@link Builder#registry}, if one was set; the meters stay, and a
   * dispatcher this still observes still tells it of deletions ({@link #webhookDeleted}).
   * Idempotent.
   */
  @Override
  public void close() {
    WebhookRegistry r = registry;
    if (r != null) {
      r.removeChangeListener(this);
    }
  }

  @Override
  public String toString() {
    return "HooklineObservations[convention="
        + (custom != null ? custom.getClass().getName() : "default")
        + ", tenantTag="
        + defaults.tenantTag()
        + ", webhookTag="
        + defaults.webhookTag()
        + "]";
  }

  /** Builds {@link HooklineObservations}. Not thread-safe. */
  public static final class Builder {
    private final ObservationRegistry observations;
    private final MeterRegistry meters;
    private @Nullable AttemptObservationConvention convention;
    private @Nullable WebhookRegistry registry;
    private boolean tenantTag;
    private boolean webhookTag;

    private Builder(ObservationRegistry observations, MeterRegistry meters) {
      this.observations = Objects.requireNonNull(observations, "observations");
      this.meters = Objects.requireNonNull(meters, "meters");
    }

    /**
     * Replaces the default convention ({@link DefaultAttemptObservationConvention}); a global
     * convention registered on the ObservationRegistry takes precedence over both. Its key values
     * alone tag the timers ({@link #tenantTag} and {@link #webhookTag} tag the counters); a key of
     * the webhook's id named {@code webhook.id} lets a deleted webhook's timers be removed.
     *
     * @param convention the convention
     * @return this builder
     */
    public Builder convention(AttemptObservationConvention convention) {
      this.convention = Objects.requireNonNull(convention, "convention");
      return this;
    }

    /**
     * Tags the counters, and the default convention's timers, with {@code tenant} ({@code none} for
     * the host's webhooks); a {@link #convention} chooses its timers' key values itself. With the
     * {@link #registry} set, a tenant's meters are removed with its last webhook (but for a tenant
     * named {@code none}, whose meters are the host's too). Default: off.
     *
     * @param on whether to tag
     * @return this builder
     */
    public Builder tenantTag(boolean on) {
      this.tenantTag = on;
      return this;
    }

    /**
     * Tags the counters, and the default convention's timers, with {@code webhook.id}: a time
     * series per webhook, for deployments with few webhooks; a {@link #convention} chooses its
     * timers' key values itself. Default: off.
     *
     * @param on whether to tag
     * @return this builder
     */
    public Builder webhookTag(boolean on) {
      this.webhookTag = on;
      return this;
    }

    /**
     * Listens to the registry, to remove the meters of deleted webhooks (and of tenants without
     * webhooks, when {@link #tenantTag} is on).
     *
     * @param registry the registry the {@link Dispatcher} uses
     * @return this builder
     */
    public Builder registry(WebhookRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Builds the instrumentation; registers it as a change listener of the {@link #registry} (until
     * {@link HooklineObservations#close()}).
     *
     * @return the instrumentation
     */
    public HooklineObservations build() {
      return new HooklineObservations(this);
    }
  }
}
