/**
 * The delivery engine: {@link dev.hookline.delivery.Dispatcher} (outbox, workers, retries,
 * redelivery), {@link dev.hookline.delivery.RetrySchedule}, {@link
 * dev.hookline.delivery.WebhookSigner} and {@link dev.hookline.delivery.HttpEndpointVerifier}.
 */
@NullMarked
package dev.hookline.delivery;

import org.jspecify.annotations.NullMarked;
