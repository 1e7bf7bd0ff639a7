package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.internal.RegistryAccess;
import dev.hookline.internal.WebhookStateChanges;
import dev.hookline.store.InMemoryStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The registry's life-cycle operations. */
class WebhookRegistryTest {
  private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<String> changes = new ArrayList<>();
  private final AtomicReference<VerificationResult> nextVerification =
      new AtomicReference<>(new VerificationResult(true, "ok"));
  private final InMemoryStore store = new InMemoryStore();
  private final WebhookRegistry registry =
      WebhookRegistry.builder().store(store).clock(clock).build();
  // What only the system may do: the delivery module records handshakes and failures this way.
  private final WebhookStateChanges system = RegistryAccess.stateChanges(registry);

  {
    registry.addChangeListener(
        (id, current) ->
            changes.add(id + ":" + current.map(w -> "v" + w.version()).orElse("deleted")));
  }

  private Webhook create(String name) {
    return registry.create(
        WebhookDefinition.builder()
            .name(name)
            .uri("https://hooks.example.com/" + name)
            .apiKey("k3y-0123456789-abcdef")
            .events(UserEvents.CREATED)
            .build());
  }

  @Test
  void newWebhookStartsPendingAndDisabledAndReceivesNothing() {
    Webhook w = create("a");
    assertEquals(WebhookStatus.PENDING_VERIFICATION, w.status());
    assertFalse(w.enabled());
    assertFalse(w.receivesEvents());
    assertEquals(Optional.of(w), registry.get(w.id()));
  }

  @Test
  void enabledButUnverifiedReceivesNothingUntilVerified() {
    Webhook w = create("a");
    Webhook enabled = registry.enable(w.id());
    assertTrue(enabled.enabled());
    assertFalse(enabled.receivesEvents());
    Webhook verified = system.markVerifiedWithoutHandshake(w.id());
    assertTrue(verified.receivesEvents());
    assertEquals(3, verified.version());
  }

  @Test
  void verificationThroughTheVerifierRecordsTheResult() {
    Webhook w = create("a");
    nextVerification.set(new VerificationResult(false, "HTTP 404"));
    assertFalse(
        system.recordVerification(registry.require(w.id()), nextVerification.get()).verified());
    Webhook pending = registry.require(w.id());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, pending.status());
    assertEquals(Optional.of("verification failed: HTTP 404"), pending.statusReason());

