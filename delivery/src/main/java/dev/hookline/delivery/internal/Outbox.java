package dev.hookline.delivery.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.EventValidationException;
import dev.hookline.Subject;
import dev.hookline.Violation;
import dev.hookline.Webhook;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PayloadTooLargeException;
import dev.hookline.delivery.PublishContextCapturer;
import dev.hookline.filter.SubscriptionIndex;
import dev.hookline.internal.DeliveryRequeue;
import dev.hookline.internal.WebhookRules;
import dev.hookline.spi.IdGenerator;
import dev.hookline.spi.Store;
import dev.hookline.spi.TransactionalStore;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Store side of {@link Dispatcher}'s publishing and redelivery: matches events against the
 * subscription index and enqueues one pending delivery per matching webhook that receives events,
 * requeues failed deliveries at a pace, and purges expired ones. Nothing here sends or wakes the
 * workers; the dispatcher does that with what these methods return.
 *
 * <p>Logs as {@link Dispatcher}. Thread-safe: no mutable state of its own; the Store, the index and
 * the id generator are thread-safe.
 */
public final class Outbox {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private static final int PURGE_BATCH = 1000;
  private static final int REDELIVER_PAGE = 500;

  /** The most rows one window of {@link #requeueFailed} asks for: {@link DeliveryQuery}'s limit. */
  private static final int WINDOW_LIMIT = 10_000;

  private final Store store;
  private final SubscriptionIndex index;
  private final IdGenerator ids;
  private final Clock clock;
  private final int maxPayloadBytes;
  private final Duration retention;
  private final Duration redeliveryPace;

  /** Null when none is set: nothing is captured. */
  private final @Nullable PublishContextCapturer capturer;

  public Outbox(
      Store store,
      SubscriptionIndex index,
      IdGenerator ids,
      Clock clock,
      int maxPayloadBytes,
      Duration retention,
      Duration redeliveryPace,
      @Nullable PublishContextCapturer capturer) {
    this.store = store;
    this.index = index;
    this.ids = ids;
    this.clock = clock;
    this.maxPayloadBytes = maxPayloadBytes;
    this.retention = retention;
    this.redeliveryPace = redeliveryPace;
    this.capturer = capturer;
  }

  /**
   * Enqueues the deliveries of the events in one atomic Store write: see {@link
   * Dispatcher#publish(List)}.
   *
   * @param batch the events
   * @return the deliveries enqueued
   * @throws PayloadTooLargeException if any event's body exceeds the limit (nothing is enqueued)
   */
  public List<Delivery> enqueue(List<Event> batch) {
    return enqueue(batch, null);
  }

  /**
   * As {@link #enqueue(List)}, and the deliveries the claim loop chooses are claimed by it in the
   * same write ({@link ClaimLoop#chooseHandoff}) and handed to it ({@link
   * ClaimLoop#takeHandedOff}); those come back {@code IN_FLIGHT} with their lease.
   *
   * @param batch the events
   * @param handoff the claim loop to hand deliveries to, or null for none
   * @return the deliveries enqueued, claimed ones with their lease
   * @throws PayloadTooLargeException if any event's body exceeds the limit (nothing is enqueued)
   */
  public List<Delivery> enqueue(List<Event> batch, @Nullable ClaimLoop handoff) {
    for (Event e : batch) {
      checkSize(e);
    }
    Instant now = clock.instant();
    List<Delivery> deliveries = new ArrayList<>();
    for (Event e : batch) {
      addDeliveries(e, now, deliveries);
    }
    List<Delivery> added;
    if (deliveries.isEmpty()) {
      added = List.of();
    } else {
      Set<String> claim = handoff == null ? Set.of() : handoff.chooseHandoff(deliveries, now);
      if (claim.isEmpty() || handoff == null) {
        added = store.enqueue(deliveries);
      } else {
        try {
          added = store.enqueueClaiming(deliveries, claim, handoff.handoffLease(now));
        } catch (RuntimeException | Error e) {
          // An Error too (a LinkageError from a driver of another version): the reserved workers
          // were kept for good, and a dispatcher with as many workers as were chosen never claimed
          // again.
          handoff.cancelHandoff(claim);
          throw e;
        }
        handoff.takeHandedOff(added, claim);
      }
    }
    if (log.isDebugEnabled()) {
      for (Event e : batch) {
        log.debug("event published: event={} type={}", e.id(), e.type().wireName());
      }
      for (Delivery d : added) {
        log.debug(
            "delivery enqueued: webhook={} event={} delivery={}",
            d.webhookId(),
            d.event().id(),
            d.id());
      }
    }
    return added;
  }

