package dev.hookline.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.spy;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.Delivery;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.Poll;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The per-endpoint limit holds while reloads run: a reload whose snapshot lacks a webhook (made by
 * another instance after the snapshot was read) forgets its idle endpoint, possibly just as a claim
 * round has looked that endpoint up to admit a delivery to it. Counted at the endpoints themselves,
 * over real HTTP, with every request held at a gate until each webhook has one in flight.
 */
class EndpointLimitDuringReloadTest {
  private static final int WEBHOOKS = 200;
  private static final int ROUNDS = 20;

  @Test
  void noWebhookEverHasMoreThanItsLimitInFlightWhileReloadsRun() throws Exception {
    Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    AtomicInteger inFlightTotal = new AtomicInteger();
    AtomicInteger mostAtOneWebhook = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger unanswered = new AtomicInteger();
    CountDownLatch[] gate = {new CountDownLatch(1)};
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext(
        "/",
        x -> {
          try (x) {
            x.getRequestBody().readAllBytes();
            AtomicInteger here =
                inFlight.computeIfAbsent(x.getRequestURI().getPath(), p -> new AtomicInteger());
            int now = here.incrementAndGet();
            mostAtOneWebhook.accumulateAndGet(now, Math::max);
            inFlightTotal.incrementAndGet();
            try {
              if (!gate[0].await(30, TimeUnit.SECONDS)) {
                unanswered.incrementAndGet();
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              here.decrementAndGet();
              inFlightTotal.decrementAndGet();
            }
            x.sendResponseHeaders(204, -1);
            answered.incrementAndGet();
          }
        });
    server.start();
    InMemoryStore store = spy(new InMemoryStore());
    Harness h = new Harness(store);
    List<Webhook> hooks = new ArrayList<>();
    for (int i = 0; i < WEBHOOKS; i++) {
      hooks.add(
          h.receiving(
              "http://127.0.0.1:" + server.getAddress().getPort() + "/w" + i,
              null,
              UserEvents.CREATED));
    }
    // Every reload reads a listing taken before these webhooks existed (another instance made
    // them): the reload forgets them, and each claim reads them again from the Store.
    doReturn(List.of()).when(store).listWebhooks();
    AtomicBoolean reloading = new AtomicBoolean(true);
    try (Dispatcher dispatcher =
        h.dispatcher(Duration.ofSeconds(60))
            .perEndpointConcurrency(1)
            .workers(4 * WEBHOOKS)
            .pollInterval(Duration.ofMillis(5))
            .shutdownTimeout(Duration.ofSeconds(5))
            .build()) {
      Thread reloader =
          new Thread(
              () -> {
                while (reloading.get()) {
                  dispatcher.reloadWebhooks();
                }
              },
              "reloader");
      dispatcher.start();
      reloader.start();
      try {
        int sent = 0;
        // The race is narrow (between a claim round's lookup of an idle endpoint and its
        // admission there): each round gives every webhook one such chance. Before the fix, 200
        // webhooks over 25 rounds saw two requests at once at a webhook limited to one.
        for (int round = 0; round < ROUNDS && mostAtOneWebhook.get() <= 1; round++) {
          gate[0] = new CountDownLatch(1);
          List<Delivery> ds = new ArrayList<>();
          for (Webhook w : hooks) {
            for (int k = 0; k < 2; k++) {
              ds.add(
                  Delivery.pending(
                      "dlv_" + round + "_" + k + "_" + w.id(),
                      w.id(),
                      h.event(UserEvents.CREATED),
                      h.clock.instant()));
            }
          }
          store.enqueue(ds);
          sent += ds.size();
          Poll.until(
              Duration.ofSeconds(30),
              () -> inFlightTotal.get() >= WEBHOOKS,
              () -> "every webhook's first request in flight, round " + ds.size());
          gate[0].countDown();
          int expected = sent;
          Poll.until(
              Duration.ofSeconds(30),
              () -> answered.get() >= expected,
              () -> "all " + expected + " requests answered, got " + answered.get());
        }
      } finally {
        reloading.set(false);
        gate[0].countDown();
        reloader.join(TimeUnit.SECONDS.toMillis(30));
      }
    } finally {
      server.stop(0);
      serverThreads.shutdownNow();
    }
    assertEquals(0, unanswered.get());
    assertEquals(
        1, mostAtOneWebhook.get(), "requests at once at one webhook, perEndpointConcurrency 1");
  }
}
