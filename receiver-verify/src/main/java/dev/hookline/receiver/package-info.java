/**
 * Verifying Hookline notifications on the listener side: {@link
 * dev.hookline.receiver.WebhookVerifier} checks a request, {@link
 * dev.hookline.receiver.VerifyingHandler} serves an endpoint, {@link
 * dev.hookline.receiver.VerificationChallenge} answers the handshake.
 */
@NullMarked
package dev.hookline.receiver;

import org.jspecify.annotations.NullMarked;
