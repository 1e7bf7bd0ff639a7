package dev.hookline.delivery.internal;

import dev.hookline.delivery.Dispatcher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The per-endpoint concurrency limit and the claimed deliveries waiting for it.
 *
 * <p>At most {@link Dispatcher.Builder#perEndpointConcurrency} attempts run against each webhook at
 * once, so that a slow or dead endpoint holds only its own slots. Behind them, up to {@link
 * #queueLimit()} claimed deliveries wait in the endpoint's queue: when an attempt's exchange ends,
 * its slot passes straight to the next one waiting ({@link Endpoint#free}), without a claim from
 * the Store in between. A claim round so fetches an endpoint's next deliveries while its current
 * ones are being sent, instead of each slot doing claim, send and record one after another.
 *
 * <p>Every claim round asks for the full webhooks ({@link #addFull}: every slot taken and the queue
 * full), up to one round per finished attempt, so that costs only the webhooks that may be full,
 * not every webhook: those that filled up are kept in a set, and dropped from it once they are seen
 * with room again.
 *
 * <p>Invariant: an endpoint's queue holds deliveries only while all its slots are taken (a slot
 * freed takes the queue's head first), so nothing waits behind a free slot.
 *
 * <p>Thread-safe: each endpoint's slots and queue change together under the endpoint's monitor; the
 * totals are atomic.
 *
 * @param <T> what waits in the queues (the claim loop's claimed deliveries)
 */
public final class EndpointSlots<T> {

  /** What {@link Endpoint#admit} did with a delivery. */
  public enum Admission {
    /** A slot was taken: run the delivery now, then {@link Endpoint#free} the slot. */
    RUN,
    /** All slots are taken: the delivery waits in the endpoint's queue. */
    QUEUED,
    /** All slots are taken and the queue is full: nothing was taken; hand the delivery back. */
    FULL
  }

  private final int limit;
  private final int queueLimit;
  private final ConcurrentHashMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final AtomicInteger taken = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();

  /**
   * Every webhook that is full (see {@link #addFull}), and perhaps some that were: a webhook joins
   * as it fills up and leaves when {@link #addFull} finds room in it. One that left while it was
   * filling up is caught by {@link Endpoint#admit} at dispatch, which only costs a release.
   */
  private final Set<String> mayBeFull = ConcurrentHashMap.newKeySet();

  /**
   * Creates the slots.
   *
   * @param limit attempts per endpoint at once, at least 1
   * @param queueLimit claimed deliveries that may wait per endpoint, at least 0
   */
  public EndpointSlots(int limit, int queueLimit) {
    if (limit < 1 || queueLimit < 0) {
      throw new IllegalArgumentException(
          "limit must be at least 1 and queueLimit at least 0: " + limit + ", " + queueLimit);
    }
    this.limit = limit;
    this.queueLimit = queueLimit;
  }

  /**
   * The most attempts that run against one webhook at once.
   *
   * @return the per-endpoint limit
   */
  public int limit() {
    return limit;
  }

  /**
   * The most claimed deliveries that wait for one webhook's slots.
   *
   * @return the per-endpoint queue limit
   */
  public int queueLimit() {
    return queueLimit;
  }

  /**
   * How many slots are taken, over every endpoint (a moment's count).
   *
   * @return the count
   */
  public int taken() {
    return taken.get();
  }

  /**
   * How many claimed deliveries wait in the queues, over every endpoint (a moment's count).
   *
   * @return the count
   */
  public int queued() {
    return queued.get();
  }

  /**
   * Returns the webhook's slots and queue, created on first use.
   *
   * @param webhookId the webhook
   * @return its endpoint
   */
  public Endpoint endpoint(String webhookId) {
    return endpoints.computeIfAbsent(webhookId, Endpoint::new);
  }

  /**
   * Adds to {@code excluded} every webhook that can take no more claimed deliveries: all its slots
   * taken and its queue full.
   *
   * @param excluded the claim's exclusions
   */
  public void addFull(Set<String> excluded) {
    List<String> refilled = null;
    for (Iterator<String> it = mayBeFull.iterator(); it.hasNext(); ) {
      String id = it.next();
      Endpoint e = endpoints.get(id);
      if (e != null && e.isFull()) {
        excluded.add(id);
      } else {
        it.remove();
        if (e != null && e.isFull()) {
          // Filled again between the two reads: its admit's add may have been the one removed.
          if (refilled == null) {
            refilled = new ArrayList<>();
          }
          refilled.add(id);
        }
      }
    }
    if (refilled != null) {
      mayBeFull.addAll(refilled);
      excluded.addAll(refilled);
    }
  }

  /**
   * Removes every delivery waiting in any queue, for the caller to hand back (shutdown).
   *
   * @return what waited
   */
  public List<T> drainQueues() {
    List<T> out = new ArrayList<>();
    for (Endpoint e : endpoints.values()) {
      e.drainTo(out);
    }
    return out;
  }

  /**
   * Forgets the endpoints of webhooks not in {@code ids} that no attempt holds (their queues are
   * then empty, by the invariant).
   *
   * @param ids the webhooks that exist
   */
  public void retainOnly(Set<String> ids) {
    endpoints.entrySet().removeIf(e -> !ids.contains(e.getKey()) && e.getValue().isIdle());
    mayBeFull.removeIf(id -> !endpoints.containsKey(id));
  }

  /** One webhook's slots and queue. */
  public final class Endpoint {
    private final String webhookId;
    private int running;
    private final ArrayDeque<T> waiting = new ArrayDeque<>();

    Endpoint(String webhookId) {
      this.webhookId = webhookId;
    }

    /**
     * Takes a slot for {@code item}, or queues it behind the running attempts, or refuses it.
     *
     * @param item the claimed delivery
     * @return what was done
     */
    public Admission admit(T item) {
      Admission a;
      synchronized (this) {
        if (running < limit) {
          running++;
          taken.incrementAndGet();
          a = Admission.RUN;
        } else if (waiting.size() < queueLimit) {
          waiting.addLast(item);
          queued.incrementAndGet();
          a = Admission.QUEUED;
        } else {
          return Admission.FULL;
        }
        if (running < limit || waiting.size() < queueLimit) {
          return a;
        }
      }
      mayBeFull.add(webhookId);
      return a;
    }

    /**
     * Gives back a slot taken by {@link #admit}: the first delivery waiting takes it over and is
     * returned, to be run now; with none waiting the slot is freed.
     *
     * @return the delivery that now holds the slot, or null if the slot was freed
     */
    public synchronized @Nullable T free() {
      T next = waiting.pollFirst();
      if (next != null) {
        queued.decrementAndGet();
        return next;
      }
      running--;
      taken.decrementAndGet();
      return null;
    }

    /**
     * How many more deliveries the endpoint takes now, in slots and queue together.
     *
     * @return the room, 0 if none
     */
    public synchronized int room() {
      return Math.max(0, limit + queueLimit - running - waiting.size());
    }

    synchronized boolean isFull() {
      return running >= limit && waiting.size() >= queueLimit;
    }

    synchronized boolean isIdle() {
      return running == 0;
    }

    synchronized int running() {
      return running;
    }

    synchronized int waiting() {
      return waiting.size();
    }

    synchronized void drainTo(List<T> out) {
      queued.addAndGet(-waiting.size());
      out.addAll(waiting);
      waiting.clear();
    }
  }
}
