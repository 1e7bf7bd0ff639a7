package dev.hookline;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which deliveries to list: by webhook, event id, states, creation-time range and the tenant owning
 * the webhook, newest first, at most {@link #limit()} rows. Every criterion is optional; unset
 * criteria match everything.
 *
 * <p>Immutable and thread-safe.
 *
 * @param webhookId only this webhook's deliveries
 * @param eventId only this event's deliveries
 * @param states only deliveries in these states; empty means all
 * @param createdFrom only deliveries created at or after this time
 * @param createdBefore only deliveries created before this time
 * @param tenant only deliveries to webhooks this tenant owns
 * @param limit most rows returned, 1 to 10,000
 */
public record DeliveryQuery(
    Optional<String> webhookId,
    Optional<String> eventId,
    Set<DeliveryState> states,
    Optional<Instant> createdFrom,
    Optional<Instant> createdBefore,
    Optional<String> tenant,
    int limit) {

  /** The limit when none is set. */
  public static final int DEFAULT_LIMIT = 100;

  /** Checks the components. */
  public DeliveryQuery {
    Objects.requireNonNull(webhookId, "webhookId");
    Objects.requireNonNull(eventId, "eventId");
    states = Set.copyOf(states);
    Objects.requireNonNull(createdFrom, "createdFrom");
    Objects.requireNonNull(createdBefore, "createdBefore");
    Objects.requireNonNull(tenant, "tenant");
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1 to 10000, was " + limit);
    }
  }

  /**
   * Starts a query that matches every delivery.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns whether a delivery meets every criterion (the limit aside).
   *
   * @param d the delivery
   * @param webhookTenant the tenant of the delivery's webhook, for the tenant criterion
   * @return true if it matches
   */
  public boolean matches(Delivery d, Optional<String> webhookTenant) {
    return tenant.map(t -> webhookTenant.filter(t::equals).isPresent()).orElse(true)
        && webhookId.map(d.webhookId()::equals).orElse(true)
        && eventId.map(d.event().id()::equals).orElse(true)
        && (states.isEmpty() || states.contains(d.state()))
        && createdFrom.map(f -> !d.createdAt().isBefore(f)).orElse(true)
        && createdBefore.map(b -> d.createdAt().isBefore(b)).orElse(true);
  }

  /** Builds a {@link DeliveryQuery}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String webhookId;
    private @Nullable String eventId;
    private final Set<DeliveryState> states = EnumSet.noneOf(DeliveryState.class);
    private @Nullable Instant createdFrom;
    private @Nullable Instant createdBefore;
    private @Nullable String tenant;
    private int limit = DEFAULT_LIMIT;

    private Builder() {}

    /**
     * Only this webhook's deliveries.
     *
     * @param id the webhook id
     * @return this builder
     */
    public Builder webhook(String id) {
      this.webhookId = Objects.requireNonNull(id, "id");
      return this;
    }

    /**
     * Only this event's deliveries.
     *
     * @param id the event id
     * @return this builder
     */
    public Builder event(String id) {
      this.eventId = Objects.requireNonNull(id, "id");
      return this;
    }

    /**
     * Only deliveries in these states (added to any set before).
     *
     * @param more the states
     * @return this builder
     */
    public Builder states(DeliveryState... more) {
      for (DeliveryState s : more) {
        states.add(Objects.requireNonNull(s, "state"));
      }
      return this;
    }

    /**
     * Only deliveries created at or after this time.
     *
     * @param from the start, inclusive
     * @return this builder
     */
    public Builder createdFrom(Instant from) {
      this.createdFrom = Objects.requireNonNull(from, "from");
      return this;
    }

    /**
     * Only deliveries created before this time.
     *
     * @param before the end, exclusive
     * @return this builder
     */
    public Builder createdBefore(Instant before) {
      this.createdBefore = Objects.requireNonNull(before, "before");
      return this;
    }

    /**
     * Only deliveries to webhooks this tenant owns.
     *
     * @param tenant the tenant
     * @return this builder
     */
    public Builder tenant(String tenant) {
      this.tenant = Objects.requireNonNull(tenant, "tenant");
      return this;
    }

    /**
     * At most this many rows.
     *
     * @param max 1 to 10,000
     * @return this builder
     */
    public Builder limit(int max) {
      this.limit = max;
      return this;
    }

    /**
     * Returns the query.
     *
     * @return the query
     * @throws IllegalArgumentException if the limit is out of range
     */
    public DeliveryQuery build() {
      return new DeliveryQuery(
          Optional.ofNullable(webhookId),
          Optional.ofNullable(eventId),
          states,
          Optional.ofNullable(createdFrom),
          Optional.ofNullable(createdBefore),
          Optional.ofNullable(tenant),
          limit);
    }
  }
}
