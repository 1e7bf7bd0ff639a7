package dev.hookline.admin.internal;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.delivery.Dispatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keyset pages of one webhook's deliveries, newest first, over the public {@link DeliveryQuery}:
 * both stores order by (created_at DESC, id DESC), so a page after the position (t, id) is the rest
 * of the rows created at t after the position's own row, then the rows created before t. The
 * PostgreSQL store compares ids byte-wise ({@code COLLATE "C"}), whatever the database's collation,
 * which for Hookline's ASCII ids is Java's order: so when the position's row is gone (purged
 * between two pages) its place among the rows at t is found by comparing ids here. The stores keep
 * times to the microsecond (PostgreSQL) or finer (in memory): the rows "at t" are read with the
 * window [t, t + 1 µs) and filtered here, which is exact for both. Thread-safe (immutable).
 */
final class DeliveryPager {
  /** Most rows created at one instant that a page boundary can fall among. */
  static final int MAX_TIES = 10_000;

  private final Dispatcher dispatcher;
  private final String webhookId;
  private final Set<DeliveryState> states;
  private final Optional<String> eventId;
  private final Optional<Instant> since;
  private final Optional<Instant> until;

  DeliveryPager(
      Dispatcher dispatcher,
      String webhookId,
      Set<DeliveryState> states,
      Optional<String> eventId,
      Optional<Instant> since,
      Optional<Instant> until) {
    this.dispatcher = dispatcher;
    this.webhookId = webhookId;
    this.states = states;
    this.eventId = eventId;
    this.since = since;
    this.until = until;
  }

  /** Up to {@code n} deliveries after {@code position} (or from the newest), newest first. */
  List<Delivery> fetch(Optional<Cursor> position, int n) {
    if (position.isEmpty()) {
      return dispatcher.deliveries(query(since, until, n));
    }
    Cursor c = position.get();
    List<Delivery> out = new ArrayList<>();
    Instant tieEnd = c.at().plus(Duration.ofNanos(1000));
    Optional<Instant> tieUntil = Optional.of(until.filter(u -> u.isBefore(tieEnd)).orElse(tieEnd));
    Optional<Instant> tieFrom = Optional.of(since.filter(s -> s.isAfter(c.at())).orElse(c.at()));
    if (tieFrom.get().isBefore(tieUntil.get())) {
      List<Delivery> ties = dispatcher.deliveries(query(tieFrom, tieUntil, MAX_TIES));
      // In the store's own order: the rows after the position are those after its own row; only
      // when that row is gone (purged, or no longer in the states asked for) are ids compared
      // here, in Java's order, which is the stores' (PostgreSQL's listings order ids byte-wise,
      // not by the database's collation).
      int own = indexOf(ties, c.id());
      Set<String> after = null;
      if (own < 0 && !states.isEmpty()) {
        // The position's row left the states asked for (redelivered out of a FAILED view, say):
        // its place is found among the rows of every state, which the store orders alike.
        List<Delivery> every = dispatcher.deliveries(query(tieFrom, tieUntil, MAX_TIES, Set.of()));
        int at = indexOf(every, c.id());
        if (at >= 0) {
          after = new HashSet<>();
          for (Delivery d : every.subList(at + 1, every.size())) {
            after.add(d.id());
          }
        }
      }
      for (int i = 0; i < ties.size(); i++) {
        Delivery d = ties.get(i);
        boolean next =
            own >= 0
                ? i > own
                : after != null ? after.contains(d.id()) : d.id().compareTo(c.id()) < 0;
        if (d.createdAt().equals(c.at()) && next) {
          out.add(d);
        }
      }
    }
    if (out.size() >= n) {
      return out.subList(0, n);
    }
    Optional<Instant> before = Optional.of(until.filter(u -> u.isBefore(c.at())).orElse(c.at()));
    if (since.isEmpty() || since.get().isBefore(before.get())) {
      out.addAll(dispatcher.deliveries(query(since, before, n - out.size())));
    }
    return out;
  }

  private static int indexOf(List<Delivery> rows, String id) {
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).id().equals(id)) {
        return i;
      }
    }
    return -1;
  }

  private DeliveryQuery query(Optional<Instant> from, Optional<Instant> before, int limit) {
    return query(from, before, limit, states);
  }

  private DeliveryQuery query(
      Optional<Instant> from, Optional<Instant> before, int limit, Set<DeliveryState> in) {
    DeliveryQuery.Builder b = DeliveryQuery.builder().webhook(webhookId).limit(limit);
    if (!in.isEmpty()) {
      b.states(in.toArray(new DeliveryState[0]));
    }
    eventId.ifPresent(b::event);
    from.ifPresent(b::createdFrom);
    before.ifPresent(b::createdBefore);
    return b.build();
  }
}
