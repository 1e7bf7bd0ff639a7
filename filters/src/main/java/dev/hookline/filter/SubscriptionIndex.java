package dev.hookline.filter;

import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.InvalidFilterException;
import dev.hookline.Webhook;
import dev.hookline.WebhookChangeListener;
import dev.hookline.filter.internal.Compare;
import dev.hookline.filter.internal.FieldPath;
import dev.hookline.filter.internal.Junction;
import dev.hookline.filter.internal.Literal;
import dev.hookline.filter.internal.Node;
import dev.hookline.filter.internal.Op;
import dev.hookline.spi.CompiledFilter;
import dev.hookline.spi.FilterCompiler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the webhooks an event goes to without testing every webhook.
 *
 * <p>Webhooks are partitioned by tenant first: an event is looked up in the partition of its {@code
 * subject.tenant} and in the partition of the webhooks without a tenant (the host's own), never in
 * another tenant's. So a tenant's webhook receives only its own tenant's events whatever its filter
 * says, and an event without a tenant reaches only the host's webhooks.
 *
 * <p>Within a partition, webhooks are grouped by the event types they subscribe to (narrowed by a
 * top-level {@code type == ...} / {@code type in (...)} condition of their filter, wildcards
 * included). Within a type, a webhook whose filter requires {@code subject.app_id == X} (or {@code
 * in (...)}) at the top level is filed under X, likewise for {@code subject.tenant}; the rest are
 * kept in a list tested for every event of that type. {@link #match} looks up the event's type, app
 * and tenant and runs, for those candidates only, the part of their filter that the lookup did not
 * already decide.
 *
 * <p>Each filter is compiled once, when the webhook is put. A webhook whose stored filter does not
 * compile (for example, text saved by another version) receives nothing: sending it unfiltered
 * events could leak data its owner asked not to receive. It is logged at WARN and listed by {@link
 * #rejected()}.
 *
 * <p>Thread-safe. Readers never block: {@link #match} works on an immutable snapshot; changes build
 * the next snapshot (copying only the groups they touch) and publish it atomically, so a match sees
 * either the state before or after a change, never a mix. Changes are serialised.
 */
public final class SubscriptionIndex implements WebhookChangeListener {
  private static final Logger log = LoggerFactory.getLogger(SubscriptionIndex.class);
  private static final Entry[] NONE = new Entry[0];

  private final FilterCompiler compiler;
  private final Object writeLock = new Object();
  // Written under writeLock; the current entry of every webhook, for finding what a change
  // replaces.
  // Concurrent so that entry() may look for a held entry to reuse without the lock.
  private final Map<String, Entry> byId = new ConcurrentHashMap<>();

  /**
   * Guarded by writeLock: webhooks the registry told deleted, the latest {@link #MAX_DELETED}, so
   * that an update told after its delete (two threads changing one webhook at once) does not bring
   * it back, nor a list read from the Store before the delete ({@link #replaceAll}).
   */
  private final Map<String, Boolean> deleted =
      new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > MAX_DELETED;
        }
      };

  private static final int MAX_DELETED = 65_536;

  /**
   * Guarded by writeLock: for each {@link #replaceAll(Supplier)} running, the ids put while its
   * load reads, which it keeps even if the list it read does not hold them.
   */
  private final List<Set<String>> loading = new ArrayList<>();

  /** Tenants' partitions are kept in this many maps, so a change copies one, not all. */
  private static final int TENANT_SHARDS = 64;

  private volatile Snapshot snapshot = new Snapshot(Map.of(), noTenants(), 0, 0, Map.of());

  private static Map<String, Map<String, Bucket>>[] noTenants() {
    Map<String, Map<String, Bucket>>[] none = newShards();
    Arrays.fill(none, Map.of());
    return none;
  }

  @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type
  private static Map<String, Map<String, Bucket>>[] newShards() {
    return new Map[TENANT_SHARDS];
  }

  private static int shard(String tenant) {
    int h = tenant.hashCode();
    return (h ^ (h >>> 16)) & (TENANT_SHARDS - 1);
  }

  private SubscriptionIndex(FilterCompiler compiler) {
    this.compiler = compiler;
  }

  /**
   * Creates an empty index.
   *
   * @param compiler compiles webhooks' filters; usually {@link Filters#compiler()}. Filters
   *     compiled by another compiler are still honoured, but only by event type, not by app or
   *     tenant.
   * @return the index
   */
  public static SubscriptionIndex create(FilterCompiler compiler) {
    return new SubscriptionIndex(Objects.requireNonNull(compiler, "compiler"));
  }

  /**
   * Adds a webhook, or replaces the one with the same id. Its filter is compiled here, once. A
   * change older than the one held (lower {@link Webhook#version()}) is ignored.
   *
   * @param webhook the webhook
   */
  public void put(Webhook webhook) {
    Entry entry = entry(Objects.requireNonNull(webhook, "webhook"));
    synchronized (writeLock) {
      putLocked(entry);
    }
  }

  private void putLocked(Entry entry) {
    Webhook webhook = entry.webhook;
    Entry old = byId.get(webhook.id());
    if (old != null && old.webhook.version() > webhook.version()) {
      return;
    }
    byId.put(webhook.id(), entry);
    for (Set<String> putDuringLoad : loading) {
      putDuringLoad.add(webhook.id());
    }
    publish(old, entry);
  }

  /**
   * Removes a webhook.
   *
   * @param webhookId the webhook's id
   * @return true if the index held it
   */
  public boolean remove(String webhookId) {
    Objects.requireNonNull(webhookId, "webhookId");
    synchronized (writeLock) {
      return removeLocked(webhookId);
    }
  }

  private boolean removeLocked(String webhookId) {
    Entry old = byId.remove(webhookId);
    if (old == null) {
      return false;
    }
    publish(old, null);
    return true;
  }

  /**
   * Replaces the whole content at once, for example after loading every webhook from the store. A
   * concurrent {@link #match} sees the old content or the new, never a mix. A webhook held at a
   * higher version than the one given is kept (a change that raced with the load), and one this
   * index was told deleted stays gone. A webhook created while the caller was reading the store is
   * not in the list and is dropped: to keep it, use {@link #replaceAll(Supplier)}.
   *
   * @param webhooks the webhooks; ids must be distinct (the last one wins)
   */
  public void replaceAll(Collection<Webhook> webhooks) {
    Map<String, Entry> entries = entries(webhooks);
    synchronized (writeLock) {
      replaceLocked(entries, Set.of());
    }
  }

  /**
   * Replaces the whole content with what {@code load} reads, keeping every change this index is
   * told while it reads: register the index as the registry's listener first, then call {@code
   * index.replaceAll(registry::list)}. A webhook created, updated or deleted by another thread
   * while the list was read is kept as it was told here, whatever the list says; a webhook the list
   * lacks and nobody told this index about is dropped (deleted where this index was not listening,
   * for example on another instance).
   *
   * @param load reads every webhook, for example {@code registry::list}; ids must be distinct (the
   *     last one wins); called once, on this thread, holding no lock of this index
   */
  public void replaceAll(Supplier<? extends Collection<Webhook>> load) {
    Objects.requireNonNull(load, "load");
    Set<String> putDuringLoad = new HashSet<>();
    synchronized (writeLock) {
      loading.add(putDuringLoad);
    }
    Map<String, Entry> entries;
    try {
      entries = entries(Objects.requireNonNull(load.get(), "the list load returned"));
    } catch (RuntimeException | Error e) {
      synchronized (writeLock) {
        loading.remove(putDuringLoad);
      }
      throw e;
    }
    synchronized (writeLock) {
      loading.remove(putDuringLoad);
      replaceLocked(entries, putDuringLoad);
    }
  }

  private Map<String, Entry> entries(Collection<Webhook> webhooks) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Webhook w : List.copyOf(webhooks)) {
      entries.put(w.id(), entry(w));
    }
    return entries;
  }

  private void replaceLocked(Map<String, Entry> entries, Set<String> putDuringLoad) {
    // a webhook the registry deleted while the caller was reading the store stays gone
    entries.keySet().removeAll(deleted.keySet());
    // a change put while the caller was reading the store is newer than what it read
    for (Entry held : byId.values()) {
      Entry read = entries.get(held.webhook.id());
      if (read == null
          ? putDuringLoad.contains(held.webhook.id())
          : held.webhook.version() > read.webhook.version()) {
        entries.put(held.webhook.id(), held);
      }
    }
    Map<String, Map<String, Entry>> hostMembers = new HashMap<>();
    Map<String, Map<String, Map<String, Entry>>> tenantMembers = new HashMap<>();
    Map<String, String> rejected = new HashMap<>();
    for (Entry e : entries.values()) {
      Map<String, Map<String, Entry>> members =
          e.tenant == null
              ? hostMembers
              : tenantMembers.computeIfAbsent(e.tenant, t -> new HashMap<>());
      for (String type : e.types) {
        members.computeIfAbsent(type, t -> new LinkedHashMap<>()).put(e.webhook.id(), e);
      }
      addRejection(rejected, e);
    }
    List<Map<String, Map<String, Bucket>>> shards = new ArrayList<>(TENANT_SHARDS);
    for (int i = 0; i < TENANT_SHARDS; i++) {
      shards.add(new HashMap<>());
    }
    tenantMembers.forEach(
        (tenant, members) -> shards.get(shard(tenant)).put(tenant, buckets(members)));
    Map<String, Map<String, Bucket>>[] tenants = newShards();
    for (int i = 0; i < TENANT_SHARDS; i++) {
      tenants[i] = Map.copyOf(shards.get(i));
    }
    byId.clear();
    byId.putAll(entries);
    snapshot =
        new Snapshot(
            buckets(hostMembers),
            tenants,
            tenantMembers.size(),
            entries.size(),
            Map.copyOf(rejected));
  }

  private static Map<String, Bucket> buckets(Map<String, Map<String, Entry>> membersByType) {
    Map<String, Bucket> out = new HashMap<>();
    membersByType.forEach((type, m) -> out.put(type, Bucket.of(m.values())));
    return Map.copyOf(out);
  }

  /**
   * Returns the webhooks that may receive the event (the host's own, and the event's tenant's),
   * subscribed to its type, whose filter, if any, accepts the event. Does not check whether a
   * webhook is enabled or verified. The order is unspecified.
   *
   * @param event the event
   * @return the matching webhooks; empty if none
   */
  public List<Webhook> match(Event event) {
    Objects.requireNonNull(event, "event");
    Snapshot s = snapshot;
    String type = event.type().wireName();
    List<Webhook> out = new ArrayList<>();
    Bucket host = s.host.get(type);
    if (host != null) {
      collect(host, event, out);
    }
    Optional<String> tenant = event.subject().tenant();
    if (tenant.isPresent() && s.tenantCount > 0) {
      Map<String, Bucket> own = s.tenants[shard(tenant.get())].get(tenant.get());
      Bucket bucket = own == null ? null : own.get(type);
      if (bucket != null) {
        collect(bucket, event, out);
      }
    }
    return out;
  }

  /** Collects the bucket's webhooks whose filter accepts the event. */
  private static void collect(Bucket bucket, Event event, List<Webhook> out) {
    collect(bucket.any, event, out);
    Optional<String> app = event.subject().appId();
    if (app.isPresent() && !bucket.byApp.isEmpty()) {
      collect(bucket.byApp.getOrDefault(app.get(), NONE), event, out);
    }
    Optional<String> tenant = event.subject().tenant();
    if (tenant.isPresent() && !bucket.byTenant.isEmpty()) {
      collect(bucket.byTenant.getOrDefault(tenant.get(), NONE), event, out);
    }
  }

  /**
   * Returns how many webhooks the index holds, including any whose filter was rejected.
   *
   * @return the number of webhooks
   */
  public int size() {
    return snapshot.size;
  }

  /**
   * Returns the webhooks whose stored filter did not compile, with the problem; they receive
   * nothing until fixed.
   *
   * @return webhook id to problem; empty if none
   */
  public Map<String, String> rejected() {
    return snapshot.rejected;
  }

  /**
   * Applies a registry change: {@link #put} when the webhook exists, {@link #remove} when deleted.
   *
   * @param webhookId the webhook's id
   * @param current the webhook now, or empty if deleted
   */
  @Override
  public void onChange(String webhookId, Optional<Webhook> current) {
    if (current.isPresent()) {
      Entry entry = entry(current.get());
      synchronized (writeLock) {
        if (!deleted.containsKey(webhookId)) { // an update told after its delete: stays gone
          putLocked(entry);
        }
      }
    } else {
      synchronized (writeLock) {
        deleted.put(webhookId, Boolean.TRUE);
        removeLocked(webhookId);
      }
    }
  }

  @Override
  public String toString() {
    return "SubscriptionIndex[size=" + size() + "]";
  }

  private static void collect(Entry[] entries, Event event, List<Webhook> out) {
    for (Entry e : entries) {
      Predicate<Event> f = e.filter;
      if (f == null || accepts(f, e, event)) {
        out.add(e.webhook);
      }
    }
  }

  private static boolean accepts(Predicate<Event> f, Entry e, Event event) {
    try {
      return f.test(event);
    } catch (RuntimeException ex) {
      // Only a foreign compiler's filter can throw; one broken filter must not stop routing.
      log.warn(
          "filter of webhook {} failed on event {}; not sent to it",
          e.webhook.id(),
          event.id(),
          ex);
      return false;
    }
  }

  /**
   * Builds the next snapshot after {@code old} was replaced by {@code now} (either may be null).
   */
  private void publish(@Nullable Entry old, @Nullable Entry now) {
    Snapshot s = snapshot;
    Map<String, Bucket> host = s.host;
    Map<String, Map<String, Bucket>>[] tenants = s.tenants;
    int tenantCount = s.tenantCount;
    // A webhook's tenant never changes; should a change move one all the same, it leaves the old
    // partition and joins the new one.
    List<Move> moves =
        old != null && now != null && !Objects.equals(old.tenant, now.tenant)
            ? List.of(new Move(old, null), new Move(null, now))
            : List.of(new Move(old, now));
    for (Move move : moves) {
      String tenant = move.tenant();
      if (tenant == null) {
        host = changed(host, move.from, move.to);
      } else {
        // Only the tenant's shard is copied, not the map of every tenant (thousands of them on a
        // multi-tenant platform, copied at each change of any tenant's webhook).
        int i = shard(tenant);
        Map<String, Bucket> before = tenants[i].get(tenant);
        Map<String, Bucket> partition =
            changed(before == null ? Map.of() : before, move.from, move.to);
        Map<String, Map<String, Bucket>> next = new HashMap<>(tenants[i]);
        if (partition.isEmpty()) {
          next.remove(tenant);
        } else {
          next.put(tenant, partition);
        }
        tenantCount += (before == null ? 0 : -1) + (partition.isEmpty() ? 0 : 1);
        tenants = tenants.clone();
        tenants[i] = Map.copyOf(next);
      }
    }
    Map<String, String> rejected = new HashMap<>(s.rejected);
    if (old != null) {
      rejected.remove(old.webhook.id());
    }
    if (now != null) {
      addRejection(rejected, now);
    }
    snapshot = new Snapshot(host, tenants, tenantCount, byId.size(), Map.copyOf(rejected));
  }

  /**
   * Returns one partition's buckets after the webhook {@code id} changed from {@code old} to {@code
   * now} within it (either may be null). Only the buckets of the types involved change, and each by
   * a copy of the arrays the webhook is in: rebuilt from their members, a change cost every member
   * of each bucket it touched (a host webhook subscribed to all twelve types among 5,000: twelve
   * buckets of 5,000, hashed again), so creating webhooks one by one grew with their square.
   */
  private static Map<String, Bucket> changed(
      Map<String, Bucket> partition, @Nullable Entry old, @Nullable Entry now) {
    Set<String> types = new LinkedHashSet<>();
    if (old != null) {
      types.addAll(old.types);
    }
    if (now != null) {
      types.addAll(now.types);
    }
    Map<String, Bucket> buckets = new HashMap<>(partition);
    for (String type : types) {
      Bucket b = buckets.getOrDefault(type, Bucket.EMPTY);
      Bucket next =
          b.with(
              old != null && old.types.contains(type) ? old : null,
              now != null && now.types.contains(type) ? now : null);
      if (next.isEmpty()) {
        buckets.remove(type);
      } else {
        buckets.put(type, next);
      }
    }
    return Map.copyOf(buckets);
  }

  private static void addRejection(Map<String, String> rejected, Entry e) {
    String problem = e.problem;
    if (problem != null) {
      rejected.put(e.webhook.id(), problem);
    }
  }

  /**
   * Compiles the webhook's filter and works out where it is filed; or, if the index holds the
   * webhook with the same filter, event types and tenant (a rename, a new URI or key, an enable, a
   * reload that finds it unchanged), reuses what was worked out then. A reload compiled every
   * webhook's filter again, changed or not.
   */
  private Entry entry(Webhook webhook) {
    Entry held = byId.get(webhook.id());
    if (held != null
        && held.webhook.filter().equals(webhook.filter())
        && held.webhook.events().equals(webhook.events())
        && Objects.equals(held.tenant, webhook.tenant().orElse(null))) {
      return new Entry(webhook, held.filter, held.types, held.route, held.keys, held.problem);
    }
    Optional<String> text = webhook.filter();
    if (text.isEmpty() || text.get().isBlank()) {
      return new Entry(webhook, null, wireNames(webhook.events()), Route.ANY, List.of(), null);
    }
    CompiledFilter filter;
    try {
      filter = compiler.compile(text.get(), webhook.events());
    } catch (InvalidFilterException e) {
      log.warn(
          "webhook {} has a filter that does not compile; it receives no events: {}",
          webhook.id(),
          e.getMessage());
      return new Entry(webhook, null, Set.of(), Route.ANY, List.of(), e.getMessage());
    }
    Set<String> types = wireNames(webhook.events());
    Route route = Route.ANY;
    List<String> keys = List.of();
    Predicate<Event> residual = filter;
    if (filter instanceof Filter f) {
      Node node = f.node();
      List<Node> conjuncts = node instanceof Junction j && j.isAnd() ? j.children() : List.of(node);
      Node key = null;
      for (Node c : conjuncts) {
        if (isKey(c, FieldPath.Root.APP_ID)) {
          key = c;
          route = Route.APP;
          break;
        }
      }
      for (int i = 0; key == null && i < conjuncts.size(); i++) {
        if (isKey(conjuncts.get(i), FieldPath.Root.TENANT)) {
          key = conjuncts.get(i);
          route = Route.TENANT;
        }
      }
      if (key instanceof Compare k) {
        // in ("a", "a") files the webhook once: under a key twice, match would return it twice
        keys = k.values().stream().map(Literal::string).distinct().toList();
      }
      // What the index decides (the type and the app/tenant key) is not evaluated again.
      List<Node> rest = new ArrayList<>();
      for (Node c : conjuncts) {
        if (isKey(c, FieldPath.Root.TYPE)) {
          Compare cmp = (Compare) c;
          types.removeIf(
              t -> cmp.values().stream().noneMatch(v -> Compare.typePatternMatches(v.string(), t)));
        } else if (c != key) {
          rest.add(c);
        }
      }
      residual = rest.isEmpty() ? null : rest.size() == 1 ? rest.get(0)::test : andOf(rest);
    }
    return new Entry(webhook, residual, types, route, keys, null);
  }

  private static boolean isKey(Node c, FieldPath.Root root) {
    return c instanceof Compare cmp
        && cmp.path().root() == root
        && (cmp.op() == Op.EQ || cmp.op() == Op.IN);
  }

  private static Predicate<Event> andOf(List<Node> nodes) {
    Node[] all = nodes.toArray(new Node[0]);
    return e -> {
      for (Node n : all) {
        if (!n.test(e)) {
          return false;
        }
      }
      return true;
    };
  }

  private static Set<String> wireNames(Set<EventType> types) {
    Set<String> out = new LinkedHashSet<>();
    types.forEach(t -> out.add(t.wireName()));
    return out;
  }

  private enum Route {
    ANY,
    APP,
    TENANT
  }

  /** One webhook with its compiled filter and where it is filed. Immutable once published. */
  private static final class Entry {
    final Webhook webhook;
    final @Nullable String tenant; // the partition: null for the host's own webhooks
    final @Nullable Predicate<Event> filter; // what is left to test after the index lookup
    final Set<String> types;
    final Route route;
    final List<String> keys;
    final @Nullable String problem;

    Entry(
        Webhook webhook,
        @Nullable Predicate<Event> filter,
        Set<String> types,
        Route route,
        List<String> keys,
        @Nullable String problem) {
      this.webhook = webhook;
      this.tenant = webhook.tenant().orElse(null);
      this.filter = filter;
      this.types = Set.copyOf(types);
      this.route = route;
      this.keys = keys;
      this.problem = problem;
    }
  }

  /**
   * A webhook's change within one partition: from the old entry to the new (either may be null).
   */
  private record Move(@Nullable Entry from, @Nullable Entry to) {
    @Nullable String tenant() {
      return from != null ? from.tenant : Objects.requireNonNull(to).tenant;
    }
  }

  /**
   * The webhooks of one event type, grouped for lookup. Immutable: a change makes a new bucket that
   * shares the arrays it does not touch.
   */
  private static final class Bucket {
    static final Bucket EMPTY = new Bucket(NONE, Map.of(), Map.of());

    final Entry[] any;
    final Map<String, Entry[]> byApp;
    final Map<String, Entry[]> byTenant;

    private Bucket(Entry[] any, Map<String, Entry[]> byApp, Map<String, Entry[]> byTenant) {
      this.any = any;
      this.byApp = byApp;
      this.byTenant = byTenant;
    }

    /** A bucket of these entries, filed at once (a whole load). */
    static Bucket of(Collection<Entry> members) {
      List<Entry> anyList = new ArrayList<>();
      Map<String, List<Entry>> apps = new HashMap<>();
      Map<String, List<Entry>> tenants = new HashMap<>();
      for (Entry e : members) {
        switch (e.route) {
          case ANY -> anyList.add(e);
          case APP -> e.keys.forEach(k -> apps.computeIfAbsent(k, x -> new ArrayList<>()).add(e));
          case TENANT ->
              e.keys.forEach(k -> tenants.computeIfAbsent(k, x -> new ArrayList<>()).add(e));
        }
      }
      return new Bucket(anyList.toArray(NONE), freeze(apps), freeze(tenants));
    }

    boolean isEmpty() {
      return any.length == 0 && byApp.isEmpty() && byTenant.isEmpty();
    }

    /**
     * This bucket with {@code old} (filed here, or null) replaced by {@code now} (or null): only
     * the arrays either is filed in are copied.
     */
    Bucket with(@Nullable Entry old, @Nullable Entry now) {
      return new Bucket(
          replaced(any, on(old, Route.ANY), on(now, Route.ANY)),
          rekeyed(byApp, on(old, Route.APP), on(now, Route.APP)),
          rekeyed(byTenant, on(old, Route.TENANT), on(now, Route.TENANT)));
    }

    private static @Nullable Entry on(@Nullable Entry e, Route route) {
      return e != null && e.route == route ? e : null;
    }

    private static Map<String, Entry[]> rekeyed(
        Map<String, Entry[]> byKey, @Nullable Entry old, @Nullable Entry now) {
      if (old == null && now == null) {
        return byKey;
      }
      Set<String> keys = new LinkedHashSet<>();
      if (old != null) {
        keys.addAll(old.keys);
      }
      if (now != null) {
        keys.addAll(now.keys);
      }
      Map<String, Entry[]> out = new HashMap<>(byKey);
      for (String k : keys) {
        Entry[] next =
            replaced(
                out.getOrDefault(k, NONE),
                old != null && old.keys.contains(k) ? old : null,
                now != null && now.keys.contains(k) ? now : null);
        if (next.length == 0) {
          out.remove(k);
        } else {
          out.put(k, next);
        }
      }
      return out;
    }

    /**
     * The array with {@code old}'s webhook replaced by {@code now} in its place, removed (now
     * null), or {@code now} added at the end (old null or not in it).
     */
    private static Entry[] replaced(Entry[] a, @Nullable Entry old, @Nullable Entry now) {
      int at = -1;
      if (old != null) {
        String id = old.webhook.id();
        for (int i = 0; i < a.length; i++) {
          if (a[i].webhook.id().equals(id)) {
            at = i;
            break;
          }
        }
      }
      if (at >= 0 && now != null) {
        Entry[] out = a.clone();
        out[at] = now;
        return out;
      }
      if (at >= 0) {
        if (a.length == 1) {
          return NONE;
        }
        Entry[] out = new Entry[a.length - 1];
        System.arraycopy(a, 0, out, 0, at);
        System.arraycopy(a, at + 1, out, at, a.length - at - 1);
        return out;
      }
      if (now == null) {
        return a;
      }
      Entry[] out = Arrays.copyOf(a, a.length + 1);
      out[a.length] = now;
      return out;
    }

    private static Map<String, Entry[]> freeze(Map<String, List<Entry>> m) {
      Map<String, Entry[]> out = new HashMap<>(m.size() * 2);
      m.forEach((k, v) -> out.put(k, v.toArray(NONE)));
      return out;
    }
  }

  /** What {@link #match} reads: immutable, replaced as a whole. */
  private static final class Snapshot {
    final Map<String, Bucket> host; // by event type: webhooks without a tenant
    // by tenant (in TENANT_SHARDS shards, by the tenant's hash), then by event type
    final Map<String, Map<String, Bucket>>[] tenants;
    final int tenantCount; // tenants with a webhook filed
    final int size;
    final Map<String, String> rejected;

    Snapshot(
        Map<String, Bucket> host,
        Map<String, Map<String, Bucket>>[] tenants,
        int tenantCount,
        int size,
        Map<String, String> rejected) {
      this.host = host;
      this.tenants = tenants;
      this.tenantCount = tenantCount;
      this.size = size;
      this.rejected = rejected;
    }
  }
}
