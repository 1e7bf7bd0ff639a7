package dev.hookline.internal;

import dev.hookline.Secret;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.spi.Store;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The webhook state changes that only the system may make: a handshake's outcome, disabling by
 * failure, retiring expired signing secrets; and the admin API's forms of the owner's changes
 * (enable, disable, key and secret rotation) that hold only at an expected version. They are not on
 * {@code WebhookRegistry}'s public API; the delivery and admin modules reach them through {@link
 * RegistryAccess}, and the testing module's {@code TestWebhooks} offers the one shortcut tests
 * need. Not API.
 *
 * <p>Thread-safe: each change is an optimistic update that re-reads and retries.
 */
public interface WebhookStateChanges {

  /**
   * Returns the Store the registry writes to: the dispatcher and the admin module read and write
   * deliveries there. Not on the registry's public API, so that code handed a registry cannot write
   * webhooks past its rules ({@code Store.updateWebhook} takes any state).
   *
   * @return the store
   */
  Store store();

  /**
   * Records the result of a handshake with {@code checked} (the webhook as it was when the
   * handshake started). A success counts only for the URI that answered.
   *
   * @param checked the webhook the handshake ran against
   * @param result the handshake's result
   * @return the result to report
   */
  VerificationResult recordVerification(Webhook checked, VerificationResult result);

  /**
   * Disables a {@code VERIFIED} webhook that still points at {@code failedUri} (a 410 Gone).
   *
   * @param id the webhook id
   * @param failedUri the URI that failed
   * @param reason why, for people
   * @return the stored webhook if this call disabled it; empty if it changed nothing
   */
  Optional<Webhook> disableByFailure(String id, URI failedUri, String reason);

  /**
   * Disables a webhook whose endpoint has failed without a success since {@code failingSince}, if
   * the Store's failure clock still says so.
   *
   * @param id the webhook id
   * @param failedUri the URI that failed
   * @param failingSince the start of the failure the caller saw
   * @param reason why, for people
   * @return the stored webhook if this call disabled it; empty if it changed nothing
   */
  Optional<Webhook> disableForContinuousFailure(
      String id, URI failedUri, Instant failingSince, String reason);

  /**
   * Deletes signing secrets whose rotation overlap has ended, from every webhook.
   *
   * @return how many webhooks were changed
   */
  int dropExpiredSigningSecrets();

  /**
   * Marks a webhook verified with no handshake. For tests only, through the testing module.
   *
   * @param id the webhook id
   * @return the stored webhook
   */
  Webhook markVerifiedWithoutHandshake(String id);

  /**
   * {@code WebhookRegistry.enable}, only if the webhook is at {@code expectedVersion} (when one is
   * given) when it is written: the admin API's {@code If-Match}.
   *
   * @param id the webhook id
   * @param expectedVersion the version the change is based on; empty for any
   * @return the stored webhook
   * @throws dev.hookline.WebhookConflictException a stale version if the webhook is at another
   * @throws dev.hookline.WebhookNotFoundException if no webhook has that id
   */
  Webhook enable(String id, OptionalLong expectedVersion);

  /**
   * {@code WebhookRegistry.disable}, only if the webhook is at {@code expectedVersion} (when one is
   * given) when it is written.
   *
   * @param id the webhook id
   * @param expectedVersion the version the change is based on; empty for any
   * @return the stored webhook
   * @throws dev.hookline.WebhookConflictException a stale version if the webhook is at another
   * @throws dev.hookline.WebhookNotFoundException if no webhook has that id
   */
  Webhook disable(String id, OptionalLong expectedVersion);

  /**
   * {@code WebhookRegistry.rotateSigningSecret}, only if the webhook is at {@code expectedVersion}
   * (when one is given) when it is written.
   *
   * @param id the webhook id
   * @param overlap how long the old secrets keep signing
   * @param expectedVersion the version the change is based on; empty for any
   * @return the stored webhook
   * @throws dev.hookline.WebhookConflictException a stale version if the webhook is at another
   * @throws dev.hookline.WebhookNotFoundException if no webhook has that id
   */
  Webhook rotateSigningSecret(String id, Duration overlap, OptionalLong expectedVersion);

  /**
   * {@code WebhookRegistry.rotateApiKey}, only if the webhook is at {@code expectedVersion} (when
   * one is given) when it is written, and written even if the key is the stored one: a new version
   * either way, so that the admin API's answer (its version, its ETag) does not tell whether a key
   * sent is the stored one.
   *
   * @param id the webhook id
   * @param newApiKey the key
   * @param expectedVersion the version the change is based on; empty for any
   * @return the stored webhook
   * @throws dev.hookline.WebhookValidationException if the key breaks a rule
   * @throws dev.hookline.WebhookConflictException a stale version if the webhook is at another
   * @throws dev.hookline.WebhookNotFoundException if no webhook has that id
   */
  Webhook rotateApiKey(String id, Secret newApiKey, OptionalLong expectedVersion);
}
