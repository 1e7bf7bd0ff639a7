package app;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.receiver.VerifyingHandler;
import dev.hookline.receiver.WebhookVerifier;
import dev.hookline.store.InMemoryStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The README's quick start as a user writes it against the published artifacts: a listener on
 * loopback, a webhook verified and enabled, one event published. Exits 0 once the listener has
 * verified the notification, 1 if it has not within 30 s.
 */
public final class Main {
  public static void main(String[] args) throws Exception {
    String apiKey = "consumer-check-api-key-0123456789";
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.start();
    String endpoint = "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";

    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(new InMemoryStore())
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true)
            .build();
    Dispatcher dispatcher = Dispatcher.builder().registry(registry).build().start();
    Webhook hook =
        registry.create(
            WebhookDefinition.builder()
                .name("CRM sync")
                .uri(endpoint)
                .apiKey(apiKey)
                .events(UserEvents.CREATED, UserEvents.UPDATED)
                .filter("type == \"user.created\" or changed(\"email\")")
                .build());

    CountDownLatch received = new CountDownLatch(1);
    WebhookVerifier verifier =
        WebhookVerifier.builder()
            .apiKey(apiKey)
            .signingSecret(hook.signingSecrets().get(0).secret().reveal())
            .build();
    server.createContext(
        "/hooks",
        VerifyingHandler.create(
            verifier,
            n -> {
              System.out.println("received " + n);
              received.countDown();
            }));

    dispatcher.startVerification(hook.id());
    registry.enable(hook.id());
    dispatcher.publish(
        Event.builder(UserEvents.CREATED)
            .user("usr_42")
            .occurredAt(Instant.now())
            .data(JsonNodeFactory.instance.objectNode().put("email", "ada@example.com"))
            .build());

    boolean delivered = received.await(30, TimeUnit.SECONDS);
    dispatcher.close();
    server.stop(0);
    System.out.println(delivered ? "consumer-check: delivered" : "consumer-check: NOT delivered");
    System.exit(delivered ? 0 : 1);
  }
}
