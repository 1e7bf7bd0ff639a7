package dev.hookline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.hookline.DeliveryState;
import dev.hookline.WebhookStatus;
import dev.hookline.receiver.Notification;
import dev.hookline.testing.Poll;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Runs the README's quick start end to end over loopback HTTP. */
class QuickStartTest {
  private static final String API_KEY = "quickstart-api-key-0123456789";

  @Test
  void theQuickStartDeliversAVerifiedNotification() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port + "/hooks";
    QuickStart.Sender sender = QuickStart.register(endpoint, API_KEY, true);
    List<Notification> received = new CopyOnWriteArrayList<>();
    String secret = sender.webhook().signingSecrets().get(0).secret().reveal();
    HttpServer server = QuickStart.listen(port, API_KEY, secret, received::add);
    try (var dispatcher = sender.dispatcher()) {
      QuickStart.activateAndPublish(sender);
      assertEquals(
          WebhookStatus.VERIFIED, sender.registry().require(sender.webhook().id()).status());
      Poll.until(Duration.ofSeconds(20), () -> received.size() == 1, "the notification arrives");
      Notification n = received.get(0);
      assertEquals("user.created", n.type());
      assertEquals("ada@example.com", n.data().get("email").asText());
      NotificationSchema.assertAllValid(
          List.of(new String(n.rawBody(), java.nio.charset.StandardCharsets.UTF_8)));
      Poll.until(
          Duration.ofSeconds(10),
          () -> dispatcher.summary(sender.webhook().id()).succeeded() == 1,
          "the delivery is recorded as succeeded");
      assertEquals(
          DeliveryState.SUCCEEDED,
          dispatcher
              .deliveries(
                  dev.hookline.DeliveryQuery.builder().webhook(sender.webhook().id()).build())
              .get(0)
              .state());
    } finally {
      server.stop(0);
    }
  }
}
