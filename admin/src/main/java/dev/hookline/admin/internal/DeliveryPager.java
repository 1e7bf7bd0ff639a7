package dev.hookline.admin.internal;

import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.internal.DeliveryKeyset;
import dev.hookline.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keyset pages of one webhook's deliveries, newest first, in the stores' order (created_at DESC, id
 * DESC; PostgreSQL compares ids byte-wise, {@code COLLATE "C"}, whatever the database's collation,
 * which for Hookline's ASCII ids is Java's order).
 *
 * <p>Hookline's own stores read the page after a position (t, id) themselves ({@link
 * DeliveryKeyset}): however many rows share the instant t, and whether or not the position's own
 * row still exists or is still in the states asked for. Any other Store is read through the public
 * {@link DeliveryQuery}, which bounds creation times only: the page after (t, id) is then the rest
 * of the rows created at t after the position's row, then the rows created before t; the rows "at
 * t" are read with the window [t, t + 1 µs) and filtered here, at most {@link #MAX_TIES} of them,
 * and a page that would start past those is refused ({@link TooManyTies}) rather than skipping the
 * rest of the instant. Thread-safe (immutable).
 */
final class DeliveryPager {
  /** Most rows created at one instant that a page boundary can fall among, on another Store. */
  static final int MAX_TIES = 10_000;

  /**
   * A page would start among more rows of one instant than a Store without a keyset read lets the
   * pager read ({@link #MAX_TIES}).
   */
  static final class TooManyTies extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooManyTies() {
      super(
          "more than "
              + MAX_TIES
              + " deliveries created at one instant: a Store without a keyset read pages no"
              + " further among them",
          null,
          false,
          false);
    }
  }

  private final Store store;
  private final String webhookId;
  private final Set<DeliveryState> states;
  private final Optional<String> eventId;
  private final Optional<Instant> since;
  private final Optional<Instant> until;

  DeliveryPager(
      Store store,
      String webhookId,
      Set<DeliveryState> states,
      Optional<String> eventId,
      Optional<Instant> since,
      Optional<Instant> until) {
    this.store = store;
    this.webhookId = webhookId;
    this.states = states;
    this.eventId = eventId;
    this.since = since;
    this.until = until;
  }

  /**
   * Up to {@code n} deliveries after {@code position} (or from the newest), newest first.
   *
   * @throws TooManyTies if the Store has no keyset read and the page would start past the first
   *     {@link #MAX_TIES} rows of the position's instant
   */
  List<Delivery> fetch(Optional<Cursor> position, int n) {
    if (position.isEmpty()) {
      return store.findDeliveries(query(since, until, n));
    }
    Cursor c = position.get();
    Optional<List<Delivery>> keyset =
        DeliveryKeyset.after(store, query(since, until, n), c.at(), c.id());
    return keyset.isPresent() ? keyset.get() : fetchByTime(c, n);
  }

  /** The page after {@code c} over the public query alone (a Store of the host's own). */
  private List<Delivery> fetchByTime(Cursor c, int n) {
    List<Delivery> out = new ArrayList<>();
    Instant tieEnd = c.at().plus(Duration.ofNanos(1000));
    Optional<Instant> tieUntil = Optional.of(until.filter(u -> u.isBefore(tieEnd)).orElse(tieEnd));
    Optional<Instant> tieFrom = Optional.of(since.filter(s -> s.isAfter(c.at())).orElse(c.at()));
    boolean tiesCut = false;
    if (tieFrom.get().isBefore(tieUntil.get())) {
      List<Delivery> ties = store.findDeliveries(query(tieFrom, tieUntil, MAX_TIES));
      // The read stopped at its limit: rows of the instant may follow the last one read.
      tiesCut = ties.size() == MAX_TIES;
      // In the store's own order: the rows after the position are those after its own row; only
      // when that row is gone (purged, or no longer in the states asked for) are ids compared
      // here, in Java's order, which is the stores' (PostgreSQL's listings order ids byte-wise,
      // not by the database's collation).
      int own = indexOf(ties, c.id());
      Set<String> after = null;
      if (own < 0 && !states.isEmpty()) {
        // The position's row left the states asked for (redelivered out of a FAILED view, say):
        // its place is found among the rows of every state, which the store orders alike.
        List<Delivery> every = store.findDeliveries(query(tieFrom, tieUntil, MAX_TIES, Set.of()));
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
    if (tiesCut) {
      // The page reaches past the rows read: the rest of the instant is not known, and going on
      // with the older rows would skip it.
      throw new TooManyTies();
    }
    Optional<Instant> before = Optional.of(until.filter(u -> u.isBefore(c.at())).orElse(c.at()));
    if (since.isEmpty() || since.get().isBefore(before.get())) {
      out.addAll(store.findDeliveries(query(since, before, n - out.size())));
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