  /**
   * Enqueues the event's deliveries inside the caller's transaction: see {@link
   * Dispatcher#publish(Connection, Event)}.
   *
   * @param transactional the dispatcher's Store
   * @param connection the caller's connection
   * @param event the event
   * @return the deliveries enqueued
   * @throws PayloadTooLargeException if the event's body exceeds the limit (nothing is enqueued)
   */
  public List<Delivery> enqueue(
      TransactionalStore transactional, Connection connection, Event event) {
    checkSize(event);
    Instant now = clock.instant();
    List<Delivery> deliveries = new ArrayList<>();
    addDeliveries(event, now, deliveries);
    List<Delivery> added =
        deliveries.isEmpty() ? List.of() : transactional.enqueue(connection, deliveries);
    log.debug(
        "event published in the caller's transaction: event={} type={} deliveries={}",
        event.id(),
        event.type().wireName(),
        added.size());
    return added;
  }

  /**
   * Enqueues a {@code webhook.test} event for one webhook: see {@link Dispatcher#sendTest}. A
   * tenant's webhook gets it with its tenant as {@code subject.tenant}, like every event it gets.
   *
   * @param webhook the webhook, which receives events
   * @return the delivery enqueued
   */
  public List<Delivery> enqueueTest(Webhook webhook) {
    Instant now = clock.instant();
    ObjectNode data = Payloads.mapper().createObjectNode();
    data.put("webhook_id", webhook.id());
    data.put("message", "This is a test notification from Hookline.");
    Subject subject = Subject.user("hookline-test");
    if (webhook.tenant().isPresent()) {
      subject = subject.withTenant(webhook.tenant().get());
    }
    Event test =
        Event.builder(EventType.WEBHOOK_TEST)
            .idGenerator(ids)
            .occurredAt(now)
            .subject(subject)
            .data(data)
            .build();
    return store.enqueue(List.of(Delivery.pending(ids.next("dlv"), webhook.id(), test, now)));
  }

  /**
   * Queues again the webhook's failed deliveries created at or after {@code since}, oldest first
   * and paced: see {@link Dispatcher#redeliverFailed}.
   *
   * @param webhookId the webhook
   * @param since the earliest creation time to include
   * @return how many deliveries were requeued
   */
  public int requeueFailed(String webhookId, Instant since) {
    Instant now = clock.instant();
    // The Store lists newest first. Walk the failed deliveries newest to oldest, a page at a time,
    // keeping only where each page ends: window k is [bounds[k], bounds[k - 1]), the newest window
    // open above. Then requeue window by window from the oldest, each oldest first. Rows created at
    // a page's last instant all fall in that page's window, so ties never straddle a boundary.
    List<Instant> bounds = new ArrayList<>();
    Optional<Instant> before = Optional.empty();
    while (true) {
      List<Delivery> page =
          store.findDeliveries(failedBetween(webhookId, since, before, REDELIVER_PAGE));
      if (page.isEmpty()) {
        break;
      }
      Instant oldest = page.get(page.size() - 1).createdAt();
      bounds.add(oldest);
      if (page.size() < REDELIVER_PAGE) {
        break;
      }
      before = Optional.of(oldest);
    }
    int count = 0;
    long slot = 0; // each delivery's place in the pace; one requeued meanwhile leaves its place
    for (int k = bounds.size() - 1; k >= 0; k--) {
      Optional<Instant> upTo = k == 0 ? Optional.empty() : Optional.of(bounds.get(k - 1));
      while (true) {
        List<Delivery> window =
            new ArrayList<>(
                store.findDeliveries(failedBetween(webhookId, bounds.get(k), upTo, WINDOW_LIMIT)));
        Collections.reverse(window);
        List<String> ids = new ArrayList<>(window.size());
        List<Instant> dues = new ArrayList<>(window.size());
        for (Delivery d : window) {
          ids.add(d.id());
          dues.add(now.plus(redeliveryPace.multipliedBy(slot++)));
        }
        // A window at once: one statement per thousand on PostgreSQL, not one per delivery.
        int requeuedNow = DeliveryRequeue.requeue(store, ids, dues, now);
        count += requeuedNow;
        // A full window can only be cut among rows of its oldest instant (more of them than a
        // query returns): requeued rows leave FAILED, so asking again returns the rest.
        if (requeuedNow == 0 || window.size() < WINDOW_LIMIT) {
          break;
        }
      }
    }
    log.info("failed deliveries requeued: webhook={} count={} since={}", webhookId, count, since);
    return count;
  }

