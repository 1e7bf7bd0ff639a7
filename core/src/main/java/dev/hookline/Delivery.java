package dev.hookline;

import dev.hookline.spi.Lease;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One event on its way to one webhook: the outbox row.
 *
 * <p>Immutable and thread-safe: a snapshot of the row when it was read.
 *
 * @param id the delivery's id
 * @param webhookId the receiving webhook
 * @param event the event, whose id is stable across attempts and redeliveries
 * @param state where the delivery stands
 * @param attempts every attempt so far, oldest first
 * @param nextAttemptAt when the next attempt is due, for queued deliveries
 * @param createdAt when it was enqueued
 * @param updatedAt when it last changed
 * @param lease the current lease, for {@link DeliveryState#IN_FLIGHT} deliveries
 * @param publishContext an opaque context captured where the event was published (for example a W3C
 *     {@code traceparent}), kept with the delivery so that its attempts, even in another process or
 *     after a restart, can refer to it; at most {@link #MAX_PUBLISH_CONTEXT_CHARS} characters
 */
public record Delivery(
    String id,
    String webhookId,
    Event event,
    DeliveryState state,
    List<Attempt> attempts,
    Optional<Instant> nextAttemptAt,
    Instant createdAt,
    Instant updatedAt,
    Optional<Lease> lease,
    Optional<String> publishContext) {

  /** The longest publish context a delivery keeps. */
  public static final int MAX_PUBLISH_CONTEXT_CHARS = 512;

  /**
   * Checks that no component is null and copies the attempts.
   *
   * @throws IllegalArgumentException if the publish context is empty or longer than {@link
   *     #MAX_PUBLISH_CONTEXT_CHARS}
   */
  public Delivery {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(state, "state");
    attempts = List.copyOf(attempts);
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(publishContext, "publishContext");
    if (publishContext.isPresent()
        && (publishContext.get().isEmpty()
            || publishContext.get().length() > MAX_PUBLISH_CONTEXT_CHARS)) {
      throw new IllegalArgumentException(
          "publishContext has "
              + publishContext.get().length()
              + " characters; it must have 1 to "
              + MAX_PUBLISH_CONTEXT_CHARS);
    }
  }

  /**
   * Returns a copy with the given publish context.
   *
   * @param context the context, or empty for none
   * @return the copy
   * @throws IllegalArgumentException if the context is empty or too long
   */
  public Delivery withPublishContext(Optional<String> context) {
    return new Delivery(
        id, webhookId, event, state, attempts, nextAttemptAt, createdAt, updatedAt, lease, context);
  }

  /**
   * Returns a copy {@link DeliveryState#IN_FLIGHT} under the lease, as a Store's claim hands it
   * out.
   *
   * @param newLease the lease
   * @param now the claim's time, the copy's update time
   * @return the copy
   */
  public Delivery leasedTo(Lease newLease, Instant now) {
    return new Delivery(
        id,
        webhookId,
        event,
        DeliveryState.IN_FLIGHT,
        attempts,
        nextAttemptAt,
        createdAt,
        now,
        Optional.of(newLease),
        publishContext);
  }

  /**
   * A new delivery, due at once.
   *
   * @param id the delivery's id
   * @param webhookId the receiving webhook
   * @param event the event
   * @param now the enqueue time, also the due time
   * @return a {@link DeliveryState#PENDING} delivery
   */
  public static Delivery pending(String id, String webhookId, Event event, Instant now) {
    return new Delivery(
        id,
        webhookId,
        event,
        DeliveryState.PENDING,
        List.of(),
        Optional.of(now),
        now,
        now,
        Optional.empty(),
        Optional.empty());
  }

  /**
   * Returns how many attempts were made.
   *
   * @return the attempt count
   */
  public int attemptCount() {
    return attempts.size();
  }

  /**
   * Returns the most recent attempt, if any.
   *
   * @return the last attempt
   */
  public Optional<Attempt> lastAttempt() {
    return attempts.isEmpty() ? Optional.empty() : Optional.of(attempts.get(attempts.size() - 1));
  }
}
