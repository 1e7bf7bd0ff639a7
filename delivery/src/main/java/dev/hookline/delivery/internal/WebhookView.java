package dev.hookline.delivery.internal;

import dev.hookline.SecretCipherException;
import dev.hookline.Webhook;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.SubscriptionIndex;
import dev.hookline.internal.WebhookVersions;
import dev.hookline.spi.Store;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's view of the webhooks: the latest known state of each, for attempts and for claim
 * exclusions, and the subscription index {@link Dispatcher#publish} matches against. Local changes
 * arrive through the registry's change listener ({@link #onChange}) at once; other instances'
 * changes through {@link #reload()}, periodically.
 *
 * <p>Of two states of one webhook the view keeps the one with the higher version (the later one
 * seen on a tie), so a slow reload never undoes a newer change. A change seen while a reload reads
 * the Store is applied again after the reload (unless the snapshot is newer), because the snapshot
 * may miss it and the index's {@code replaceAll} may have wiped it.
 *
 * <p>Thread-safe: the state is kept in concurrent collections; reloads are serialised on a monitor,
 * and changes may arrive on any thread at any time, also during a reload.
 */
public final class WebhookView {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final Store store;
  private final SubscriptionIndex index;
  private final EndpointHealth health;
  private final EndpointSlots<?> slots;

  /** Asks for a claim round: a webhook receives events (again), its queued deliveries may go. */
  private final Runnable requestPump;

  /** Told each webhook the view learns was deleted (locally, through the feed, by a reload). */
  private final Consumer<String> deleted;

  /** The latest known state of every webhook, by id: for attempts and for claim exclusions. */
  private final ConcurrentHashMap<String, Webhook> webhooks = new ConcurrentHashMap<>();

  /** The latest webhooks the registry told deleted: see {@link #applyChange}. */
  private final Map<String, Boolean> deletedLocally = // guarded by itself
      new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > 65_536;
        }
      };

  /** Webhooks not verified and enabled (or gone): their deliveries stay queued, unclaimed. */
  private final Set<String> notReceiving = ConcurrentHashMap.newKeySet();

  /** Counts changes to the view, so that {@link #receivingCount()} recounts only after one. */
  private final AtomicLong changes = new AtomicLong();

  private volatile long countedAtChange = -1;
  private volatile int receiving;

  private final Object reloadMonitor = new Object();
  private final ConcurrentLinkedQueue<Change> changesDuringReload = new ConcurrentLinkedQueue<>();
  private volatile boolean reloading;

  /** Whether a full load has succeeded: {@link #refresh()} reads only changes after one. */
  private boolean loadedInFull; // guarded by reloadMonitor

  public WebhookView(
      Store store,
      SubscriptionIndex index,
      EndpointHealth health,
      EndpointSlots<?> slots,
      Runnable requestPump,
      Consumer<String> deleted) {
    this.store = store;
    this.index = index;
    this.health = health;
    this.slots = slots;
    this.requestPump = requestPump;
    this.deleted = deleted;
  }

  /** Reloads every webhook from the Store: see {@link Dispatcher#reloadWebhooks()}. */
  public void reload() {
    load(false);
  }

  /**
   * Brings the view up to date with the Store: as {@link #reload()}, but if the Store can list
   * webhook versions ({@link WebhookVersions}) and the view has been loaded in full before, it
   * reads in full only the webhooks whose versions it does not know (new, or changed since it saw
   * them), and drops those no longer listed. Every write of a webhook through a Store raises its
   * version; a row changed in the database by hand without that is seen by the next {@link
   * #reload()}.
   */
  public void refresh() {
    load(true);
  }

  private void load(boolean onlyChanged) {
    synchronized (reloadMonitor) {
      changesDuringReload.clear();
      reloading = true;
      try {
        WebhookVersions.Reader versions =
            onlyChanged && loadedInFull ? WebhookVersions.of(store).orElse(null) : null;
        List<Webhook> all;
        Set<String> listed;
        if (versions == null) {
          // The index keeps what it was told while the list was read (a webhook created and
          // enabled here meanwhile is not in the list): with the list alone, replaceAll took such
          // a webhook out of routing until the changes were applied again below, and an event
          // published in between, after enable() had returned, was never enqueued for it.
          List<List<Webhook>> read = new ArrayList<>(1);
          index.replaceAll(
              () -> {
                List<Webhook> l = store.listWebhooks();
                read.add(l);
                return l;
              });
          all = read.get(0);
          listed = null;
        } else {
          Map<String, Long> stored = versions.versions(store);
          List<String> unknown = new ArrayList<>();
          for (Map.Entry<String, Long> e : stored.entrySet()) {
            Webhook known = webhooks.get(e.getKey());
            if (known == null || known.version() != e.getValue()) {
              unknown.add(e.getKey());
            }
          }
          all = unknown.isEmpty() ? List.of() : versions.read(store, unknown);
          // Listed and unchanged: kept as the view has them. Read again but not returned (deleted
          // since the versions were listed, or unreadable): not kept, as a full list leaves them
          // out.
          listed = new HashSet<>(stored.keySet());
          listed.removeAll(unknown);
        }
        Map<String, Webhook> snapshot = new HashMap<>();
        for (Webhook w : all) {
          Webhook before;
          Webhook after;
          synchronized (deletedLocally) {
            if (deletedLocally.containsKey(w.id())) {
              continue; // deleted here after the list was read: not put back, not even for now
            }
            before = webhooks.get(w.id());
            after = webhooks.merge(w.id(), w, WebhookView::newer);
          }
          snapshot.put(w.id(), w);
          if (listed != null) {
            index.put(w); // as a full load's replaceAll; the index keeps a newer state it holds
          }
          resetHealthIfFresh(w.id(), before, Optional.of(after));
          track(after);
        }
        // Kept too: webhooks this process told of while the list was read (created here
        // meanwhile): neither gone nor to be reported deleted.
        Set<String> keep = new HashSet<>(snapshot.keySet());
        if (listed != null) {
          keep.addAll(listed);
        }
        for (Change c : changesDuringReload) {
          if (c.current().isPresent()) {
            keep.add(c.webhookId());
          } else {
            keep.remove(c.webhookId());
          }
        }
        health.retainOnly(keep);
        List<String> gone = new ArrayList<>();
        for (String id : webhooks.keySet()) {
          if (!keep.contains(id)) {
            gone.add(id);
          }
        }
        webhooks.keySet().retainAll(keep);
        if (listed != null) {
          gone.forEach(index::remove); // a full load's replaceAll leaves them out
        }
        gone.forEach(deleted);
        changes.incrementAndGet();
        notReceiving.removeIf(id -> !keep.contains(id));
        // The idle endpoints of webhooks that do not receive are forgotten too: nothing enters
        // their queues, and a queue that had deepened for a fast endpoint kept counting as room
        // for claims (EndpointSlots#deepened) for as long as its webhook stayed disabled.
        Set<String> endpointsKept = new HashSet<>(keep);
        endpointsKept.removeAll(notReceiving); // tracked above, for every webhook of the snapshot
        slots.retainOnly(endpointsKept);
        // Local changes made while the snapshot was read may be missing from it, or have been
        // wiped from the index by replaceAll: apply them again unless the snapshot is newer.
        Change c;
        while ((c = changesDuringReload.poll()) != null) {
          Webhook inSnapshot = snapshot.get(c.webhookId());
          Optional<Webhook> current = c.current();
          if (current.isEmpty()
              || inSnapshot == null
              || current.get().version() >= inSnapshot.version()) {
            applyChange(c.webhookId(), current);
          }
        }
        if (versions == null) {
          loadedInFull = true;
        }
      } finally {
        reloading = false;
      }
    }
  }

  /**
   * The webhook's latest known state, loaded from the Store if the view does not know it yet.
   *
   * @param webhookId the webhook
   * @return its state; null if it was deleted, or if its stored secret cannot be decrypted (then it
   *     counts as not receiving until the next reload)
   */
  public @Nullable Webhook current(String webhookId) {
    Webhook w = webhooks.get(webhookId);
    if (w != null) {
      return w;
    }
    Optional<Webhook> loaded;
    try {
      loaded = store.findWebhook(webhookId);
    } catch (SecretCipherException e) {
      // Its stored secret cannot be decrypted (a corrupt row, which the Store's list leaves out):
      // its queued deliveries stay queued, unclaimed like those of a webhook that does not
      // receive, until a reload forgets this and the next claim looks it up again. Thrown, it
      // ended every claim round that took one of them: runDueNow() threw it on every call, and
      // the background claims backed off as from a failing database, up to 30 s a round.
      if (notReceiving.add(webhookId)) {
        log.warn(
            "a queued delivery's webhook cannot be read, its deliveries stay queued: webhook={}"
                + " reason={} error={}",
            webhookId,
            e.reason(),
            e.getMessage());
      }
      return null;
    }
    if (loaded.isEmpty()) {
      notReceiving.add(webhookId); // deleted: the Store drops its deliveries
      return null;
    }
    Webhook current;
    synchronized (deletedLocally) {
      // Deleted while it was read (applyChange removes under this lock): merged back, it stayed in
      // the view as receiving until the next reload, and deliveries claimed for it were sent.
      if (deletedLocally.containsKey(webhookId)) {
        notReceiving.add(webhookId);
        return null;
      }
      current = webhooks.merge(webhookId, loaded.get(), WebhookView::newer);
    }
    track(current);
    return current;
  }

  /**
   * The ids of every webhook the view knows.
   *
   * @return a snapshot
   */
  public List<String> knownIds() {
    return List.copyOf(webhooks.keySet());
  }

  /**
   * Webhooks not verified and enabled (or gone): their deliveries are not claimed.
   *
   * @return a live, unmodifiable view
   */
  public Set<String> notReceiving() {
    return Collections.unmodifiableSet(notReceiving);
  }

  /**
   * How many webhooks the view knows to receive events, recounted only after the view changed: the
   * claim loop sizes its claims by it on every round.
   *
   * @return the count (a moment's snapshot)
   */
  public int receivingCount() {
    long seen = changes.get();
    if (seen != countedAtChange) {
      int n = 0;
      for (Webhook w : webhooks.values()) {
        if (w.receivesEvents()) {
          n++;
        }
      }
      receiving = n;
      countedAtChange = seen;
    }
    return receiving;
  }

  /** The registry's change listener: a local change, seen at once. */
  public void onChange(String webhookId, Optional<Webhook> current) {
    if (reloading) {
      changesDuringReload.add(new Change(webhookId, current));
    }
    applyChange(webhookId, current);
  }

  /** A webhook change seen by the registry listener. */
  private record Change(String webhookId, Optional<Webhook> current) {}

  private void applyChange(String webhookId, Optional<Webhook> current) {
    Webhook before;
    Webhook w = null;
    synchronized (deletedLocally) {
      if (current.isPresent() && deletedLocally.containsKey(webhookId)) {
        // An update told after the delete that followed it (two threads changing one webhook at
        // once): the webhook stays gone; ids are never reused.
        return;
      }
      before = webhooks.get(webhookId);
      if (current.isEmpty()) {
        deletedLocally.put(webhookId, Boolean.TRUE);
        webhooks.remove(webhookId);
        notReceiving.remove(webhookId);
      } else {
        w = webhooks.merge(webhookId, current.get(), WebhookView::newer);
      }
    }
    index.onChange(webhookId, current);
    resetHealthIfFresh(webhookId, before, current);
    if (w == null) {
      changes.incrementAndGet();
      deleted.accept(webhookId);
      return;
    }
    track(w);
    if (w.receivesEvents()) {
      requestPump.run(); // its queued deliveries may go out now
    }
  }

  /**
   * Forgets an endpoint's local health when its webhook starts afresh: re-enabled (also after
   * {@code DISABLED_BY_FAILURE}), moved to another URI, or deleted. Seen through the registry's
   * listener for local changes and through reloads for other instances' changes.
   */
  private void resetHealthIfFresh(
      String webhookId, @Nullable Webhook before, Optional<Webhook> current) {
    if (current.isEmpty()
        || (before != null && !before.receivesEvents() && current.get().receivesEvents())
        || (before != null && !before.uri().equals(current.get().uri()))) {
      health.reset(webhookId);
    }
  }

  private static Webhook newer(Webhook old, Webhook fresh) {
    return fresh.version() >= old.version() ? fresh : old;
  }

  private void track(Webhook w) {
    changes.incrementAndGet();
    if (w.receivesEvents()) {
      notReceiving.remove(w.id());
    } else {
      notReceiving.add(w.id());
    }
  }
}
