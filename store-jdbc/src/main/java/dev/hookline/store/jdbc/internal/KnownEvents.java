package dev.hookline.store.jdbc.internal;

import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Subject;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The events this store wrote recently, each with the exact text of its {@code data} column, so
 * that a claim reading one of them back returns the very {@link Event} that was published instead
 * of parsing its data again. The dispatcher keys its notification-body cache by the event object,
 * so the body is then not written again either. Measured as about a quarter of the store's own CPU
 * in a claim-heavy burst (issue 13).
 *
 * <p>A row is matched only if every column the event is read from equals what the remembered event
 * wrote: the data text, type, occurrence time, subject and changed attributes. Anything else (an
 * event id reused after a purge, a row another instance wrote, an occurrence time finer than
 * PostgreSQL's microseconds) is read from the row as before. Bounded by weight (roughly the bytes
 * the remembered events hold), oldest first out: the events published last are the ones claims are
 * about to read.
 *
 * <p>Thread-safe: one lock, held for a map operation only.
 */
public final class KnownEvents {
  /** Default bound: about this many bytes of remembered events. */
  public static final long DEFAULT_MAX_BYTES = 8L * 1024 * 1024;

  /** An event and the text of its data column as written. */
  private record Written(Event event, String data) {}

  private final long maxBytes;
  private final Map<String, Written> written = new LinkedHashMap<>(); // guarded by this
  private long bytes; // guarded by this

  /**
   * Creates an empty set.
   *
   * @param maxBytes roughly how many bytes of events to keep; at least 0
   */
  public KnownEvents(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be at least 0: " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  // The data text (two bytes a char at most), about as much again for its parsed tree, and the
  // rest of the event.
  private static long weight(Written w) {
    return 4L * w.data().length() + 256;
  }

  /**
   * Remembers an event about to be written.
   *
   * @param event the event
   * @param data the text written to its {@code data} column
   */
  public synchronized void remember(Event event, String data) {
    Written w = new Written(event, data);
    Written before = written.remove(event.id()); // re-inserted last: the newest
    if (before != null) {
      bytes -= weight(before);
    }
    long weight = weight(w);
    if (weight > maxBytes) {
      return;
    }
    written.put(event.id(), w);
    bytes += weight;
    for (Iterator<Written> it = written.values().iterator(); bytes > maxBytes; ) {
      bytes -= weight(it.next());
      it.remove();
    }
  }

  private synchronized @Nullable Written get(String eventId) {
    return written.get(eventId);
  }

  /**
   * Returns the remembered event a row of {@link Rows#DELIVERY_COLUMNS} was written from, if every
   * event column of the row equals what it wrote.
   *
   * @param rs the row
   * @return the event, or null if none matches
   * @throws SQLException if a column cannot be read
   */
  public @Nullable Event match(ResultSet rs) throws SQLException {
    Written w = get(rs.getString("event_id"));
    if (w == null) {
      return null;
    }
    Event e = w.event();
    EventType type = e.type();
    Subject subject = e.subject();
    boolean same =
        w.data().equals(rs.getString("data"))
            && type.wireName().equals(rs.getString("type"))
            && type.displayName().equals(rs.getString("type_display_name"))
            && type.subscribable() == rs.getBoolean("type_subscribable")
            && e.occurredAt().equals(Rows.instant(rs, "occurred_at"))
            && subject.userId().equals(rs.getString("subject_user_id"))
            && subject.appId().equals(Optional.ofNullable(rs.getString("subject_app_id")))
            && subject.tenant().equals(Optional.ofNullable(rs.getString("subject_tenant")))
            && new ArrayList<>(e.changedAttributes())
                .equals(Rows.textArray(rs.getArray("changed_attributes")));
    return same ? e : null;
  }

  /**
   * Returns how many events are remembered (for tests).
   *
   * @return the count
   */
  synchronized int size() {
    return written.size();
  }
}
