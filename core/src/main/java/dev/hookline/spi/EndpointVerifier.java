package dev.hookline.spi;

import dev.hookline.VerificationResult;
import dev.hookline.Webhook;

/**
 * Runs the verification handshake against a webhook's endpoint (the delivery module sends {@code
 * GET <uri>} with {@code X-Verification-Key} and checks the echoed key). The registry records the
 * result.
 *
 * <p>Implementations must be thread-safe and must bound the time they take.
 */
@FunctionalInterface
public interface EndpointVerifier {

  /**
   * Challenges the endpoint.
   *
   * @param webhook the webhook whose endpoint to challenge
   * @return whether the endpoint proved it wants the notifications, and why not if it did not
   */
  VerificationResult verify(Webhook webhook);
}
