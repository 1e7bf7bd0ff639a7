package dev.hookline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryQuery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.VerifyingHandler;
import dev.hookline.receiver.WebhookVerifier;
import dev.hookline.store.InMemoryStore;
import dev.hookline.testing.ManualClock;
import dev.hookline.testing.Poll;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A real dispatcher delivering to a real {@link VerifyingHandler} over loopback, where the
 * listener's application takes longer than the sender's attempt timeout: the first attempt times
 * out, the retry while the application still works is answered 409, the retry after it finished is
 * acknowledged without calling the application again, and the delivery ends SUCCEEDED.
 */
class IdempotentRetryTest {
  private static final String API_KEY = "idempotency-api-key-0123456789";
  private static final Duration RETRY_DELAY = Duration.ofSeconds(10);
  private static final Duration LIMIT = Duration.ofSeconds(20);

  private final ManualClock clock = ManualClock.at(Instant.parse("2026-11-22T10:00:00Z"));
  private final List<Attempt> failedAttempts = new CopyOnWriteArrayList<>();

  @Test
  void aNotificationProcessedAfterTheAttemptTimedOutEndsSucceededAndIsProcessedOnce()
      throws Exception {
    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .clock(clock)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();

    AtomicInteger consumerCalls = new AtomicInteger();
    CompletableFuture<Void> consumerEntered = new CompletableFuture<>();
    CompletableFuture<Void> finishProcessing = new CompletableFuture<>();
    List<Notification> processed = new CopyOnWriteArrayList<>();
    AtomicInteger postsHandled = new AtomicInteger();

    ExecutorService serverThreads = Executors.newFixedThreadPool(4);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(serverThreads);
    String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";

    Webhook hook =
        registry.create(
            WebhookDefinition.builder()
                .name("slow listener")
                .uri(uri)
                .apiKey(API_KEY)
                .events(UserEvents.CREATED)
                .build());
    WebhookVerifier verifier =
        WebhookVerifier.builder()
            .apiKey(API_KEY)
            .signingSecret(hook.signingSecrets().get(0).secret().reveal())
            .clock(clock)
            .build();
    VerifyingHandler listener =
        VerifyingHandler.create(
            verifier,
            n -> {
              consumerCalls.incrementAndGet();
              consumerEntered.complete(null);
              // Blocks until the test has seen the sender give up on this attempt.
              finishProcessing.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
              processed.add(n);
            });
    HttpHandler counting =
        exchange -> {
          boolean post = "POST".equals(exchange.getRequestMethod());
          try {
            listener.handle(exchange);
          } finally {
            if (post) {
              postsHandled.incrementAndGet();
            }
          }
        };
    server.createContext("/hooks", counting);
    server.start();

    try (Dispatcher dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .clock(clock)
            .jitter(() -> 0.5)
            .retrySchedule(
                RetrySchedule.builder()
                    // The first attempt times out however long this is (the application holds it
                    // until the test lets go); the second and third must be answered within it,
                    // which 300 ms did not leave a loaded machine room for.
                    .attemptTimeout(Duration.ofSeconds(2))
                    .delays(RETRY_DELAY, RETRY_DELAY, RETRY_DELAY)
                    .jitter(0)
                    .build())
            .pollInterval(Duration.ofMillis(20))
            .shutdownTimeout(Duration.ofSeconds(2))
            .listener(
                new DeliveryListener() {
                  @Override
                  public void attemptFailed(
                      Delivery delivery, Attempt attempt, Optional<Instant> nextAttemptAt) {
                    failedAttempts.add(attempt);
                  }
                })
            .build()
            .start()) {
      assertTrue(dispatcher.startVerification(hook.id()).verified(), "handshake");
      registry.enable(hook.id());
      String eventId = "evt_idempotent_1";
      assertEquals(
          1,
          dispatcher
              .publish(
                  Event.builder(UserEvents.CREATED)
                      .id(eventId)
                      .user("usr_42")
                      .occurredAt(clock.instant())
                      .data(JsonNodeFactory.instance.objectNode().put("email", "ada@example.com"))
                      .build())
              .count());

      // Attempt 1: the application is still working when the attempt times out.
      consumerEntered.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
      Poll.until(LIMIT, () -> failedAttempts.size() == 1, "the first attempt times out");
      assertEquals(Optional.of(ErrorKind.TIMEOUT), failedAttempts.get(0).error());

      // Attempt 2, while the application still works: asked to come back later.
      clock.advance(RETRY_DELAY);
      Poll.until(LIMIT, () -> failedAttempts.size() == 2, "the second attempt is answered 409");
      assertEquals(409, failedAttempts.get(1).statusCode().orElse(-1));
      Poll.until(LIMIT, () -> postsHandled.get() == 1, "the listener answered the second attempt");

      // The application finishes the first request; the replay guard records the id as done.
      finishProcessing.complete(null);
      Poll.until(LIMIT, () -> postsHandled.get() == 2, "the listener finished the first request");

      // Attempt 3: acknowledged as already processed.
      clock.advance(RETRY_DELAY);
      Poll.until(
          LIMIT,
          () -> dispatcher.summary(hook.id()).succeeded() == 1,
          "the third attempt succeeds");
      Delivery d =
          dispatcher.deliveries(DeliveryQuery.builder().event(eventId).build()).stream()
              .findFirst()
              .orElseThrow();
      assertEquals(DeliveryState.SUCCEEDED, d.state());
      assertEquals(3, d.attempts().size(), d.attempts().toString());
      assertEquals(200, d.attempts().get(2).statusCode().orElse(-1));
      assertTrue(
          d.attempts().get(2).responseBody().contains("already processed"),
          d.attempts().get(2).responseBody());
      assertEquals(1, consumerCalls.get(), "the application ran exactly once");
      assertEquals(List.of(eventId), processed.stream().map(Notification::id).toList());
    } finally {
      finishProcessing.complete(null);
      server.stop(0);
      serverThreads.shutdown();
      assertTrue(serverThreads.awaitTermination(10, TimeUnit.SECONDS));
    }
  }
}
