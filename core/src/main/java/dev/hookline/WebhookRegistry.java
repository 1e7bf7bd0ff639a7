package dev.hookline;

import dev.hookline.internal.RegistryAccess;
import dev.hookline.internal.UriDisplay;
import dev.hookline.internal.WebhookRules;
import dev.hookline.internal.WebhookStateChanges;
import dev.hookline.spi.FilterCompiler;
import dev.hookline.spi.HostResolver;
import dev.hookline.spi.IdGenerator;
import dev.hookline.spi.Store;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, lists, changes and deletes webhooks, and moves them through verification and enablement.
 * All validation happens here: {@link #create} and {@link #update} report every broken rule at once
 * in a {@link WebhookValidationException}.
 *
 * <p>A new webhook is {@link WebhookStatus#PENDING_VERIFICATION} and disabled. It receives
 * notifications only once it is both verified (its endpoint passed the handshake that the delivery
 * module's {@code Dispatcher.startVerification} runs) and {@linkplain #enable enabled}; either may
 * come first. The outcomes that only the system may record (a handshake's result, disabling by
 * failure) are not part of this class's API.
 *
 * <p>A webhook may belong to a tenant ({@link WebhookDefinition.Builder#tenant}), fixed at
 * creation. {@link #forTenant} gives the reads that code serving one tenant needs, under which
 * other tenants' webhooks do not exist.
 *
 * <p>Thread-safe. Changes by the owner ({@link #update}) use optimistic concurrency: an update
 * based on a stale version fails with {@link WebhookConflictException} rather than overwrite a
 * concurrent change. State changes that do not depend on what the caller saw ({@link #enable},
 * {@link #disable}, verification and health results) re-read and retry instead.
 */
public final class WebhookRegistry {
  private static final Logger log = LoggerFactory.getLogger(WebhookRegistry.class);

  /** The overlap during which old and new signing secrets both sign, when none is given. */
  public static final Duration DEFAULT_ROTATION_OVERLAP = Duration.ofHours(24);

  /** The longest overlap {@link #rotateSigningSecret} takes: 30 days. */
  public static final Duration MAX_ROTATION_OVERLAP = Duration.ofDays(30);

  /**
   * The most signing secrets that sign at once: 3. A rotation while as many sign keeps the oldest
   * (the one listeners were deployed with) and the newest and stops those in between at once, so
   * that rotating again and again cannot grow a webhook's secrets, and every notification's
   * signature header, without bound, nor take away the secret listeners still check.
   */
  public static final int MAX_ACTIVE_SIGNING_SECRETS = 3;

  /** The default of {@link Builder#maxWebhooksPerTenant}: 100. */
  public static final int DEFAULT_MAX_WEBHOOKS_PER_TENANT = 100;

  private static final int SIGNING_SECRET_BYTES = 32;
  private static final int MAX_STATE_RETRIES = 100;

  private final Store store;
  private final Clock clock;
  private final IdGenerator ids;
  private final SecureRandom random;
  private final WebhookRules rules;
  private final AddressPolicy addressPolicy;
  private final HostResolver hostResolver;
  private final int maxWebhooksPerTenant;
  private final List<WebhookChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final WebhookStateChanges stateChanges = new StateChanges();

  static {
    // System-driven state changes are reachable only through a package that core exports to
    // Hookline's own modules (delivery, testing), not through this class's public API.
    RegistryAccess.install(registry -> registry.stateChanges);
  }

  private WebhookRegistry(Builder b, Store store) {
    this.store = store;
    this.clock = b.clock;
    this.ids = b.ids;
    this.random = b.random;
    this.addressPolicy =
        b.allowInsecureLoopback ? b.addressPolicy.withLoopbackAllowed() : b.addressPolicy;
    this.hostResolver = b.hostResolver;
    this.maxWebhooksPerTenant = b.maxWebhooksPerTenant;
    this.rules =
        new WebhookRules(
            b.catalogue, b.filterCompiler, b.allowInsecureLoopback, addressPolicy, hostResolver);
  }

  /**
   * Starts a registry builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the clock this registry stamps changes with.
   *
   * @return the clock
   */
  public Clock clock() {
    return clock;
  }

  /**
   * Returns the SSRF guard's rules, which the dispatcher applies again before every attempt.
   * Includes loopback when the registry was built with the development option.
   *
   * @return the address policy
   */
  public AddressPolicy addressPolicy() {
    return addressPolicy;
  }

  /**
   * Returns the resolver the SSRF guard uses.
   *
   * @return the host resolver
   */
  public HostResolver hostResolver() {
    return hostResolver;
  }

  /**
   * Returns the catalogue of event types webhooks may subscribe to.
   *
   * @return the catalogue
   */
  public EventCatalogue catalogue() {
    return rules.catalogue();
  }

  /**
   * Registers a listener told about every change this registry makes.
   *
   * @param listener the listener
   */
  public void addChangeListener(WebhookChangeListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Removes a listener.
   *
   * @param listener the listener
   */
  public void removeChangeListener(WebhookChangeListener listener) {
    listeners.remove(listener);
  }

  /**
   * Validates and registers a webhook. It starts {@link WebhookStatus#PENDING_VERIFICATION},
   * disabled, with one new signing secret.
   *
   * <p>A tenant has at most {@link Builder#maxWebhooksPerTenant} webhooks (100 by default); the
   * host's own webhooks, without a tenant, are not counted.
   *
   * @param definition what the customer asked for
   * @return the stored webhook
   * @throws WebhookValidationException listing every field that breaks a rule
   * @throws WebhookLimitException if the tenant already has as many webhooks as it may (nothing is
   *     stored)
   */
  public Webhook create(WebhookDefinition definition) {
    Objects.requireNonNull(definition, "definition");
    WebhookRules.Valid v = rules.validate(definition);
    Instant now = clock.instant();
    Webhook webhook =
        new Webhook(
            ids.next("wh"),
            v.tenant(),
            v.name(),
            v.description(),
            v.uri(),
            definition.apiKey(),
            v.events(),
            v.filter(),
            v.format(),
            v.audience(),
            WebhookStatus.PENDING_VERIFICATION,
            false,
            Optional.empty(),
            List.of(new SigningSecret(newSigningSecret(), now, Optional.empty())),
            now,
            now,
            1);
    if (!store.insertWebhook(webhook, maxWebhooksPerTenant)) {
      throw new WebhookLimitException(webhook.tenant().orElseThrow(), maxWebhooksPerTenant);
    }
    log.info("webhook created: webhook={} uri={}", webhook.id(), UriDisplay.of(webhook.uri()));
    notifyListeners(webhook.id(), Optional.of(webhook));
    return webhook;
  }

  /**
   * Finds a webhook.
   *
   * @param id the webhook id
   * @return the webhook, or empty if none has that id
   */
  public Optional<Webhook> get(String id) {
    return store.findWebhook(Objects.requireNonNull(id, "id"));
  }

  /**
   * Returns a webhook that must exist.
   *
   * @param id the webhook id
   * @return the webhook
   * @throws WebhookNotFoundException if none has that id
   */
  public Webhook require(String id) {
    return get(id).orElseThrow(() -> new WebhookNotFoundException(id));
  }

  /**
   * Lists every webhook, oldest first, each with its status, enabled flag, name and description.
   *
   * @return the webhooks
   */
  public List<Webhook> list() {
    return store.listWebhooks();
  }

  /**
   * Returns a view of one tenant's webhooks, for code that serves that tenant (a management API, an
   * admin screen). Through it, another tenant's webhook and the host's own look exactly like a
   * webhook that does not exist.
   *
   * @param tenant the tenant, 1 to 128 characters {@code A-Z a-z 0-9 . _ : @ -}
   * @return the tenant's view
   * @throws IllegalArgumentException if the tenant is malformed
   */
  public TenantWebhooks forTenant(String tenant) {
    return new TenantWebhooks(store, tenant);
  }

  /**
   * Replaces a webhook's definition, if nobody changed it since {@code expectedVersion}. Changing
   * the URI returns the webhook to {@link WebhookStatus#PENDING_VERIFICATION}: the new endpoint
   * must prove ownership before it receives anything.
   *
   * @param id the webhook id
   * @param expectedVersion the version the change is based on
   * @param definition the new definition
   * @return the stored webhook
   * @throws WebhookValidationException listing every field that breaks a rule, including a {@code
   *     tenant} that differs from the stored one (a webhook never moves between tenants)
   * @throws WebhookNotFoundException if no webhook has that id
   * @throws WebhookConflictException if the stored version is not {@code expectedVersion}
   */
  public Webhook update(String id, long expectedVersion, WebhookDefinition definition) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(definition, "definition");
    Optional<Webhook> stored = get(id);
    WebhookRules.Valid v =
        stored.isPresent()
            ? rules.validateUpdate(definition, stored.get().tenant())
            : rules.validate(definition);
    Webhook current = stored.orElseThrow(() -> new WebhookNotFoundException(id));
    if (current.version() != expectedVersion) {
      throw WebhookConflictException.staleVersion(id, expectedVersion, current.version());
    }
    boolean uriChanged = !current.uri().equals(v.uri());
    Webhook updated =
        new Webhook(
            id,
            current.tenant(),
            v.name(),
            v.description(),
            v.uri(),
            definition.apiKey(),
            v.events(),
            v.filter(),
            v.format(),
            v.audience(),
            uriChanged ? WebhookStatus.PENDING_VERIFICATION : current.status(),
            current.enabled(),
            uriChanged
                ? Optional.of("URI changed: verify the new endpoint")
                : current.statusReason(),
            current.signingSecrets(),
            current.createdAt(),
            clock.instant(),
            expectedVersion + 1);
    store.updateWebhook(updated);
    if (uriChanged) {
      store.clearEndpointFailing(id); // a new endpoint: the old one's failures do not count
    }
    log.info("webhook updated: webhook={} version={}", id, updated.version());
    notifyListeners(id, Optional.of(updated));
    return updated;
  }

  /**
   * Deletes a webhook and its deliveries.
   *
   * @param id the webhook id
   * @return true if it existed
   */
  public boolean delete(String id) {
    boolean deleted = store.deleteWebhook(Objects.requireNonNull(id, "id"));
    if (deleted) {
      log.info("webhook deleted: webhook={}", id);
      notifyListeners(id, Optional.empty());
    }
    return deleted;
  }

  /**
   * Enables a webhook. An unverified webhook may be enabled; it receives notifications once it is
   * verified too. Enabling a webhook {@linkplain WebhookStatus#DISABLED_BY_FAILURE disabled by
   * failure} returns it to {@link WebhookStatus#VERIFIED}. Enabling a webhook that was not
   * receiving also resets the endpoint's health: its continuous-failure clock starts again from the
   * next failure. Enabling one that is already enabled changes nothing.
   *
   * @param id the webhook id
   * @return the stored webhook
   * @throws WebhookNotFoundException if no webhook has that id
   */
  public Webhook enable(String id) {
    return enable(id, OptionalLong.empty());
  }

  /** {@link #enable}, only if the webhook is at {@code expectedVersion}, when one is given. */
  private Webhook enable(String id, OptionalLong expectedVersion) {
    Webhook current = require(id);
    requireVersion(current, expectedVersion);
    if (current.enabled() && current.status() != WebhookStatus.DISABLED_BY_FAILURE) {
      return current; // already enabled: nothing changes, the failure clock keeps running
    }
    // A fresh start: stop the endpoint's failure clock (shared by every dispatcher) first, so no
    // dispatcher can act on the old clock once the webhook receives again.
    store.clearEndpointFailing(id);
    return changeState(
        id,
        expectedVersion,
        w ->
            w.status() == WebhookStatus.DISABLED_BY_FAILURE
                ? Optional.of(
                    w.withState(WebhookStatus.VERIFIED, true, Optional.empty(), clock.instant()))
                : w.enabled()
                    ? Optional.empty()
                    : Optional.of(
                        w.withState(w.status(), true, w.statusReason(), clock.instant())));
  }

  /**
   * Disables a webhook: it receives nothing until enabled again. Queued deliveries stay queued.
   *
   * @param id the webhook id
   * @return the stored webhook
   * @throws WebhookNotFoundException if no webhook has that id
   */
  public Webhook disable(String id) {
    return disable(id, OptionalLong.empty());
  }

  /** {@link #disable}, only if the webhook is at {@code expectedVersion}, when one is given. */
  private Webhook disable(String id, OptionalLong expectedVersion) {
    return changeState(
        id,
        expectedVersion,
        w ->
            w.enabled()
                ? Optional.of(w.withState(w.status(), false, w.statusReason(), clock.instant()))
                : Optional.empty());
  }

  /**
   * Records the result of a handshake with {@code checked} (the webhook as it was when the
   * handshake started). A success counts only for the URI that answered: if the webhook moved to
   * another URI meanwhile, it is not marked verified and the result says so.
   *
   * @param checked the webhook the handshake was run against
   * @param result the handshake's result
   * @return the result to report
   * @throws WebhookNotFoundException if the webhook was deleted
   */
  private VerificationResult recordVerification(Webhook checked, VerificationResult result) {
    Objects.requireNonNull(checked, "checked");
    Objects.requireNonNull(result, "result");
    if (!result.verified()) {
      // Recorded only against the URI that failed: a moved webhook keeps its own status reason.
      changeState(
          checked.id(),
          w ->
              w.uri().equals(checked.uri())
                  ? Optional.of(
                      w.withState(
                          w.status(),
                          w.enabled(),
                          Optional.of("verification failed: " + result.detail()),
                          clock.instant()))
                  : Optional.<Webhook>empty());
      return result;
    }
    Webhook after = markVerified(checked.id(), checked.uri());
    if (after.status() != WebhookStatus.VERIFIED || !after.uri().equals(checked.uri())) {
      return new VerificationResult(
          false,
          "the webhook's URI changed during the handshake; verify the new endpoint ("
              + UriDisplay.of(after.uri())
              + ")");
    }
    return result;
  }

  /**
   * Records that the endpoint proved ownership: the webhook becomes {@link WebhookStatus#VERIFIED}.
   *
   * @param id the webhook id
   * @return the stored webhook
   * @throws WebhookNotFoundException if no webhook has that id
   */
  private Webhook markVerified(String id) {
    return changeState(id, this::verified);
  }

  /**
   * Records that the endpoint at {@code verifiedUri} proved ownership. If the webhook points
   * elsewhere by now (its URI was changed while the handshake ran), nothing changes: the new
   * endpoint has proved nothing.
   *
   * @param id the webhook id
   * @param verifiedUri the URI that answered the handshake
   * @return the stored webhook (unchanged if its URI is not {@code verifiedUri})
   * @throws WebhookNotFoundException if no webhook has that id
   */
  private Webhook markVerified(String id, URI verifiedUri) {
    Objects.requireNonNull(verifiedUri, "verifiedUri");
    return changeState(
        id, w -> w.uri().equals(verifiedUri) ? verified(w) : Optional.<Webhook>empty());
  }

  /** The webhook marked verified, or empty if it already is (nothing to write). */
  private Optional<Webhook> verified(Webhook w) {
    return w.status() == WebhookStatus.VERIFIED && w.statusReason().isEmpty()
        ? Optional.empty()
        : Optional.of(
            w.withState(WebhookStatus.VERIFIED, w.enabled(), Optional.empty(), clock.instant()));
  }

  /**
   * Stops deliveries to a webhook whose endpoint at {@code failedUri} answered {@code 410 Gone}: it
   * becomes {@link WebhookStatus#DISABLED_BY_FAILURE} with the reason, its queued deliveries are
   * kept, and {@link #enable} brings it back. Only a {@link WebhookStatus#VERIFIED} webhook that
   * still points at {@code failedUri} is disabled. If it has moved to another URI since, is waiting
   * for its new endpoint's verification, or is already disabled, nothing changes.
   *
   * @param id the webhook id
   * @param failedUri the URI that failed
   * @param reason why, for people
   * @return the stored webhook if this call disabled it; empty if it changed nothing
   * @throws WebhookNotFoundException if no webhook has that id
   */
  private Optional<Webhook> disableByFailure(String id, URI failedUri, String reason) {
    Objects.requireNonNull(failedUri, "failedUri");
    Objects.requireNonNull(reason, "reason");
    return disableIf(id, reason, w -> w.uri().equals(failedUri));
  }

  /**
   * Disables a webhook whose endpoint at {@code failedUri} has failed without a success since
   * {@code failingSince}, if that is still so: the webhook is {@link WebhookStatus#VERIFIED}, still
   * points at {@code failedUri}, and the Store's failure clock ({@link Store#endpointFailingSince})
   * still runs from {@code failingSince} or earlier. The clock is re-read inside the optimistic
   * update, so a concurrent {@link #enable} (which stops the clock first) or another instance's
   * success wins.
   *
   * @param id the webhook id
   * @param failedUri the URI that failed
   * @param failingSince the start of the failure the caller saw
   * @param reason why, for people
   * @return the stored webhook if this call disabled it; empty if it changed nothing
   * @throws WebhookNotFoundException if no webhook has that id
   */
  private Optional<Webhook> disableForContinuousFailure(
      String id, URI failedUri, Instant failingSince, String reason) {
    Objects.requireNonNull(failedUri, "failedUri");
    Objects.requireNonNull(failingSince, "failingSince");
    Objects.requireNonNull(reason, "reason");
    return disableIf(
        id,
        reason,
        w ->
            w.uri().equals(failedUri)
                && store
                    .endpointFailingSince(id)
                    .filter(since -> !since.isAfter(failingSince))
                    .isPresent());
  }

  private Optional<Webhook> disableIf(String id, String reason, Predicate<Webhook> stillFailing) {
    // The last run of the change decides: it either wrote (the store accepted it) or found
    // nothing to do; an earlier run that lost a version race is run again.
    AtomicBoolean wrote = new AtomicBoolean();
    Webhook after =
        changeState(
            id,
            w -> {
              Optional<Webhook> change =
                  w.status() == WebhookStatus.VERIFIED && stillFailing.test(w)
                      ? Optional.of(disabledByFailure(w, reason))
                      : Optional.empty();
              wrote.set(change.isPresent());
              return change;
            });
    if (wrote.get()) {
      log.warn("webhook disabled by failure: webhook={} reason={}", id, reason);
      return Optional.of(after);
    }
    log.debug("webhook not disabled: it changed since the failure: webhook={}", id);
    return Optional.empty();
  }

  /**
   * A webhook disabled for failure. Only a verified one becomes {@code DISABLED_BY_FAILURE} (which
   * {@link #enable} turns back into {@code VERIFIED}); one still waiting for verification stays
   * {@code PENDING_VERIFICATION}, disabled, so re-enabling it cannot skip the handshake.
   */
  private Webhook disabledByFailure(Webhook w, String reason) {
    WebhookStatus status =
        w.status() == WebhookStatus.PENDING_VERIFICATION
            ? WebhookStatus.PENDING_VERIFICATION
            : WebhookStatus.DISABLED_BY_FAILURE;
    return w.withState(status, false, Optional.of(reason), clock.instant());
  }

  /**
   * Adds a new signing secret. Until {@code overlap} has passed, notifications carry signatures by
   * both the old and the new secret, so listeners can switch without missing any; then the old
   * secret stops signing, and it is deleted by the dispatcher's periodic purge or at the next
   * rotation, whichever comes first. At most {@link #MAX_ACTIVE_SIGNING_SECRETS} secrets sign at
   * once: rotating while that many sign keeps the oldest and the newest, and stops those in between
   * at once.
   *
   * @param id the webhook id
   * @param overlap how long the old secrets keep signing, zero to {@link #MAX_ROTATION_OVERLAP};
   *     zero drops them at once
   * @return the stored webhook
   * @throws WebhookNotFoundException if no webhook has that id
   * @throws IllegalArgumentException if the overlap is negative or longer than 30 days
   */
  public Webhook rotateSigningSecret(String id, Duration overlap) {
    return rotateSigningSecret(id, overlap, OptionalLong.empty());
  }

  /**
   * {@link #rotateSigningSecret}, only if the webhook is at {@code expectedVersion}, when one is
   * given.
   */
  private Webhook rotateSigningSecret(String id, Duration overlap, OptionalLong expectedVersion) {
    Objects.requireNonNull(overlap, "overlap");
    if (overlap.isNegative() || overlap.compareTo(MAX_ROTATION_OVERLAP) > 0) {
      throw new IllegalArgumentException(
          "overlap must be between 0 and 30 days (PT720H), was " + overlap);
    }
    return changeState(
        id,
        expectedVersion,
        w -> {
          Instant now = clock.instant();
          Instant oldUntil = now.plus(overlap);
          List<SigningSecret> active = new ArrayList<>(w.activeSigningSecrets(now));
          active.sort(Comparator.comparing(SigningSecret::createdAt));
          // Beyond the limit, the ones in between stop now: the oldest is what listeners were
          // deployed with, the newest what they were told of last.
          List<SigningSecret> kept = active;
          if (active.size() > MAX_ACTIVE_SIGNING_SECRETS - 1) {
            kept = new ArrayList<>();
            kept.add(active.get(0));
            kept.addAll(
                active.subList(active.size() - (MAX_ACTIVE_SIGNING_SECRETS - 2), active.size()));
          }
          List<SigningSecret> secrets = new ArrayList<>();
          for (SigningSecret s : kept) {
            Instant until = s.expiresAt().filter(e -> e.isBefore(oldUntil)).orElse(oldUntil);
            if (until.isAfter(now)) {
              secrets.add(new SigningSecret(s.secret(), s.createdAt(), Optional.of(until)));
            }
          }
          secrets.add(new SigningSecret(newSigningSecret(), now, Optional.empty()));
          return Optional.of(w.withSigningSecrets(secrets, now));
        });
  }

  /**
   * Replaces the API key the sender puts in {@code Authorization: Bearer ...}, from the next
   * attempt on (retries of earlier deliveries too). Listeners should accept the old and the new key
   * for a while ({@code WebhookVerifier.builder().apiKey(old).apiKey(new)}): see docs/receiving.md
   * for the procedure. Unlike {@link #update}, it needs no expected version: it changes the key
   * only.
   *
   * @param id the webhook id
   * @param newApiKey the new key, 16 to 512 printable ASCII characters without spaces
   * @return the stored webhook
   * @throws WebhookValidationException if the key breaks a rule (the message never shows it)
   * @throws WebhookNotFoundException if no webhook has that id
   */
  public Webhook rotateApiKey(String id, Secret newApiKey) {
    return rotateApiKey(id, newApiKey, OptionalLong.empty(), false);
  }

  /**
   * {@link #rotateApiKey}, only if the webhook is at {@code expectedVersion}, when one is given;
   * with {@code alwaysWrite}, a key equal to the stored one is written too (a new version).
   */
  private Webhook rotateApiKey(
      String id, Secret newApiKey, OptionalLong expectedVersion, boolean alwaysWrite) {
    Objects.requireNonNull(newApiKey, "newApiKey");
    rules.validateApiKey(newApiKey);
    Webhook result =
        changeState(
            id,
            expectedVersion,
            w ->
                !alwaysWrite && w.apiKey().equals(newApiKey)
                    ? Optional.empty()
                    : Optional.of(w.withApiKey(newApiKey, clock.instant())));
    log.info("webhook API key rotated: webhook={} version={}", id, result.version());
    return result;
  }

  /**
   * Deletes signing secrets whose rotation overlap has ended from every webhook, so that a retired
   * secret does not stay in storage until the next rotation. The dispatcher runs it with its
   * periodic purge; safe to call at any time (each webhook is changed with an optimistic update).
   *
   * @return how many webhooks were changed
   */
  private int dropExpiredSigningSecrets() {
    int changed = 0;
    for (Webhook listed : store.listWebhooks()) {
      Instant now = clock.instant();
      if (listed.activeSigningSecrets(now).size() == listed.signingSecrets().size()) {
        continue;
      }
      try {
        AtomicBoolean wrote = new AtomicBoolean();
        changeState(
            listed.id(),
            w -> {
              List<SigningSecret> active = w.activeSigningSecrets(clock.instant());
              boolean drop = !active.isEmpty() && active.size() < w.signingSecrets().size();
              wrote.set(drop);
              return drop
                  ? Optional.of(w.withSigningSecrets(active, clock.instant()))
                  : Optional.<Webhook>empty();
            });
        if (wrote.get()) {
          changed++;
          log.info("expired signing secrets dropped: webhook={}", listed.id());
        }
      } catch (WebhookNotFoundException e) {
        // deleted meanwhile
      }
    }
    return changed;
  }

  private Webhook changeState(String id, Function<Webhook, Optional<Webhook>> change) {
    return changeState(id, OptionalLong.empty(), change);
  }

  /**
   * Applies {@code change} to the stored webhook with an optimistic update, re-reading and applying
   * it again when another writer got in between. With an expected version, the webhook must be at
   * it, also when re-read: a writer in between makes it a {@link
   * WebhookConflictException#staleVersion}, as {@link #update} is.
   */
  private Webhook changeState(
      String id, OptionalLong expectedVersion, Function<Webhook, Optional<Webhook>> change) {
    Objects.requireNonNull(id, "id");
    for (int i = 0; i < MAX_STATE_RETRIES; i++) {
      Webhook current = require(id);
      requireVersion(current, expectedVersion);
      Optional<Webhook> maybeChanged = change.apply(current);
      if (maybeChanged.isEmpty()) {
        return current; // already in the requested state
      }
      Webhook changed = maybeChanged.get();
      try {
        store.updateWebhook(changed);
      } catch (WebhookConflictException e) {
        continue; // someone changed it meanwhile: re-read and apply again
      }
      notifyListeners(id, Optional.of(changed));
      return changed;
    }
    throw WebhookConflictException.contended(id, MAX_STATE_RETRIES);
  }

  private static void requireVersion(Webhook current, OptionalLong expectedVersion) {
    if (expectedVersion.isPresent() && current.version() != expectedVersion.getAsLong()) {
      throw WebhookConflictException.staleVersion(
          current.id(), expectedVersion.getAsLong(), current.version());
    }
  }

  private Secret newSigningSecret() {
    byte[] key = new byte[SIGNING_SECRET_BYTES];
    random.nextBytes(key);
    return Secret.of("whsec_" + Base64.getEncoder().encodeToString(key));
  }

  /**
   * Tells the listeners of a change, on the thread that made it, with no lock held: a listener may
   * take its own locks and call the registry. Two changes of one webhook made at once on two
   * threads may be told in either order; {@link WebhookChangeListener} says how a listener keeps
   * the latest.
   */
  private void notifyListeners(String id, Optional<Webhook> current) {
    for (WebhookChangeListener l : listeners) {
      try {
        l.onChange(id, current);
      } catch (RuntimeException | Error e) {
        // An Error too (a LinkageError from a tracing library of the wrong version): the change is
        // made and the other listeners are told; only the JVM's own errors go on.
        if (e instanceof VirtualMachineError fatal) {
          throw fatal;
        }
        log.warn("webhook change listener failed: webhook={} listener={}", id, l.getClass(), e);
      }
    }
  }

  /**
   * The system-driven state changes, handed to Hookline's own modules by {@link RegistryAccess}.
   */
  private final class StateChanges implements WebhookStateChanges {
    @Override
    public Store store() {
      return store;
    }

    @Override
    public VerificationResult recordVerification(Webhook checked, VerificationResult result) {
      return WebhookRegistry.this.recordVerification(checked, result);
    }

    @Override
    public Optional<Webhook> disableByFailure(String id, URI failedUri, String reason) {
      return WebhookRegistry.this.disableByFailure(id, failedUri, reason);
    }

    @Override
    public Optional<Webhook> disableForContinuousFailure(
        String id, URI failedUri, Instant failingSince, String reason) {
      return WebhookRegistry.this.disableForContinuousFailure(id, failedUri, failingSince, reason);
    }

    @Override
    public int dropExpiredSigningSecrets() {
      return WebhookRegistry.this.dropExpiredSigningSecrets();
    }

    @Override
    public Webhook markVerifiedWithoutHandshake(String id) {
      return markVerified(id);
    }

    @Override
    public Webhook enable(String id, OptionalLong expectedVersion) {
      return WebhookRegistry.this.enable(id, Objects.requireNonNull(expectedVersion));
    }

    @Override
    public Webhook disable(String id, OptionalLong expectedVersion) {
      return WebhookRegistry.this.disable(id, Objects.requireNonNull(expectedVersion));
    }

    @Override
    public Webhook rotateSigningSecret(String id, Duration overlap, OptionalLong expectedVersion) {
      return WebhookRegistry.this.rotateSigningSecret(
          id, overlap, Objects.requireNonNull(expectedVersion));
    }

    @Override
    public Webhook rotateApiKey(String id, Secret newApiKey, OptionalLong expectedVersion) {
      return WebhookRegistry.this.rotateApiKey(
          id, newApiKey, Objects.requireNonNull(expectedVersion), true);
    }
  }

  /** Builds a {@link WebhookRegistry}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Store store;
    private Clock clock = Clock.systemUTC();
    private IdGenerator ids = IdGenerator.secureRandom();
    private SecureRandom random = new SecureRandom();
    private EventCatalogue catalogue = EventCatalogue.standard();
    private @Nullable FilterCompiler filterCompiler;
    private boolean allowInsecureLoopback;
    private AddressPolicy addressPolicy = AddressPolicy.defaults();
    private HostResolver hostResolver = HostResolver.system();
    private int maxWebhooksPerTenant = DEFAULT_MAX_WEBHOOKS_PER_TENANT;

    private Builder() {}

    /**
     * Sets how many webhooks one tenant may have, so that no tenant can grow the Store, every
     * instance's routing index and each event's routing without bound. {@link #create} beyond it is
     * refused; the host's own webhooks (no tenant) are not counted. The Stores here count and
     * insert atomically, across processes too. Default: {@value
     * WebhookRegistry#DEFAULT_MAX_WEBHOOKS_PER_TENANT}.
     *
     * @param max 1 to 1,000,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxWebhooksPerTenant(int max) {
      if (max < 1 || max > 1_000_000) {
        throw new IllegalArgumentException(
            "maxWebhooksPerTenant must be between 1 and 1,000,000, was " + max);
      }
      this.maxWebhooksPerTenant = max;
      return this;
    }

    /**
     * Sets the SSRF guard's rules. Default: {@link AddressPolicy#defaults()} (public unicast
     * addresses only). Applied at registration and, by the dispatcher, before every attempt.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder addressPolicy(AddressPolicy policy) {
      this.addressPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets the resolver the SSRF guard uses. Default: {@link HostResolver#system()}.
     *
     * @param resolver the resolver
     * @return this builder
     */
    public Builder hostResolver(HostResolver resolver) {
      this.hostResolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /**
     * Sets the store. Required.
     *
     * @param store the store
     * @return this builder
     */
    public Builder store(Store store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Sets the clock that stamps changes. Default: {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the id generator. Default: {@link IdGenerator#secureRandom()}.
     *
     * @param ids the generator
     * @return this builder
     */
    public Builder idGenerator(IdGenerator ids) {
      this.ids = Objects.requireNonNull(ids, "ids");
      return this;
    }

    /**
     * Sets the source of signing-secret bytes. Default: a new {@link SecureRandom}.
     *
     * @param random the source
     * @return this builder
     */
    public Builder secureRandom(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Sets the event types webhooks may subscribe to. Default: {@link EventCatalogue#standard()}.
     *
     * @param catalogue the catalogue
     * @return this builder
     */
    public Builder catalogue(EventCatalogue catalogue) {
      this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
      return this;
    }

    /**
     * Sets the compiler that validates filters. Without one, a webhook with a filter is rejected.
     *
     * @param compiler the compiler (the filters module provides one)
     * @return this builder
     */
    public Builder filterCompiler(FilterCompiler compiler) {
      this.filterCompiler = Objects.requireNonNull(compiler, "compiler");
      return this;
    }

    /**
     * Development only: also accept {@code http} URIs whose host is loopback ({@code localhost},
     * {@code 127.0.0.0/8}, {@code ::1}). Off by default; never turn it on in production.
     *
     * @param allow whether to accept loopback {@code http}
     * @return this builder
     */
    public Builder allowInsecureLoopbackForDevelopment(boolean allow) {
      this.allowInsecureLoopback = allow;
      return this;
    }

    /**
     * Returns the registry.
     *
     * @return the registry
     * @throws IllegalStateException if no store was set
     */
    public WebhookRegistry build() {
      Store s = store;
      if (s == null) {
        throw new IllegalStateException("WebhookRegistry needs a store: call store(...)");
      }
      return new WebhookRegistry(this, s);
    }
  }
}
