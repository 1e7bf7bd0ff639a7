package dev.hookline.examples;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.hookline.Event;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.filter.Filters;
import dev.hookline.receiver.NotificationConsumer;
import dev.hookline.receiver.VerifyingHandler;
import dev.hookline.receiver.WebhookVerifier;
import dev.hookline.store.InMemoryStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * The README's quick start, as code that compiles in the build and that {@code QuickStartTest}
 * runs. The regions between the {@code snippet} markers are copied verbatim into README.md; a test
 * checks that they stay equal.
 */
@SuppressForbidden(
    reason =
        "com.sun.net.httpserver is the exported, supported jdk.httpserver API, not an internal class")
public final class QuickStart {
  private QuickStart() {}

  /**
   * The sender side, first half: a registry and a dispatcher, and one webhook registered. The
   * customer is shown the webhook's signing secret to configure their listener.
   *
   * @param endpoint the listener's URI
   * @param apiKey the API key the listener expects
   * @param development whether to allow {@code http} to loopback (for local runs only)
   * @return the running dispatcher, the registry and the webhook
   */
  public static Sender register(String endpoint, String apiKey, boolean development) {
    // spotless:off
    // snippet:send
    WebhookRegistry registry = WebhookRegistry.builder()
        .store(new InMemoryStore())                        // or a PostgresStore
        .filterCompiler(Filters.compiler())
        .allowInsecureLoopbackForDevelopment(development)  // http://localhost, development only
        .build();
    Dispatcher dispatcher = Dispatcher.builder().registry(registry).build().start();
    Webhook hook = registry.create(WebhookDefinition.builder()
        .name("CRM sync").uri(endpoint).apiKey(apiKey)     // key sent as Authorization: Bearer
        .events(UserEvents.CREATED, UserEvents.UPDATED)
        .filter("type == \"user.created\" or changed(\"email\")")
        .build());                                         // bad fields: WebhookValidationException
    // end-snippet
    // spotless:on
    return new Sender(registry, dispatcher, hook);
  }

  /**
   * The sender side, second half: verify the endpoint, enable the webhook, publish an event.
   *
   * @param sender what {@link #register} returned
   */
  public static void activateAndPublish(Sender sender) {
    WebhookRegistry registry = sender.registry();
    Dispatcher dispatcher = sender.dispatcher();
    Webhook hook = sender.webhook();
    ObjectNode user = JsonNodeFactory.instance.objectNode().put("email", "ada@example.com");
    // spotless:off
    // snippet:send
    dispatcher.startVerification(hook.id());               // the endpoint echoes a challenge key
    registry.enable(hook.id());                            // verified + enabled: receives events
    dispatcher.publish(Event.builder(UserEvents.CREATED)
        .user("usr_42").occurredAt(Instant.now()).data(user).build());
    // end-snippet
    // spotless:on
  }

  /**
   * The listener side: verify every notification and hand it to the application.
   *
   * @param port the port to listen on (loopback)
   * @param apiKey the webhook's API key
   * @param signingSecret the webhook's {@code whsec_} signing secret
   * @param process the application's code
   * @return the started server
   * @throws IOException if the server cannot bind
   */
  public static HttpServer listen(
      int port, String apiKey, String signingSecret, NotificationConsumer process)
      throws IOException {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    // spotless:off
    // snippet:receive
    WebhookVerifier verifier = WebhookVerifier.builder()
        .apiKey(apiKey)                                    // the webhook's API key
        .signingSecret(signingSecret)                      // its whsec_... signing secret
        .build();
    HttpServer server = HttpServer.create(address, 0);     // put TLS in front in production
    server.createContext("/hooks", VerifyingHandler.create(verifier, process));
    server.start();                                        // answers the handshake, verifies, 204
    // end-snippet
    // spotless:on
    return server;
  }

  /**
   * What {@link #register} started.
   *
   * @param registry the registry
   * @param dispatcher the running dispatcher; close it when done
   * @param webhook the registered webhook
   */
  public record Sender(WebhookRegistry registry, Dispatcher dispatcher, Webhook webhook) {}
}
