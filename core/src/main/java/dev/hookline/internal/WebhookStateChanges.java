package dev.hookline.internal;

import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.spi.Store;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/**
 * The webhook state changes that only the system may make: a handshake's outcome, disabling by
 * failure, retiring expired signing secrets. They are not on {@code WebhookRegistry}'s public API;
 * the delivery module reaches them through {@link RegistryAccess}, and the testing module's {@code
 * TestWebhooks} offers the one shortcut tests need. Not API.
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
}
