package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The per-endpoint and per-tenant limits, and close() with deliveries queued behind busy endpoints,
 * under contention that actually overlaps attempts: several publishers, and a loopback endpoint
 * that holds every request until the test lets it go (so attempts pile up as at a slow endpoint,
 * which {@link ContentionReviewTest}'s endpoint, answering at once, never shows).
 *
 * <p>Webhooks: tenant {@code ta} has one ({@code /ta/w0}), where the endpoint limit (2) binds below
 * the tenant limit (3); tenant {@code tb} has three ({@code /tb/w0..2}), which could hold 6 at
 * once, where the tenant limit binds; the host's own ({@code /host/h0}) receives every event,
 * limited by its endpoint only.
 *
 * <p>Nothing here waits for time to pass: between releases the test waits, bounded, for the state
 * the limits make the dispatcher settle in with every request held (each endpoint sends as many
 * requests as its slots and its claimed deliveries allow, and each tenant holds as many deliveries
 * as its limit and its backlog allow), or for a request beyond a limit to arrive. A dispatcher that
 * ignores a limit never settles there, and the wait fails if it does not see the excess itself.
 */
class ContentionLimitsReviewTest {
  private static final int PER_ENDPOINT = 2;

  /**
   * Below what tenant tb's three webhooks could hold (6), above one endpoint's limit. A tenant
   * limit of 3 leaves a slack of one (half the limit, rounded down; see {@link
   * dev.hookline.delivery.internal.EndpointSlots#tenantSlack}), so claims fill a tenant with a
   * backlog up to exactly its limit, which the settled state below relies on.
   */
  private static final int PER_TENANT = 3;

  private static final int PUBLISHERS = 3;
  private static final int EVENTS_EACH = 12;

  /** The bound on each wait for the dispatcher to settle: generous, met in milliseconds. */
  private static final Duration SETTLE = Duration.ofSeconds(10);

  /** Longer than any hold: no attempt times out while the endpoint holds it. */
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  private Harness h;
  private HoldingEndpoint endpoint;

  /** Every webhook, in order: ta/w0, tb/w0..2, host/h0; by id, the path it receives at. */
  private final Map<String, String> pathOf = new LinkedHashMap<>();

  private final Map<String, List<String>> webhooksOfTenant = new LinkedHashMap<>();
  private String host;

  @BeforeEach
  void setUp() throws IOException {
    h = new Harness();
    endpoint = new HoldingEndpoint();
    webhooksOfTenant.put("ta", List.of(webhook("ta", "w0")));
    webhooksOfTenant.put(
        "tb", List.of(webhook("tb", "w0"), webhook("tb", "w1"), webhook("tb", "w2")));
    host = webhook(null, "h0");
  }

  @AfterEach
  void tearDown() {
    endpoint.close();
  }

  private String webhook(@Nullable String tenant, String name) {
    String path = "/" + (tenant == null ? "host" : tenant) + "/" + name;
    Webhook w =
        h.registry.create(
            WebhookDefinition.builder()
                .name(path)
                .tenant(tenant)
                .uri(endpoint.url(path))
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(h.registry, w.id());
    h.registry.enable(w.id());
    pathOf.put(w.id(), path);
    return w.id();
  }

  private Dispatcher.Builder dispatcher() {
    return h.dispatcher(ATTEMPT_TIMEOUT)
        .perEndpointConcurrency(PER_ENDPOINT)
        .perTenantConcurrency(PER_TENANT)
        .workers(32)
        .pollInterval(Duration.ofMillis(10))
        .leaseDuration(Duration.ofSeconds(60));
  }

  private static Event event(String tenant, int publisher, int n) {
    return Event.builder(UserEvents.CREATED)
        .id("evt_" + tenant + "_" + publisher + "_" + n)
        .occurredAt(Instant.parse("2026-12-02T10:00:00Z"))
        .subject(Subject.user("u" + n).withTenant(tenant))
        .data(JsonNodeFactory.instance.objectNode().put("user_id", "u" + n))
        .build();
  }

  /**
   * Publishes from {@link #PUBLISHERS} threads at once, alternating the two tenants, and returns
   * them started; each adds the ids of the deliveries its publishes returned, by webhook.
   */
  private List<Thread> publishers(
      Dispatcher d, Map<String, Set<String>> enqueued, List<Throwable> failures) {
    CyclicBarrier go = new CyclicBarrier(PUBLISHERS);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < PUBLISHERS; p++) {
      int me = p;
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                  for (int n = 0; n < EVENTS_EACH; n++) {
                    String tenant = (n + me) % 2 == 0 ? "ta" : "tb";
                    for (Delivery dl : d.publish(event(tenant, me, n)).deliveries()) {
                      enqueued
                          .computeIfAbsent(dl.webhookId(), k -> ConcurrentHashMap.newKeySet())
                          .add(dl.event().id()); // the webhook-id header
                    }
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              },
              "publisher-" + p);
      threads.add(t);
      t.start();
    }
    return threads;
  }

  private static void joinAll(List<Thread> threads) throws InterruptedException {
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(t.isAlive(), "thread ended: " + t);
    }
  }

  /** A request beyond a limit seen at the endpoint so far, or null. */
  private @Nullable String excess() {
    for (String path : pathOf.values()) {
      if (endpoint.mostAtPath(path) > PER_ENDPOINT) {
        return endpoint.mostAtPath(path) + " requests at once at " + path;
      }
    }
    for (String tenant : webhooksOfTenant.keySet()) {
      if (endpoint.mostAtGroup(tenant) > PER_TENANT) {
        return endpoint.mostAtGroup(tenant) + " requests at once for tenant " + tenant;
      }
    }
    return null;
  }

  /**
   * Whether the dispatcher has settled with every request held: each webhook has as many requests
   * at the endpoint as its slots and its claimed deliveries allow (every attempt started has
   * arrived, and none waits behind a free slot), each tenant holds as many deliveries as its limit
   * and its backlog allow, and the host's webhook has claimed one beyond its slots if it has that
   * many to send. The Store's counts are read before and after the endpoint's, and must agree, so
   * that a claim or an outcome written meanwhile cannot make a moving state look settled.
   */
  private boolean settled() {
    Map<String, DeliveryCounts> before = storeCounts();
    Map<String, Integer> atEndpoint = new LinkedHashMap<>();
    pathOf.forEach((id, path) -> atEndpoint.put(id, endpoint.atPath(path)));
    if (!before.equals(storeCounts())) {
      return false;
    }
    for (Map.Entry<String, DeliveryCounts> e : before.entrySet()) {
      if (atEndpoint.get(e.getKey()) != Math.min(PER_ENDPOINT, e.getValue().inFlight())) {
        return false;
      }
    }
    for (List<String> ids : webhooksOfTenant.values()) {
      long held = 0;
      long notDone = 0;
      for (String id : ids) {
        held += before.get(id).inFlight();
        notDone += notDone(before.get(id));
      }
      if (held != Math.min(PER_TENANT, notDone)) {
        return false;
      }
    }
    DeliveryCounts c = before.get(host);
    return c.inFlight() >= Math.min(PER_ENDPOINT + 1, notDone(c));
  }

  private Map<String, DeliveryCounts> storeCounts() {
    Map<String, DeliveryCounts> counts = new LinkedHashMap<>();
    for (String id : pathOf.keySet()) {
      counts.put(id, h.store.countDeliveries(id));
    }
    return counts;
  }

  private static long notDone(DeliveryCounts c) {
    return c.pending() + c.inFlight() + c.retrying();
  }

  private String state() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : pathOf.entrySet()) {
      sb.append(e.getValue())
          .append(": ")
          .append(endpoint.atPath(e.getValue()))
          .append(" at the endpoint, ")
          .append(h.store.countDeliveries(e.getKey()))
          .append("; ");
    }
    return sb.toString();
  }

  /**
   * Publishers on three threads while the endpoint holds every request; the test lets the held
   * requests go only once the dispatcher has settled (see {@link #settled()}), round after round
   * until every delivery succeeded. At no instant do more requests than the per-endpoint limit
   * reach one webhook, nor more than the per-tenant limit reach one tenant's webhooks; both limits
   * are reached; every delivery arrives exactly once.
   */
  @RepeatedTest(3)
  void limitsHoldWhileHeldRequestsOverlapAndPublishersRun() throws Exception {
    Map<String, Set<String>> enqueued = new ConcurrentHashMap<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Dispatcher d = dispatcher().build().start();
    try {
      List<Thread> publishers = publishers(d, enqueued, failures);
      int rounds = 0;
      while (true) {
        boolean published = publishers.stream().noneMatch(Thread::isAlive);
        if (published && allSucceeded(enqueued)) {
          break;
        }
        Poll.until(
            SETTLE,
            () ->
                excess() != null
                    || (endpoint.held() > 0 && settled())
                    || (publishers.stream().noneMatch(Thread::isAlive) && allSucceeded(enqueued)),
            () -> "the dispatcher settles with requests held: " + state());
        assertNull(excess(), () -> "a limit was exceeded: " + state());
        endpoint.releaseHeld();
        rounds++;
        assertTrue(rounds < 1_000, "rounds end: " + state());
      }
      joinAll(publishers);
      assertEquals(List.of(), failures);
    } finally {
      endpoint.openUp();
      d.close();
    }
    assertNull(excess(), () -> "a limit was exceeded: " + state());
    // The limits were reached, not only respected: the held requests did overlap.
    assertEquals(PER_ENDPOINT, endpoint.mostAtPath("/ta/w0"), "most at once at /ta/w0");
    assertEquals(PER_ENDPOINT, endpoint.mostAtPath("/host/h0"), "most at once at /host/h0");
    assertEquals(PER_TENANT, endpoint.mostAtGroup("tb"), "most at once for tenant tb");
    int expected = 0;
    for (Map.Entry<String, String> e : pathOf.entrySet()) {
      List<String> arrived = endpoint.arrivedAt(e.getValue());
      Set<String> want = enqueued.getOrDefault(e.getKey(), Set.of());
      assertEquals(want, new HashSet<>(arrived), "deliveries of " + e.getValue());
      assertEquals(want.size(), arrived.size(), "each once at " + e.getValue());
      expected += want.size();
    }
    // Every event reaches the host's webhook and its tenant's: 36 + 18 + 3 * 18.
    assertEquals(PUBLISHERS * EVENTS_EACH * 3, expected, "deliveries enqueued");
  }

  private boolean allSucceeded(Map<String, Set<String>> enqueued) {
    for (String id : pathOf.keySet()) {
      DeliveryCounts c = h.store.countDeliveries(id);
      if (c.succeeded() != enqueued.getOrDefault(id, Set.of()).size()
          || c.total() != c.succeeded()) {
        return false;
      }
    }
    return true;
  }

  /**
   * close() while every endpoint holds its requests and deliveries wait, claimed, behind them: the
   * waiting ones are handed back to the Store at once, while the held attempts still run, and none
   * of them is sent; once the held requests are answered close() returns, those attempts have
   * succeeded and every other delivery is pending, unleased and unattempted (none lost, none
   * failed), and a second dispatcher sends each of them once.
   */
  @RepeatedTest(3)
  void closeHandsBackDeliveriesQueuedBehindHeldEndpointsAndLosesNone() throws Exception {
    Map<String, Set<String>> enqueued = new ConcurrentHashMap<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Dispatcher first = dispatcher().shutdownTimeout(Duration.ofSeconds(30)).build().start();
    AtomicReference<Throwable> closeFailure = new AtomicReference<>();
    Thread closer = new Thread(first::close, "closer");
    closer.setUncaughtExceptionHandler((t, e) -> closeFailure.set(e));
    Map<String, Integer> heldAtClose = new LinkedHashMap<>();
    try {
      joinAll(publishers(first, enqueued, failures));
      assertEquals(List.of(), failures);
      Poll.until(
          SETTLE,
          () -> excess() != null || settled(),
          () -> "the dispatcher settles with requests held: " + state());
      assertNull(excess(), () -> "a limit was exceeded: " + state());
      int queued = 0;
      for (Map.Entry<String, String> e : pathOf.entrySet()) {
        int held = endpoint.atPath(e.getValue());
        heldAtClose.put(e.getKey(), held);
        queued += (int) h.store.countDeliveries(e.getKey()).inFlight() - held;
      }
      // ta/w0: 2 held and 1 waiting (its tenant's third share); host/h0: 2 held, 1 or more waiting.
      assertTrue(queued >= 2, "deliveries wait behind the held ones: " + state());
      int sent = endpoint.requests();

      closer.start();
      Poll.until(
          SETTLE,
          () ->
              pathOf.entrySet().stream()
                  .allMatch(
                      e -> {
                        DeliveryCounts c = h.store.countDeliveries(e.getKey());
                        int held = heldAtClose.get(e.getKey());
                        return c.inFlight() == held && c.pending() == c.total() - held;
                      }),
          () -> "close() hands back what waits behind the held requests at once: " + state());
      assertEquals(sent, endpoint.requests(), "nothing waiting was sent once closing began");
      assertTrue(closer.isAlive(), "close() still waits for the held attempts");
    } finally {
      endpoint.openUp();
      if (closer.getState() != Thread.State.NEW) {
        closer.join(TimeUnit.SECONDS.toMillis(30));
      }
      first.close();
    }
    assertFalse(closer.isAlive(), "close() returned");
    assertNull(closeFailure.get(), "close() threw");

    int expected = 0;
    for (Map.Entry<String, Integer> e : heldAtClose.entrySet()) {
      DeliveryCounts c = h.store.countDeliveries(e.getKey());
      int held = e.getValue();
      int total = enqueued.getOrDefault(e.getKey(), Set.of()).size();
      expected += total;
      assertEquals(
          new DeliveryCounts(total, total - held, 0, held, 0, 0),
          c,
          "the held attempts succeeded, the rest are pending: " + pathOf.get(e.getKey()));
    }
    assertEquals(PUBLISHERS * EVENTS_EACH * 3, expected, "deliveries enqueued");
    List<Delivery> stored = h.store.findDeliveries(DeliveryQuery.builder().limit(10_000).build());
    assertEquals(expected, stored.size(), "every delivery is stored");
    List<String> notReady =
        stored.stream()
            .filter(dl -> dl.state() == DeliveryState.PENDING)
            .filter(dl -> dl.lease().isPresent() || dl.attemptCount() != 0)
            .map(dl -> dl.id() + " " + dl.lease() + " " + dl.attemptCount())
            .collect(Collectors.toList());
    assertEquals(List.of(), notReady, "pending deliveries are unleased and unattempted");

    // Nothing leased by the closed dispatcher: a second one (without the limits, to be quick)
    // sends every pending delivery at once.
    Dispatcher second =
        h.dispatcher(ATTEMPT_TIMEOUT).workers(32).pollInterval(Duration.ofMillis(10)).build();
    second.start();
    try {
      Poll.until(
          SETTLE,
          () -> allSucceeded(enqueued),
          () -> "the second dispatcher sends the rest: " + state());
    } finally {
      second.close();
    }
    for (Map.Entry<String, String> e : pathOf.entrySet()) {
      List<String> arrived = endpoint.arrivedAt(e.getValue());
      Set<String> want = enqueued.getOrDefault(e.getKey(), Set.of());
      assertEquals(want, new HashSet<>(arrived), "deliveries of " + e.getValue());
      assertEquals(want.size(), arrived.size(), "each once at " + e.getValue());
    }
  }

  /**
   * A loopback endpoint that holds every request until {@link #releaseHeld()} (or, once {@link
   * #openUp()} was called, answers at once), and counts requests in flight per path and per first
   * path segment (the tenant, or {@code host}), with the most seen at once.
   */
  private static final class HoldingEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Object lock = new Object();
    private final List<CountDownLatch> gates = new ArrayList<>(); // guarded by lock
    private boolean open; // guarded by lock
    private final Map<String, AtomicInteger> atPath = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> atGroup = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> mostAtPath = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> mostAtGroup = new ConcurrentHashMap<>();
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    /** Path -> the webhook-id headers (event ids) that arrived there, repeats kept. */
    private final Map<String, List<String>> arrived = new ConcurrentHashMap<>();

    HoldingEndpoint() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
      server.setExecutor(threads);
      server.createContext(
          "/",
          x -> {
            try (x) {
              x.getRequestBody().readAllBytes();
              String path = x.getRequestURI().getPath(); // /<tenant or host>/<name>
              String group = path.substring(1, path.indexOf('/', 1));
              AtomicInteger p = atPath.computeIfAbsent(path, k -> new AtomicInteger());
              AtomicInteger g = atGroup.computeIfAbsent(group, k -> new AtomicInteger());
              most(mostAtPath, path).accumulateAndGet(p.incrementAndGet(), Math::max);
              most(mostAtGroup, group).accumulateAndGet(g.incrementAndGet(), Math::max);
              arrived
                  .computeIfAbsent(path, k -> new CopyOnWriteArrayList<>())
                  .add(x.getRequestHeaders().getFirst("webhook-id"));
              requests.incrementAndGet();
              CountDownLatch gate = new CountDownLatch(1);
              synchronized (lock) {
                if (open) {
                  gate.countDown();
                } else {
                  gates.add(gate);
                  held.incrementAndGet();
                }
              }
              try {
                gate.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                // Before the answer: the sender cannot start its next request to this path (its
                // slot is taken until it reads this answer) before this one stops counting.
                p.decrementAndGet();
                g.decrementAndGet();
              }
              x.sendResponseHeaders(204, -1);
            }
          });
      server.start();
    }

    private static AtomicInteger most(Map<String, AtomicInteger> m, String key) {
      return m.computeIfAbsent(key, k -> new AtomicInteger());
    }

    String url(String path) {
      return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Answers every request held now; later ones are held until the next call. */
    void releaseHeld() {
      synchronized (lock) {
        gates.forEach(CountDownLatch::countDown);
        held.addAndGet(-gates.size());
        gates.clear();
      }
    }

    /** Answers every request held now, and every later one at once. */
    void openUp() {
      synchronized (lock) {
        open = true;
      }
      releaseHeld();
    }

    /** Requests held and not yet released. */
    int held() {
      return held.get();
    }

    /** Requests to the path that arrived and are not answered yet. */
    int atPath(String path) {
      AtomicInteger n = atPath.get(path);
      return n == null ? 0 : n.get();
    }

    int mostAtPath(String path) {
      AtomicInteger n = mostAtPath.get(path);
      return n == null ? 0 : n.get();
    }

    int mostAtGroup(String group) {
      AtomicInteger n = mostAtGroup.get(group);
      return n == null ? 0 : n.get();
    }

    int requests() {
      return requests.get();
    }

    List<String> arrivedAt(String path) {
      return List.copyOf(arrived.getOrDefault(path, List.of()));
    }

    @Override
    public void close() {
      openUp();
      server.stop(0);
      threads.shutdownNow();
    }
  }
}