    nextVerification.set(new VerificationResult(true, "key echoed"));
    assertTrue(
        system.recordVerification(registry.require(w.id()), nextVerification.get()).verified());
    Webhook verified = registry.require(w.id());
    assertEquals(WebhookStatus.VERIFIED, verified.status());
    assertTrue(verified.statusReason().isEmpty());
  }

  @Test
  void disableAndEnableAreIdempotent() {
    Webhook w = create("a");
    assertEquals(1, registry.disable(w.id()).version(), "already disabled: nothing written");
    assertEquals(2, registry.enable(w.id()).version());
    assertEquals(2, registry.enable(w.id()).version());
    assertFalse(registry.disable(w.id()).enabled());
  }

  @Test
  void disabledByFailureComesBackVerifiedWhenEnabled() {
    Webhook w = create("a");
    system.markVerifiedWithoutHandshake(w.id());
    registry.enable(w.id());
    Webhook disabled =
        system.disableByFailure(w.id(), w.uri(), "endpoint answered 410 Gone").orElseThrow();
    assertEquals(WebhookStatus.DISABLED_BY_FAILURE, disabled.status());
    assertFalse(disabled.receivesEvents());
    assertEquals(Optional.of("endpoint answered 410 Gone"), disabled.statusReason());
    Webhook back = registry.enable(w.id());
    assertEquals(WebhookStatus.VERIFIED, back.status());
    assertTrue(back.receivesEvents());
    assertTrue(back.statusReason().isEmpty());
  }

  @Test
  void updateChangesTheDefinitionAndKeepsTheRest() {
    Webhook w = create("a");
    system.markVerifiedWithoutHandshake(w.id());
    Webhook current = registry.require(w.id());
    clock.advance(Duration.ofMinutes(5));
    Webhook updated =
        registry.update(
            w.id(),
            current.version(),
            current.definition().toBuilder()
                .name("renamed")
                .events(UserEvents.CREATED, UserEvents.DELETED)
                .build());
    assertEquals("renamed", updated.name());
    assertEquals(WebhookStatus.VERIFIED, updated.status(), "same URI: stays verified");
    assertEquals(current.version() + 1, updated.version());
    assertEquals(clock.instant(), updated.updatedAt());
    assertEquals(w.createdAt(), updated.createdAt());
    assertEquals(w.signingSecrets(), updated.signingSecrets());
  }

  @Test
  void changingTheUriRequiresVerificationAgain() {
    Webhook w = create("a");
    Webhook verified = system.markVerifiedWithoutHandshake(w.id());
    Webhook moved =
        registry.update(
            w.id(),
            verified.version(),
            verified.definition().toBuilder().uri("https://other.example.com/h").build());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, moved.status());
    assertEquals(Optional.of("URI changed: verify the new endpoint"), moved.statusReason());
  }

  @Test
  void staleUpdateFailsWithAConflictAndWritesNothing() {
    Webhook w = create("a");
    registry.update(w.id(), 1, w.definition().toBuilder().name("first").build());
    WebhookConflictException e =
        assertThrows(
            WebhookConflictException.class,
            () -> registry.update(w.id(), 1, w.definition().toBuilder().name("second").build()));
    assertEquals(1, e.expectedVersion());
    assertEquals(2, e.actualVersion());
    assertEquals("first", registry.require(w.id()).name());
  }

  @Test
  void operationsOnAMissingWebhookSayWhichId() {
    WebhookNotFoundException e =
        assertThrows(WebhookNotFoundException.class, () -> registry.enable("wh_nope"));
    assertEquals("wh_nope", e.webhookId());
    assertEquals("No webhook with id 'wh_nope'", e.getMessage());
    assertThrows(
        WebhookNotFoundException.class,
        () -> registry.update("wh_nope", 1, create("x").definition()));
  }

  @Test
  void deleteRemovesTheWebhook() {
    Webhook w = create("a");
    assertTrue(registry.delete(w.id()));
    assertFalse(registry.delete(w.id()));
    assertTrue(registry.get(w.id()).isEmpty());
    assertTrue(registry.list().isEmpty());
  }

  @Test
  void listShowsStatusEnabledNameAndDescriptionOldestFirst() {
    Webhook a = create("a");
    clock.advance(Duration.ofSeconds(1));
    Webhook b = create("b");
    registry.enable(b.id());
    List<Webhook> all = registry.list();
    assertEquals(List.of(a.id(), b.id()), all.stream().map(Webhook::id).toList());
    assertFalse(all.get(0).enabled());
    assertTrue(all.get(1).enabled());
    assertEquals("b", all.get(1).name());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, all.get(1).status());
  }

  @Test
  void listenersSeeEveryChange() {
    Webhook w = create("a");
    registry.enable(w.id());
    registry.delete(w.id());
    assertEquals(List.of(w.id() + ":v1", w.id() + ":v2", w.id() + ":deleted"), changes);
  }

  @Test
  void rotationSignsWithBothSecretsDuringTheOverlapThenOnlyTheNewOne() {
    Webhook w = create("a");
    Secret old = w.signingSecrets().get(0).secret();
    Webhook rotated = registry.rotateSigningSecret(w.id(), Duration.ofHours(24));
    assertEquals(2, rotated.activeSigningSecrets(clock.instant()).size());
    Secret fresh = rotated.signingSecrets().get(1).secret();
    assertNotEquals(old, fresh);
    assertTrue(fresh.reveal().startsWith("whsec_"));
    clock.advance(Duration.ofHours(24));
    assertEquals(
        List.of(fresh),
        rotated.activeSigningSecrets(clock.instant()).stream().map(SigningSecret::secret).toList());
    Webhook again = registry.rotateSigningSecret(w.id(), Duration.ZERO);
    assertEquals(1, again.signingSecrets().size(), "expired and zero-overlap secrets are dropped");
  }

  @Test
  void aFailureOfTheOldEndpointCannotSkipTheNewOnesHandshake() {
    Webhook w = create("a");
    system.markVerifiedWithoutHandshake(w.id());
    Webhook old = registry.enable(w.id());
    // The URI changes while an attempt to the old endpoint is in flight...
    WebhookDefinition moved =
        WebhookDefinition.builder()
            .name("a")
            .uri("https://elsewhere.example.com/hook")
            .apiKey("k3y-0123456789-abcdef")
            .events(UserEvents.CREATED)
            .build();
    registry.update(w.id(), old.version(), moved);
    // ...and the old endpoint then answers 410.
    assertEquals(
        Optional.empty(),
        system.disableByFailure(w.id(), old.uri(), "endpoint answered 410 Gone"),
        "the old endpoint's failure changes nothing");
    Webhook after = registry.require(w.id());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, after.status());
    assertTrue(after.enabled());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, registry.enable(w.id()).status());

    // A failure at the new URI before its handshake changes nothing either: still pending.
    assertEquals(
        Optional.empty(),
        system.disableByFailure(w.id(), registry.require(w.id()).uri(), "endpoint answered 410"));
    Webhook again = registry.require(w.id());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, again.status());
    assertFalse(again.receivesEvents());
  }

  @Test
  void continuousFailureDisablesOnlyWhileTheSharedClockStillRunsFromThen() {
    Webhook w = create("a");
    system.markVerifiedWithoutHandshake(w.id());
    registry.enable(w.id());
    Instant t0 = clock.instant();
    store.markEndpointFailing(w.id(), t0);
    clock.advance(Duration.ofDays(5));

    // The clock was stopped meanwhile (a success elsewhere): nothing happens.
    store.clearEndpointFailing(w.id());
    assertEquals(
        Optional.empty(), system.disableForContinuousFailure(w.id(), w.uri(), t0, "failing"));
    // It runs again, but from later than the caller saw: nothing happens either.
    store.markEndpointFailing(w.id(), t0.plusSeconds(60));
    assertEquals(
        Optional.empty(), system.disableForContinuousFailure(w.id(), w.uri(), t0, "failing"));
    // Still failing from the time the caller saw: disabled, once.
    Webhook disabled =
        system
            .disableForContinuousFailure(w.id(), w.uri(), t0.plusSeconds(60), "failing")
            .orElseThrow();
    assertEquals(WebhookStatus.DISABLED_BY_FAILURE, disabled.status());
    assertEquals(
        Optional.empty(),
        system.disableForContinuousFailure(w.id(), w.uri(), t0.plusSeconds(60), "failing"),
        "already disabled: a second caller changes nothing (and fires no second event)");

    // enable() stops the clock before the webhook receives again; enabling twice keeps it.
    registry.enable(w.id());
    assertTrue(store.endpointFailingSince(w.id()).isEmpty());
    store.markEndpointFailing(w.id(), clock.instant());
    registry.enable(w.id());
    assertEquals(
        Optional.of(clock.instant()),
        store.endpointFailingSince(w.id()),
        "enabling an enabled webhook leaves its clock alone");
  }

  @Test
  void aHandshakeCountsOnlyForTheUriThatAnswered() {
    Webhook w = create("a");
    WebhookDefinition moved =
        WebhookDefinition.builder()
            .name("a")
            .uri("https://elsewhere.example.com/hook")
            .apiKey("k3y-0123456789-abcdef")
            .events(UserEvents.CREATED)
            .build();
    // The handshake ran against w's URI; the URI changed before its success was recorded.
    registry.update(w.id(), w.version(), moved);
    VerificationResult result =
        system.recordVerification(w, new VerificationResult(true, "echo matched"));
    assertFalse(result.verified());
    assertTrue(result.detail().contains("URI changed"), result.detail());
    assertEquals(WebhookStatus.PENDING_VERIFICATION, registry.require(w.id()).status());
    assertEquals(
        WebhookStatus.PENDING_VERIFICATION,
        system.recordVerification(w, new VerificationResult(true, "ok")).verified()
            ? WebhookStatus.VERIFIED
            : registry.require(w.id()).status(),
        "the old URI proves nothing");

    Webhook current = registry.require(w.id());
    assertTrue(system.recordVerification(current, new VerificationResult(true, "ok")).verified());
    assertEquals(WebhookStatus.VERIFIED, registry.require(w.id()).status());
  }

  @Test
  void toStringShowsTheEndpointButNotCredentialsOrCapabilityPaths() {
    WebhookDefinition d =
        WebhookDefinition.builder()
            .name("a")
            .uri("https://user:hunter2@hooks.example.com/services/T0/B0/s3cr3tPath?token=t0k3n")
            .apiKey("k3y-0123456789-abcdef")
            .events(UserEvents.CREATED)
            .build();
    assertFalse(d.toString().contains("hunter2"), d.toString());
    assertFalse(d.toString().contains("s3cr3tPath"), d.toString());
    assertTrue(d.toString().contains("https://hooks.example.com/…"), d.toString());
    Webhook w = create("a");
    Webhook capability =
        registry.update(
            w.id(),
            w.version(),
            WebhookDefinition.builder()
                .name("a")
                .uri("https://hooks.example.com:8443/services/T0/B0/s3cr3tPath")
                .apiKey("k3y-0123456789-abcdef")
                .events(UserEvents.CREATED)
                .build());
    assertFalse(capability.toString().contains("s3cr3tPath"), capability.toString());
    assertTrue(
        capability.toString().contains("uri=https://hooks.example.com:8443/…"),
        capability.toString());
    assertTrue(
        WebhookDefinition.builder()
            .uri("not a uri ::: hunter2")
            .build()
            .toString()
            .contains("unparsable URI"));
  }

  @Test
  void rotatingAgainAndAgainKeepsAtMostThreeSecretsSigningTheOriginalAmongThem() {
    Webhook w = create("a");
    Secret original = w.signingSecrets().get(0).secret();
    Webhook last = w;
    for (int i = 0; i < 50; i++) {
      clock.advance(Duration.ofSeconds(1));
      last = registry.rotateSigningSecret(w.id(), WebhookRegistry.DEFAULT_ROTATION_OVERLAP);
    }
    List<SigningSecret> active = last.activeSigningSecrets(clock.instant());
    assertEquals(WebhookRegistry.MAX_ACTIVE_SIGNING_SECRETS, active.size());
    assertEquals(
        original, active.get(0).secret(), "the one listeners were deployed with still signs");
    assertEquals(
        clock.instant().minusSeconds(1), active.get(1).createdAt(), "and the one announced last");
    assertEquals(clock.instant(), active.get(2).createdAt(), "and the new one");
    assertTrue(last.signingSecrets().size() <= WebhookRegistry.MAX_ACTIVE_SIGNING_SECRETS);
    clock.advance(WebhookRegistry.DEFAULT_ROTATION_OVERLAP);
    assertEquals(1, last.activeSigningSecrets(clock.instant()).size(), "the overlap still ends");
  }

  @Test
  void aRotationOverlapOutsideZeroToThirtyDaysIsRefusedNamingTheRange() {
    Webhook w = create("a");
    for (Duration bad :
        List.of(Duration.ofSeconds(-1), Duration.ofDays(31), Duration.ofSeconds(Long.MAX_VALUE))) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> registry.rotateSigningSecret(w.id(), bad));
      assertTrue(e.getMessage().contains("overlap must be between 0 and 30 days"), e.getMessage());
    }
    assertEquals(
        2,
        registry
            .rotateSigningSecret(w.id(), WebhookRegistry.MAX_ROTATION_OVERLAP)
            .activeSigningSecrets(clock.instant())
            .size());
  }

  @Test
  void theOwnersChangesAtAnExpectedVersionRefuseAnotherAndChangeNothing() {
    // The admin API's If-Match on its actions: the version is checked by the change's own write.
    Webhook w = create("conditional");
    OptionalLong stale = OptionalLong.of(w.version() - 1);
    Secret key = Secret.of("another-key-0123456789abcdef");
    List<Runnable> refused =
        List.of(
            () -> system.enable(w.id(), stale),
            () -> system.disable(w.id(), stale),
            () -> system.rotateSigningSecret(w.id(), Duration.ZERO, stale),
            () -> system.rotateApiKey(w.id(), key, stale));
    changes.clear();
    for (Runnable r : refused) {
      WebhookConflictException e = assertThrows(WebhookConflictException.class, r::run);
      assertEquals(WebhookConflictException.Reason.STALE_VERSION, e.reason());
      assertEquals(w.version(), e.actualVersion());
    }
    assertEquals(w, registry.require(w.id()), "nothing changed");
    assertEquals(List.of(), changes, "nobody told of a change");

    Webhook enabled = system.enable(w.id(), OptionalLong.of(w.version()));
    assertTrue(enabled.enabled());
    Webhook rotated = system.rotateApiKey(w.id(), key, OptionalLong.of(enabled.version()));
    assertEquals(key, rotated.apiKey());
    assertEquals(
        rotated.version() + 1,
        system.rotateApiKey(w.id(), key, OptionalLong.empty()).version(),
        "the admin API's key change writes the stored key too: its version tells nothing");
    Webhook anyVersion = system.disable(w.id(), OptionalLong.empty());
    assertFalse(anyVersion.enabled());
  }

  @Test
  void rotateApiKeyReplacesTheKeyOnlyAndNeverEchoesABadOne() {
    Webhook w = create("a");
    Webhook rotated = registry.rotateApiKey(w.id(), Secret.of("fresh-key-0123456789abcdef"));
    assertEquals("fresh-key-0123456789abcdef", rotated.apiKey().reveal());
    assertEquals(w.version() + 1, rotated.version());
    assertEquals(w.uri(), rotated.uri());
    assertEquals(w.status(), rotated.status(), "a new key does not need a new verification");
    assertEquals(w.signingSecrets(), rotated.signingSecrets());
    assertEquals(rotated, registry.require(w.id()));
    assertEquals(
        rotated.version(),
        registry.rotateApiKey(w.id(), Secret.of("fresh-key-0123456789abcdef")).version(),
        "the same key again changes nothing");

    String bad = "short key \u00e9";
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class, () -> registry.rotateApiKey(w.id(), Secret.of(bad)));
    assertTrue(e.getMessage().contains("apiKey"), e.getMessage());
    assertFalse(e.getMessage().contains("short key"), e.getMessage());
    assertThrows(
        WebhookNotFoundException.class,
        () -> registry.rotateApiKey("wh_missing", Secret.of("fresh-key-0123456789abcdef")));
  }

  @Test
  void retiredSigningSecretsAreDroppedFromStorageAfterTheOverlap() {
    Webhook w = create("a");
    Webhook other = create("b");
    Secret old = w.signingSecrets().get(0).secret();
    registry.rotateSigningSecret(w.id(), Duration.ofHours(24));
    assertEquals(0, system.dropExpiredSigningSecrets(), "still in its overlap: kept");
    assertEquals(2, registry.require(w.id()).signingSecrets().size());
    clock.advance(Duration.ofHours(24));
    assertEquals(1, system.dropExpiredSigningSecrets());
    List<SigningSecret> kept = registry.require(w.id()).signingSecrets();
    assertEquals(1, kept.size());
    assertNotEquals(old, kept.get(0).secret());
    assertEquals(other, registry.require(other.id()), "untouched");
    assertEquals(0, system.dropExpiredSigningSecrets(), "nothing left to drop");
  }

  @Test
  void toStringNeverShowsSecrets() {
    Webhook w = create("a");
    String text = w + " " + w.definition() + " " + w.signingSecrets();
    assertFalse(text.contains("k3y-0123456789-abcdef"), text);
    assertFalse(text.contains(w.signingSecrets().get(0).secret().reveal()), text);
  }

  /** A clock tests move by hand (core's tests cannot use hookline-testing's ManualClock). */
  static final class SettableClock extends Clock {
    private volatile Instant now;

    SettableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
