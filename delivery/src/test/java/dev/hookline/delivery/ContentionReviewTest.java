package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.Secret;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookConflictException;
import dev.hookline.WebhookDefinition;
import dev.hookline.testing.Poll;
import dev.hookline.testing.TestWebhooks;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Public classes under real contention: publishers, reloads, webhook changes, start() and close()
 * racing each other, against a loopback endpoint that counts requests in flight per webhook and per
 * tenant. Each run is bounded (a few seconds) and uses no sleeps.
 *
 * <p>The endpoint answers at once, so attempts seldom overlap there and its counts of requests in
 * flight hardly test the per-endpoint and per-tenant limits (a dispatcher ignoring either still
 * passed). {@link ContentionLimitsReviewTest} holds the requests, so that attempts do overlap, and
 * shows the limits, and close() with deliveries queued behind busy endpoints, under contention.
 */
class ContentionReviewTest {
  private static final int TENANTS = 3;
  private static final int PER_TENANT = 3;
  private static final int PER_ENDPOINT = 2;
  private static final int PER_TENANT_LIMIT = 3;

  /**
   * A tenant limit this far below an endpoint's slots and queue leaves claiming to the polls (a
   * worker's round waits for room for a batch), so the backlog the publishers leave drains at about
   * a tenant's limit per poll: a short poll drains it sooner, and races more claim rounds against
   * the reloads and webhook changes.
   */
  private static final Duration POLL = Duration.ofMillis(5);

  private final Map<String, AtomicInteger> inFlightByPath = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> inFlightByTenant = new ConcurrentHashMap<>();
  private final AtomicInteger mostAtOnePath = new AtomicInteger();
  private final AtomicInteger mostAtOneTenant = new AtomicInteger();

  /** path -> webhook-id headers (event ids) that arrived there, repeats kept. */
  private final Map<String, List<String>> arrived = new ConcurrentHashMap<>();

