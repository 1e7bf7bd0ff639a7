package dev.hookline.receiver;

import dev.hookline.receiver.internal.InMemoryReplayGuard;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Remembers, per {@code webhook-id}, whether a notification is being processed or was processed, so
 * that a captured request cannot be played again and a sender's retry of a processed notification
 * is acknowledged without processing it twice. {@link WebhookVerifier} asks it only after the API
 * key and signature have been checked, so unauthenticated requests cannot fill it.
 *
 * <p>Each id has at most one entry: a {@link State state} and an expiry. The verifier calls {@link
 * #begin} when a request arrives, then {@link #complete} when the application processed it or
 * {@link #abandon(String, Instant)} when it failed. An entry whose application died in between (no
 * {@code complete} nor {@code abandon}) ends at its expiry, after which the sender's next retry is
 * processed.
 *
 * <p>The default, {@link #inMemory}, guards one JVM. Listener instances behind a load balancer
 * share one guard in a store they all reach, for example:
 *
 * <ul>
 *   <li>Redis: {@code begin} is {@code SET id IN_PROGRESS:until NX PXAT until}; if that set
 *       nothing, {@code GET id} gives the state (if the key expired in between, try the {@code SET}
 *       again), and for {@code DONE} {@code PEXPIREAT id until GT} keeps it until then; {@code
 *       complete} is {@code SET id DONE PXAT until}; {@code abandon} is {@code DEL id}. A small Lua
 *       script makes {@code begin} one round trip.
 *   <li>SQL: a table {@code (id primary key, state, until)}; {@code begin} is an {@code INSERT ...
 *       ON CONFLICT (id) DO UPDATE SET state = 'IN_PROGRESS', until = excluded.until WHERE until <
 *       now}, and when it changed no row, a {@code SELECT state}, and for {@code DONE} an {@code
 *       UPDATE ... SET until = ? WHERE id = ? AND state = 'DONE' AND until < ?}; {@code complete}
 *       is an upsert to {@code DONE}; {@code abandon} a {@code DELETE}; old rows are purged by
 *       {@code until}.
 * </ul>
 *
 * <p>Implementations must be thread-safe, and {@link #begin} must be atomic: of concurrent calls
 * with the same id whose entry is absent or expired, exactly one may return {@link State#NEW}. A
 * method that cannot reach its store throws; {@link VerifyingHandler} then answers 500 so that the
 * sender retries.
 */
public interface ReplayGuard {

  /** The state of a {@code webhook-id} as {@link #begin} found it. */
  enum State {
    /**
     * The id had no live entry: it is now recorded as being processed, and the caller processes it.
     */
    NEW,
    /**
     * The id is being processed (or its processor died and the entry has not expired yet): the
     * sender should come back later.
     */
    IN_PROGRESS,
    /** The id was processed: acknowledge the request without processing it again. */
    DONE
  }

  /**
   * Records an id as being processed if it has no live entry, and says which state it found. A live
   * {@link State#DONE} entry that would end before {@code until} is kept until then instead: the
   * request it acknowledges has a replay window of its own (a sender's retry carries a fresh
   * timestamp), which may end after the entry, and a copy of it replayed in between would otherwise
   * be processed again. A live {@link State#IN_PROGRESS} entry is left as it is.
   *
   * @param webhookId the {@code webhook-id} of an authenticated request
   * @param until when a new entry expires if neither {@link #complete} nor {@link #abandon} follow
   *     (the processor is then presumed dead), at or after the end of this request's replay window;
   *     a live {@code DONE} entry is kept at least until then, never shortened
   * @return {@link State#NEW} if the caller now owns the id, otherwise the id's live state
   */
  State begin(String webhookId, Instant until);

  /**
   * Records that an id was processed: from now until {@code until}, {@link #begin} returns {@link
   * State#DONE} for it.
   *
   * @param webhookId an id for which {@link #begin} returned {@link State#NEW}
   * @param until when the entry expires; after it a retry of the id is processed again
   */
  void complete(String webhookId, Instant until);

  /**
   * Removes an id's entry, whatever it is, so that the sender's retry of the same notification is
   * processed. The verifiers call {@link #abandon(String, Instant)} instead, whose default calls
   * this one.
   *
   * @param webhookId the id to remove; unknown ids are ignored
   */
  void abandon(String webhookId);

  /**
   * Removes an id's entry only if it is still the one {@link #begin} made with {@code until} and it
   * is in progress: a processor that outlived its entry (and so may fail after a retry of the same
   * id began anew) must not remove the retry's entry, or a third delivery would be processed beside
   * the retry. The verifier calls this one. The default removes the entry whatever it is, as {@link
   * #abandon(String)} does; override it to compare (SQL: {@code DELETE ... WHERE id = ? AND state =
   * 'IN_PROGRESS' AND until = ?}; Redis: {@code begin} stores {@code IN_PROGRESS:<until ms>}, and a
   * small Lua script deletes the key only while it still holds that value). The verifiers give
   * {@link #begin} whole seconds, which a store keeping milliseconds keeps exactly; a guard that
   * converts {@code until} must convert it the same way in both methods.
   *
   * @param webhookId the id to remove; unknown ids are ignored
   * @param until the {@code until} its {@link #begin} was given
   */
  default void abandon(String webhookId, Instant until) {
    abandon(webhookId);
  }

  /**
   * The default guard: one JVM's memory, each entry expiring at its {@code until}, holding at most
   * {@code maximumSize} ids, kept in the order they were written ({@link #begin} of a new id or one
   * that keeps a processed entry longer, {@link #complete}; a replay, which only reads, does not
   * move its id). When a new id finds it full, it drops the entries written longest ago: expired
   * ones, and then, if it is still full, one live entry, which with the verifiers' expiries is the
   * one closest to its expiry. So the {@code maximumSize} ids written last are never forgotten
   * before they expire. A replay of a forgotten id within its timestamp tolerance is accepted,
   * though, and a retry of it processed again: each id forgotten before its expiry is counted and
   * logged under {@code dev.hookline.receiver}, at WARN the first time and then at most once a
   * minute with how many were forgotten since the last warning and in all (counts only: no id,
   * header or body), and at DEBUG in between. Size it above your peak rate of notifications times
   * how long entries live (about 10 minutes with the verifier's defaults), with some slack: an
   * expired entry written after a live one is dropped only when that one leaves or its id comes
   * again, and takes room until then.
   *
   * <p>Thread-safe: each call holds one lock for a few O(1) map operations.
   *
   * @param clock the time source; use the verifier's clock
   * @param maximumSize the most ids held; at least 1
   * @return a thread-safe guard for one JVM
   * @throws IllegalArgumentException if {@code maximumSize} is below 1
   */
  static ReplayGuard inMemory(Clock clock, long maximumSize) {
    Objects.requireNonNull(clock, "clock");
    if (maximumSize < 1) {
      throw new IllegalArgumentException(
          "maximumSize must be at least 1 (got " + maximumSize + ")");
    }
    return new InMemoryReplayGuard(clock, maximumSize);
  }
}
