/**
 * The delivery engine: {@link dev.hookline.delivery.Dispatcher} (outbox, workers, retries,
 * redelivery, the verification handshake), {@link dev.hookline.delivery.TenantDeliveries}, {@link
 * dev.hookline.delivery.RetrySchedule} and {@link dev.hookline.delivery.WebhookSigner}.
 */
@NullMarked
package dev.hookline.delivery;

import org.jspecify.annotations.NullMarked;