  private static DeliveryQuery failedBetween(
      String webhookId, Instant from, Optional<Instant> before, int limit) {
    DeliveryQuery.Builder q =
        DeliveryQuery.builder()
            .webhook(webhookId)
            .states(DeliveryState.FAILED)
            .createdFrom(from)
            .limit(limit);
    before.ifPresent(q::createdBefore);
    return q.build();
  }

  /**
   * Deletes finished deliveries older than the retention period, in batches, until a batch comes
   * back short or {@code stop} says so: see {@link Dispatcher#purgeExpired()}.
   *
   * @param stop asked before each batch after the first: true ends the purge (the dispatcher is
   *     closing; a large backlog is many batches, and close() waited for them all)
   * @return how many were deleted
   */
  public int purgeExpired(BooleanSupplier stop) {
    Instant cutOff = clock.instant().minus(retention);
    int total = 0;
    int n;
    do {
      n = store.purge(cutOff, PURGE_BATCH);
      total += n;
    } while (n >= PURGE_BATCH && !stop.getAsBoolean());
    if (total > 0) {
      log.info("expired deliveries purged: count={} finishedBefore={}", total, cutOff);
    }
    return total;
  }

  private void checkSize(Event e) {
    // The webhook tenant rule, checked as an event is published rather than as it is built, so
    // that events stored before the rule (up to 256 characters of any kind) still read back.
    if (e.subject().tenant().filter(t -> !WebhookRules.isTenant(t)).isPresent()) {
      throw new EventValidationException(
          List.of(
              new Violation(
                  "subject.tenant",
                  "is not a tenant any webhook can have",
                  "1 to 128 characters A-Z a-z 0-9 . _ : @ -")));
    }
    // Control characters likewise: PostgreSQL's text refuses U+0000, so such an event was taken
    // by the in-memory store and failed the PostgreSQL enqueue with a StoreException; and a line
    // break in a user id forges lines in the logs that name it.
    checkNoControl("subject.user_id", e.subject().userId());
    e.subject().appId().ifPresent(a -> checkNoControl("subject.app_id", a));
    int size = Payloads.body(e).length;
    if (size > maxPayloadBytes) {
      throw new PayloadTooLargeException(e.id(), size, maxPayloadBytes);
    }
  }

  private static void checkNoControl(String field, String value) {
    int i = controlAt(value);
    if (i >= 0) {
      throw new EventValidationException(
          List.of(
              new Violation(
                  field,
                  "holds a control character at position " + (i + 1),
                  "1 to 256 characters, none of them U+0000-U+001F or U+007F-U+009F")));
    }
  }

  /**
   * Adds a pending delivery of the event for every matching webhook that receives events. The index
   * already keeps tenants apart; the tenant is checked again here, where a delivery is made.
   */
  private void addDeliveries(Event e, Instant now, List<Delivery> into) {
    Optional<String> context = Optional.empty();
    boolean captured = false;
    for (Webhook w : index.match(e)) {
      if (w.receivesEvents() && w.withinTenant(e)) {
        Delivery d = Delivery.pending(ids.next("dlv"), w.id(), e, now);
        if (capturer != null) {
          if (!captured) {
            context = capture(capturer, e); // once per event, only if it has deliveries
            captured = true;
          }
          d = d.withPublishContext(context);
        }
        into.add(d);
      }
    }
  }

  /** The index of the first ISO control character in {@code s}, or -1 (a loop: no stream). */
  private static int controlAt(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** The publishing thread's context; none if the capturer fails or returns a bad one. */
  private static Optional<String> capture(PublishContextCapturer capturer, Event e) {
    try {
      Optional<String> c = capturer.capture(e);
      if (c.isPresent()
          && (c.get().isEmpty() || c.get().length() > Delivery.MAX_PUBLISH_CONTEXT_CHARS)) {
        log.warn(
            "publish context dropped, it has {} characters (1 to {} are kept): event={}",
            c.get().length(),
            Delivery.MAX_PUBLISH_CONTEXT_CHARS,
            e.id());
        return Optional.empty();
      }
      if (c.isPresent() && controlAt(c.get()) >= 0) {
        // PostgreSQL's text refuses U+0000 (the whole publish failed there), and no header an
        // observer could make of it may hold a control character.
        log.warn("publish context dropped, it holds a control character: event={}", e.id());
        return Optional.empty();
      }
      return c;
    } catch (RuntimeException | Error ex) {
      // An Error too (a LinkageError from a tracing library of another version): a capturer
      // costs the context, never the publish. Only the JVM's own errors propagate.
      Threads.rethrowIfFatal(ex);
      log.warn(
          "publish context capturer failed, event published without a context: capturer={}"
              + " event={}",
          capturer.getClass().getName(),
          e.id(),
          ex);
      return Optional.empty();
    }
  }
}
