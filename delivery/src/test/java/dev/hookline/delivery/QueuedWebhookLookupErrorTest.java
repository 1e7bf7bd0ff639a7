package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.spy;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookRegistry;
import dev.hookline.filter.Filters;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The other paths of {@link WebhookLookupErrorTest}, where a claimed delivery's webhook is looked
 * up again later, from the Store if a reload forgot the webhook meanwhile, and the lookup throws an
 * {@code Error} (a Store's {@code LinkageError}):
 *
 * <ul>
 *   <li>a delivery waiting in its endpoint's queue is started as a slot frees, inside the record of
 *       the attempt that freed it. The Error went through that attempt's record, which handed back
 *       a delivery the endpoint had already accepted: sent again, its success never recorded. Now
 *       the slot passes on, what waited is handed back, and the Error is thrown once the attempt
 *       that freed the slot is recorded;
 *   <li>a delivery about to be sent on its worker thread: it stayed in flight under its lease, sent
 *       by nobody until the lease expired. Now it is handed back, then the Error goes on.
 * </ul>
 */
class QueuedWebhookLookupErrorTest {

  /**
   * An in-memory Store whose webhook lookups throw a LinkageError while {@code fail} is set, and
   * whose listings are empty while {@code forget} is set (as if taken before the webhooks existed).
   * Both are stubbed here, before any dispatcher thread exists: Mockito's stubbing of a mock that
   * another thread is calling can attach the stub to that thread's call instead.
   */
  private static InMemoryStore failingLookups(AtomicBoolean fail, AtomicBoolean forget) {
    InMemoryStore store = spy(new InMemoryStore());
    doAnswer(
            inv -> {
              if (fail.get()) {
                throw new LinkageError("a Store class failed to link (simulated)");
              }
              return inv.callRealMethod();
            })
        .when(store)
        .findWebhook(anyString());
    doAnswer(inv -> forget.get() ? List.of() : inv.callRealMethod()).when(store).listWebhooks();
    return store;
  }

  /**
   * A registry of "this instance" over the Store: webhooks made through the harness's registry are
   * not told to its dispatcher's view, as if made on another instance.
   */
  private static WebhookRegistry registry(InMemoryStore store, Harness h) {
    return WebhookRegistry.builder()
        .store(store)
        .clock(h.clock)
        .filterCompiler(Filters.compiler())
        .allowInsecureLoopbackForDevelopment(true)
        .build();
  }

  @Test
  void anErrorLookingUpAQueuedDeliverysWebhookHandsItBackAndFreesTheSlot() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    CountDownLatch firstHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext(
        "/",
        x -> {
          try (x) {
            x.getRequestBody().readAllBytes();
            if (requests.incrementAndGet() == 1) {
              firstHeld.countDown();
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            x.sendResponseHeaders(204, -1);
          }
        });
    server.start();
    AtomicBoolean fail = new AtomicBoolean();
    AtomicBoolean forget = new AtomicBoolean();
    InMemoryStore store = failingLookups(fail, forget);
    Harness h = new Harness(store);
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      WebhookRegistry here = registry(store, h);
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(here)
              .clock(h.clock)
              .workers(4)
              .perEndpointConcurrency(1)
              .shutdownTimeout(Duration.ofSeconds(2))
              .build()) {
        // Made, and published to, on "another instance": d reads the webhook from the Store as it
        // dispatches the first delivery.
        Webhook w =
            h.receiving(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
                null,
                UserEvents.CREATED);
        List<Event> events = new ArrayList<>();
        try (Dispatcher elsewhere = h.dispatcher(Duration.ofSeconds(5)).build()) {
          for (int i = 0; i < 3; i++) {
            Event e = h.event(UserEvents.CREATED);
            events.add(e);
            elsewhere.publish(e);
          }
        }

        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(d::runDueNow, caller);
        assertTrue(firstHeld.await(30, TimeUnit.SECONDS), "the first request arrived");
        // The first delivery is at the endpoint, its one slot taken; the other two wait in its
        // queue. A reload whose listing lacks the webhook makes the view forget it, so starting a
        // queued delivery looks it up in the Store again, which now fails with an Error.
        forget.set(true);
        d.reloadWebhooks();
        fail.set(true);
        release.countDown();

        // runDueNow ends (the queued deliveries, handed back, are claimed again, and their lookup
        // fails there too: that claim goes back and the Error goes on, WebhookLookupErrorTest).
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> {
              try {
                run.get();
              } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof LinkageError, e::toString);
              }
            });
        Poll.until(
            Duration.ofSeconds(10),
            () -> d.toString().contains("busy=0]"),
            () -> "every worker given back: " + d);
        assertEquals(DeliveryState.SUCCEEDED, h.only(events.get(0).id()).state());
        for (Event e : events.subList(1, 3)) {
          Delivery delivery = h.only(e.id());
          assertEquals(DeliveryState.PENDING, delivery.state(), delivery.toString());
          assertTrue(delivery.lease().isEmpty(), "still under lease: " + delivery);
        }
        assertEquals(1, requests.get(), "only the first was sent");

        // The Store works again: the two go out, the endpoint's slot free.
        fail.set(false);
        forget.set(false);
        d.reloadWebhooks();
        h.clock.advance(Duration.ofMinutes(2)); // past the claims' back-off after a failed round
        int started = assertTimeoutPreemptively(Duration.ofSeconds(30), d::runDueNow);
        for (Event e : events) {
          Delivery delivery = h.only(e.id());
          assertEquals(
              DeliveryState.SUCCEEDED,
              delivery.state(),
              () -> started + " started; " + delivery + " " + d + " " + w.id());
        }
        assertEquals(3, requests.get());
      }
    } finally {
      caller.shutdownNow();
      server.stop(0);
      serverThreads.shutdownNow();
    }
  }

  @Test
  void anErrorLookingUpTheWebhookAsTheAttemptStartsHandsTheDeliveryBack() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        x -> {
          try (x) {
            x.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            x.sendResponseHeaders(204, -1);
          }
        });
    server.start();
    AtomicBoolean fail = new AtomicBoolean();
    AtomicBoolean forget = new AtomicBoolean();
    InMemoryStore store = failingLookups(fail, forget);
    Harness h = new Harness(store);
    // The worker executor holds each attempt until the test runs it.
    BlockingQueue<Runnable> held = new LinkedBlockingQueue<>();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      WebhookRegistry here = registry(store, h);
      try (Dispatcher d =
          Dispatcher.builder()
              .registry(here)
              .clock(h.clock)
              .workers(4)
              .workerExecutor(held::add)
              .shutdownTimeout(Duration.ofSeconds(2))
              .build()) {
        h.receiving(
            "http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
            null,
            UserEvents.CREATED);
        Event event = h.event(UserEvents.CREATED);
        try (Dispatcher elsewhere = h.dispatcher(Duration.ofSeconds(5)).build()) {
          elsewhere.publish(event);
        }

        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(d::runDueNow, caller);
        Runnable attempt = held.poll(30, TimeUnit.SECONDS);
        assertTrue(attempt != null, "the attempt was handed to the worker executor");
        // Before it runs, a reload forgets the webhook, and the Store's lookup fails.
        forget.set(true);
        d.reloadWebhooks();
        fail.set(true);
        attempt.run();

        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> {
              try {
                run.get();
              } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof LinkageError, e::toString);
              }
            });
        Poll.until(
            Duration.ofSeconds(10),
            () -> d.toString().contains("busy=0]"),
            () -> "every worker given back: " + d);
        Delivery delivery = h.only(event.id());
        assertEquals(DeliveryState.PENDING, delivery.state(), delivery.toString());
        assertTrue(delivery.lease().isEmpty(), "still under lease: " + delivery);
        assertEquals(0, requests.get());
      }
    } finally {
      caller.shutdownNow();
      server.stop(0);
    }
  }
}