  private final AtomicInteger requests = new AtomicInteger();
  private HttpServer server;
  private ExecutorService serverThreads;
  private String base;

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext(
        "/",
        x -> {
          try (x) {
            x.getRequestBody().readAllBytes();
            String path = x.getRequestURI().getPath(); // /t<k>/w<i>
            String tenant = path.substring(0, path.indexOf('/', 1));
            AtomicInteger p = inFlightByPath.computeIfAbsent(path, k -> new AtomicInteger());
            AtomicInteger t = inFlightByTenant.computeIfAbsent(tenant, k -> new AtomicInteger());
            mostAtOnePath.accumulateAndGet(p.incrementAndGet(), Math::max);
            mostAtOneTenant.accumulateAndGet(t.incrementAndGet(), Math::max);
            try {
              String id = x.getRequestHeaders().getFirst("webhook-id");
              arrived.computeIfAbsent(path, k -> new CopyOnWriteArrayList<>()).add(id);
              requests.incrementAndGet();
            } finally {
              p.decrementAndGet();
              t.decrementAndGet();
            }
            x.sendResponseHeaders(204, -1);
          }
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
    serverThreads.shutdownNow();
  }

  private static Event event(String tenant, int n) {
    return Event.builder(UserEvents.CREATED)
        .id("evt_" + tenant + "_" + n + "_" + System.nanoTime())
        .occurredAt(java.time.Instant.parse("2026-11-22T10:00:00Z"))
        .subject(Subject.user("u" + n).withTenant(tenant))
        .data(JsonNodeFactory.instance.objectNode().put("user_id", "u" + n))
        .build();
  }

  private Webhook tenantWebhook(Harness h, String tenant, int i) {
    Webhook w =
        h.registry.create(
            WebhookDefinition.builder()
                .name("w" + i)
                .tenant(tenant)
                .uri(base + "/" + tenant + "/w" + i)
                .apiKey(Harness.API_KEY)
                .events(UserEvents.CREATED)
                .build());
    TestWebhooks.markVerified(h.registry, w.id());
    return h.registry.enable(w.id());
  }

  /**
   * Publishers on several threads, a reload loop, owner updates and key rotations, and start() from
   * two threads at once: every delivery a publish returned arrives, the per-endpoint and per-tenant
   * limits hold at every instant, and the dispatcher's counts match what the endpoint saw.
   */
  @RepeatedTest(2)
  void limitsHoldAndNothingIsLostWhilePublishReloadUpdateAndStartRace() throws Exception {
    Harness h = new Harness();
    List<Webhook> hooks = new ArrayList<>();
    Map<String, String> pathOf = new HashMap<>();
    for (int t = 0; t < TENANTS; t++) {
      for (int i = 0; i < PER_TENANT; i++) {
        Webhook w = tenantWebhook(h, "t" + t, i);
        hooks.add(w);
        pathOf.put(w.id(), "/t" + t + "/w" + i);
      }
    }
    Map<String, Set<String>> enqueued = new ConcurrentHashMap<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean publishing = new AtomicBoolean(true);
    int publishers = 3;
    int eventsEach = 120;
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofSeconds(5))
            .perEndpointConcurrency(PER_ENDPOINT)
            .perTenantConcurrency(PER_TENANT_LIMIT)
            .workers(32)
            .pollInterval(POLL)
            .leaseDuration(Duration.ofSeconds(60))
            .build()) {
      CyclicBarrier go = new CyclicBarrier(publishers + 4);
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < publishers; p++) {
        int me = p;
        threads.add(
            new Thread(
                () -> {
                  try {
                    go.await();
                    for (int n = 0; n < eventsEach; n++) {
                      String tenant = "t" + ((n + me) % TENANTS);
                      PublishResult r = dispatcher.publish(event(tenant, n));
                      for (Delivery d : r.deliveries()) {
                        enqueued
                            .computeIfAbsent(d.webhookId(), k -> ConcurrentHashMap.newKeySet())
                            .add(d.event().id()); // the webhook-id header
                      }
                    }
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                }));
      }
      for (int s = 0; s < 2; s++) {
        threads.add(
            new Thread(
                () -> {
                  try {
                    go.await();
                    dispatcher.start();
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                }));
      }
      threads.add(
          new Thread(
              () -> {
                try {
                  go.await();
                  while (publishing.get()) {
                    dispatcher.reloadWebhooks();
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              }));
      threads.add(
          new Thread(
              () -> {
                try {
                  go.await();
                  int k = 0;
                  while (publishing.get()) {
                    Webhook w = hooks.get(k % hooks.size());
                    Webhook cur = h.registry.require(w.id());
                    try {
                      h.registry.update(
                          w.id(),
                          cur.version(),
                          WebhookDefinition.builder()
                              .name("renamed " + k)
                              .tenant(cur.tenant().orElseThrow())
                              .uri(cur.uri().toString())
                              .apiKey(cur.apiKey().reveal())
                              .events(UserEvents.CREATED)
                              .build());
                    } catch (WebhookConflictException e) {
                      // another writer won: fine
                    }
                    h.registry.rotateApiKey(
                        w.id(), Secret.of("rotated-api-key-" + (k % 2) + "-0123456789"));
                    k++;
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              }));
      threads.forEach(Thread::start);
      for (int i = 0; i < publishers; i++) {
        threads.get(i).join(TimeUnit.SECONDS.toMillis(60));
      }
      publishing.set(false);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      assertEquals(List.of(), failures);
      int expected = enqueued.values().stream().mapToInt(Set::size).sum();
      assertEquals(publishers * eventsEach * PER_TENANT, expected, "deliveries enqueued");
      // Throughput, not the point here: most of the 1,080 deliveries are still queued when the
      // publishers end, and nine at a time (three tenants of three) took 7 to 23 s on a loaded
      // 2-core machine.
      Poll.until(
          Duration.ofSeconds(60),
          () -> arrivedDistinct() >= expected,
          () -> "every enqueued delivery arrives: " + arrivedDistinct() + " of " + expected);
      for (Webhook w : hooks) {
        Set<String> got = new HashSet<>(arrived.getOrDefault(pathOf.get(w.id()), List.of()));
        assertEquals(enqueued.get(w.id()), got, "deliveries of " + w.id());
      }
      Poll.until(
          Duration.ofSeconds(10),
          () -> dispatcher.summary().succeeded() == expected,
          () -> "all recorded succeeded: " + dispatcher.summary());
      for (Webhook w : hooks) {
        DeliveryCounts c = dispatcher.summary(w.id());
        int sent = arrived.getOrDefault(pathOf.get(w.id()), List.of()).size();
        assertEquals(c.total(), c.succeeded(), "counts of " + w.id() + ": " + c);
        assertEquals(sent, c.succeeded(), "sent once each to " + w.id() + ": " + c);
      }
    }
    assertTrue(
        mostAtOnePath.get() <= PER_ENDPOINT,
        "at most " + PER_ENDPOINT + " at one webhook at once, saw " + mostAtOnePath.get());
    assertTrue(
        mostAtOneTenant.get() <= PER_TENANT_LIMIT,
        "at most " + PER_TENANT_LIMIT + " at one tenant at once, saw " + mostAtOneTenant.get());
  }

  private int arrivedDistinct() {
    int n = 0;
    for (List<String> ids : arrived.values()) {
      n += new HashSet<>(ids).size();
    }
    return n;
  }

  private static Set<String> dispatcherThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("hookline-"))
        .map(t -> t.getName() + "#" + t.getId())
        .collect(Collectors.toSet());
  }

  /**
   * close() racing publishers and start(): it returns in bounded time, leaves no thread of its own,
   * no request arrives after it returned, and every delivery a publish reported is in the Store
   * unleased: a second dispatcher sends all of them well within the first one's lease.
   */
  @RepeatedTest(2)
  void closeRacingPublishLeavesNothingRunningAndLosesNothing() throws Exception {
    Harness h = new Harness();
    for (int t = 0; t < TENANTS; t++) {
      for (int i = 0; i < PER_TENANT; i++) {
        tenantWebhook(h, "t" + t, i);
      }
    }
    Set<String> before = dispatcherThreads();
    Set<String> enqueued = ConcurrentHashMap.newKeySet();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicInteger afterClose = new AtomicInteger();
    Dispatcher first =
        h.dispatcher(Duration.ofSeconds(5))
            .perEndpointConcurrency(PER_ENDPOINT)
            .perTenantConcurrency(PER_TENANT_LIMIT)
            .workers(32)
            .pollInterval(POLL)
            .leaseDuration(Duration.ofSeconds(120))
            .shutdownTimeout(Duration.ofSeconds(3))
            .build();
    int publishers = 3;
    CyclicBarrier go = new CyclicBarrier(publishers + 2);
    CountDownLatch someSent = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      int me = p;
      threads.add(
          new Thread(
              () -> {
                try {
                  go.await();
                  for (int n = 0; n < 400; n++) {
                    PublishResult r;
                    try {
                      r = first.publish(event("t" + ((n + me) % TENANTS), n));
                    } catch (IllegalStateException closed) {
                      return;
                    }
                    r.deliveries().forEach(d -> enqueued.add(d.id()));
                    if (n == 20) {
                      someSent.countDown();
                    }
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              }));
    }
    threads.add(
        new Thread(
            () -> {
              try {
                go.await();
                first.start();
              } catch (IllegalStateException closed) {
                // close() came first
              } catch (Throwable e) {
                failures.add(e);
              }
            }));
    long[] closeNanos = new long[1];
    threads.add(
        new Thread(
            () -> {
              try {
                go.await();
                someSent.await(30, TimeUnit.SECONDS);
                long t0 = System.nanoTime();
                first.close();
                closeNanos[0] = System.nanoTime() - t0;
                afterClose.set(requests.get());
              } catch (Throwable e) {
                failures.add(e);
              }
            }));
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertTrue(!t.isAlive(), "thread ended: " + t);
    }
    assertEquals(List.of(), failures);
    assertTrue(
        closeNanos[0] < Duration.ofSeconds(6).toNanos(),
        "close() took " + Duration.ofNanos(closeNanos[0]));
    int atClose = afterClose.get();
    assertEquals(atClose, requests.get(), "no request arrived after close() returned");
    // close() has awaited its executors' termination; a pool's last thread may still be returning
    // from its run() for a moment after that (awaitTermination does not wait for it to die).
    Poll.until(
        Duration.ofSeconds(5),
        () -> {
          Set<String> left = new HashSet<>(dispatcherThreads());
          left.removeAll(before);
          return left.isEmpty();
        },
        () -> "threads left after close(): " + dispatcherThreads());

    // Nothing leased by the closed dispatcher: a second one sends every delivery at once.
    try (Dispatcher second =
        h.dispatcher(Duration.ofSeconds(5)).workers(32).pollInterval(POLL).build()) {
      second.start();
      Poll.until(
          Duration.ofSeconds(20),
          () ->
              h.store.findDeliveries(DeliveryQuery.builder().limit(10_000).build()).stream()
                  .allMatch(d -> d.state() == DeliveryState.SUCCEEDED),
          () ->
              "every delivery succeeds: "
                  + h.store.findDeliveries(DeliveryQuery.builder().limit(10_000).build()).stream()
                      .filter(d -> d.state() != DeliveryState.SUCCEEDED)
                      .map(d -> d.id() + " " + d.state() + " " + d.lease())
                      .limit(5)
                      .collect(Collectors.toList()));
      Set<String> stored =
          h.store.findDeliveries(DeliveryQuery.builder().limit(10_000).build()).stream()
              .map(Delivery::id)
              .collect(Collectors.toSet());
      assertTrue(stored.containsAll(enqueued), "every reported delivery is stored");
      assertEquals(stored.size(), arrivedDistinct(), "each stored delivery arrived");
    }
  }

  /**
   * Webhooks disabled and enabled again, and moved to another URI and verified there, while events
   * are published: queued deliveries stay queued while a webhook does not receive and all go out
   * once it receives again; none is lost, none is sent twice.
   */
  @RepeatedTest(2)
  void deliveriesQueuedWhileAWebhookIsToggledAllGoOutOnceItReceivesAgain() throws Exception {
    Harness h = new Harness();
    List<Webhook> hooks = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      hooks.add(tenantWebhook(h, "t0", i));
    }
    Map<String, Set<String>> enqueued = new ConcurrentHashMap<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean publishing = new AtomicBoolean(true);
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofSeconds(5))
            .perEndpointConcurrency(PER_ENDPOINT)
            .perTenantConcurrency(8)
            .workers(32)
            .pollInterval(POLL)
            .leaseDuration(Duration.ofSeconds(60))
            .build()) {
      dispatcher.start();
      CyclicBarrier go = new CyclicBarrier(4);
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < 2; p++) {
        threads.add(
            new Thread(
                () -> {
                  try {
                    go.await();
                    for (int n = 0; n < 200; n++) {
                      for (Delivery d : dispatcher.publish(event("t0", n)).deliveries()) {
                        enqueued
                            .computeIfAbsent(d.webhookId(), k -> ConcurrentHashMap.newKeySet())
                            .add(d.event().id());
                      }
                    }
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                }));
      }
      threads.add(
          new Thread(
              () -> {
                try {
                  go.await();
                  int k = 0;
                  while (publishing.get()) {
                    Webhook w = hooks.get(k % 2);
                    h.registry.disable(w.id());
                    h.registry.enable(w.id());
                    k++;
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              }));
      threads.add(
          new Thread(
              () -> {
                try {
                  go.await();
                  int k = 0;
                  Webhook w = hooks.get(2);
                  while (publishing.get()) {
                    Webhook cur = h.registry.require(w.id());
                    h.registry.update(
                        w.id(),
                        cur.version(),
                        cur.definition().toBuilder()
                            .uri(base + "/t0/w2" + (k % 2 == 0 ? "b" : ""))
                            .build());
                    TestWebhooks.markVerified(h.registry, w.id());
                    k++;
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              }));
      threads.forEach(Thread::start);
      threads.get(0).join(TimeUnit.SECONDS.toMillis(60));
      threads.get(1).join(TimeUnit.SECONDS.toMillis(60));
      publishing.set(false);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      assertEquals(List.of(), failures);
      for (Webhook w : hooks) {
        Webhook now = h.registry.require(w.id());
        assertTrue(now.receivesEvents(), "receives at the end: " + now);
      }
      int expected = enqueued.values().stream().mapToInt(Set::size).sum();
      // Throughput, not the point here: 4 s unloaded, over 20 s on a loaded 2-core machine.
      Poll.until(
          Duration.ofSeconds(60),
          () -> dispatcher.summary().succeeded() == expected,
          () -> "all " + expected + " succeed: " + dispatcher.summary());
      Map<String, Set<String>> byWebhook = new HashMap<>();
      for (Map.Entry<String, List<String>> e : arrived.entrySet()) {
        String path = e.getKey();
        String webhookPath = path.endsWith("b") ? path.substring(0, path.length() - 1) : path;
        byWebhook.computeIfAbsent(webhookPath, k -> new HashSet<>()).addAll(e.getValue());
      }
      for (int i = 0; i < hooks.size(); i++) {
        assertEquals(
            enqueued.getOrDefault(hooks.get(i).id(), Set.of()),
            byWebhook.getOrDefault("/t0/w" + i, Set.of()),
            "events that reached webhook " + i);
      }
    }
  }
}
