package dev.hookline.examples;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryCounts;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.VerificationResult;
import dev.hookline.Webhook;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.DeliveryListener;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PublishResult;
import dev.hookline.delivery.RetrySchedule;
import dev.hookline.filter.Filters;
import dev.hookline.receiver.Notification;
import dev.hookline.receiver.VerifyingHandler;
import dev.hookline.receiver.WebhookVerifier;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.InMemoryStore;
import dev.hookline.store.jdbc.PostgresStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The demo: a sender and a listener in one process, over loopback HTTP. It registers three webhooks
 * (all user events; a filtered one; one whose endpoint is down), verifies and enables them,
 * publishes one of each of the 12 user events and a few updates, shows the failing endpoint's
 * retries and failed deliveries, lets it recover and redelivers them, and prints a summary per
 * webhook. Ends by itself in a few seconds.
 *
 * <p>Run it with {@code mvn -q -pl examples -am exec:java} (see the README).
 */
@SuppressForbidden(
    reason =
        "com.sun.net.httpserver is the exported, supported jdk.httpserver API, not an internal class")
public final class Demo {
  private static final String SECURITY_FILTER =
      "type == \"user.updated\" and changed(\"email\", \"password\")";

  private final PrintStream out;
  private final Clock clock = Clock.systemUTC();
  private final Map<String, String> names = new ConcurrentHashMap<>();
  private final AtomicBoolean analyticsDown = new AtomicBoolean(true);
  private final Map<String, WebhookVerifier> verifiers = new ConcurrentHashMap<>();
  private final List<String> received = new CopyOnWriteArrayList<>();

  private Demo(PrintStream out) {
    this.out = out;
  }

  /**
   * Runs the demo.
   *
   * @param args {@code --store=memory} (default) or {@code --store=postgres}
   * @throws Exception if the demo fails
   */
  public static void main(String[] args) throws Exception {
    Summary summary = run(System.out, args);
    if (!summary.allDelivered()) {
      System.exit(1);
    }
  }

  /**
   * Runs the demo, printing to {@code out}.
   *
   * @param out where to print
   * @param args the command-line arguments
   * @return the final counts per webhook
   * @throws Exception if the demo fails
   */
  public static Summary run(PrintStream out, String... args) throws Exception {
    String store = "memory";
    for (String a : args) {
      if (a.equals("--store=memory") || a.equals("--store=postgres")) {
        store = a.substring("--store=".length());
      } else {
        throw new IllegalArgumentException(
            "unknown argument '" + a + "'; use --store=memory (default) or --store=postgres");
      }
    }
    if (store.equals("postgres")) {
      out.println(
          "Starting an embedded PostgreSQL (first run downloads nothing: it is a Maven artifact)...");
      try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
        byte[] masterKey = new byte[32];
        new SecureRandom().nextBytes(masterKey); // in production: from your key management
        // A connection pool, as in production: the embedded server's own DataSource opens a new
        // connection (a server process) on every borrowing.
        HikariConfig pool = new HikariConfig();
        pool.setDataSource(pg.getPostgresDatabase());
        pool.setMaximumPoolSize(10);
        pool.setPoolName("hookline-demo");
        try (HikariDataSource dataSource = new HikariDataSource(pool)) {
          PostgresStore postgres =
              PostgresStore.builder(dataSource)
                  .secretCipher(
                      AesGcmSecretCipher.builder().primaryKey("demo-key-1", masterKey).build())
                  .build();
          try (postgres) {
            return new Demo(out).run(postgres, "PostgreSQL store, embedded");
          }
        }
      }
    }
    try (InMemoryStore memory = new InMemoryStore()) {
      return new Demo(out).run(memory, "in-memory store");
    }
  }

  private Summary run(Store store, String storeName) throws IOException {
    Instant started = clock.instant();
    HttpServer listener =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    listener.createContext("/crm", exchange -> handle("/crm", exchange));
    listener.createContext("/security", exchange -> handle("/security", exchange));
    listener.createContext("/analytics", exchange -> handle("/analytics", exchange));
    listener.start();
    String base = "http://127.0.0.1:" + listener.getAddress().getPort();

    out.println("Hookline demo (" + storeName + ")");
    out.println(
        "Listener on " + base + ": receiver-verify's VerifyingHandler checks every request");
    out.println();

    WebhookRegistry registry =
        WebhookRegistry.builder()
            .store(store)
            .filterCompiler(Filters.compiler())
            .allowInsecureLoopbackForDevelopment(true) // plain http to loopback: demo only
            .build();
    RetrySchedule quick =
        RetrySchedule.builder()
            .delays(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800))
            .attemptTimeout(Duration.ofSeconds(2))
            .build();
    try (Dispatcher dispatcher =
        Dispatcher.builder()
            .registry(registry)
            .retrySchedule(quick)
            .pollInterval(Duration.ofMillis(50))
            .redeliveryPace(Duration.ofMillis(50))
            .listener(new Narrator())
            .build()
            .start()) {
      Webhook crm =
          register(
              registry,
              dispatcher,
              "1.",
              WebhookDefinition.builder()
                  .name("CRM sync")
                  .description("Every user event")
                  .uri(base + "/crm")
                  .apiKey("crm-api-key-0123456789")
                  .events(UserEvents.SUBSCRIBABLE)
                  .build());
      Webhook security =
          register(
              registry,
              dispatcher,
              "2.",
              WebhookDefinition.builder()
                  .name("Security alerts")
                  .description("Only when the email or the password changed")
                  .uri(base + "/security")
                  .apiKey("security-api-key-0123456789")
                  .events(UserEvents.UPDATED)
                  .filter(SECURITY_FILTER)
                  .build());
      Webhook analytics =
          register(
              registry,
              dispatcher,
              "3.",
              WebhookDefinition.builder()
                  .name("Analytics")
                  .description("Sign-ups and deletions; its endpoint is down for now")
                  .uri(base + "/analytics")
                  .apiKey("analytics-api-key-0123456789")
                  .events(UserEvents.CREATED, UserEvents.DELETED)
                  .build());

      out.println();
      out.println("4. Publish one of each of the 12 user events, then 3 more updates");
      List<Event> events = new ArrayList<>();
      for (EventType type : UserEvents.SUBSCRIBABLE) {
        events.add(event(type, type.equals(UserEvents.UPDATED) ? "name" : null));
      }
      events.add(event(UserEvents.UPDATED, "email"));
      events.add(event(UserEvents.UPDATED, "password"));
      events.add(event(UserEvents.UPDATED, "phone"));
      for (Event e : events) {
        PublishResult r = dispatcher.publish(e);
        String changed =
            e.changedAttributes().isEmpty()
                ? ""
                : " changed=" + String.join(",", e.changedAttributes());
        out.printf(
            Locale.ROOT,
            "   published %-24s %s%s -> %s%n",
            e.type().wireName(),
            e.id(),
            changed,
            r.webhookIds().isEmpty()
                ? "(no webhook wants it)"
                : String.join(", ", r.webhookIds().stream().map(names::get).toList()));
      }

      waitUntil(
          Duration.ofSeconds(60),
          () ->
              dispatcher.summary(crm.id()).succeeded() == 15
                  && dispatcher.summary(security.id()).succeeded() == 2
                  && dispatcher.summary(analytics.id()).failed() == 2);
      out.println();
      out.println(
          "5. The Analytics endpoint kept answering 503: its deliveries failed after "
              + quick.maxAttempts()
              + " attempts each");
      for (Delivery d :
          dispatcher.deliveries(
              dev.hookline.DeliveryQuery.builder().webhook(analytics.id()).build())) {
        out.printf(
            Locale.ROOT,
            "   %s %s %s after %d attempts:%n",
            d.state(),
            d.event().type(),
            d.event().id(),
            d.attemptCount());
        for (Attempt a : d.attempts()) {
          out.printf(
              Locale.ROOT,
              "      attempt %d  %s  %d ms%n",
              a.number(),
              a.detail(),
              a.duration().toMillis());
        }
      }

      out.println();
      out.println("6. The endpoint recovers; redeliver its failed deliveries (same event ids)");
      analyticsDown.set(false);
      int requeued = dispatcher.redeliverFailed(analytics.id(), started);
      out.println("   redeliverFailed -> " + requeued + " deliveries requeued, paced");
      waitUntil(Duration.ofSeconds(60), () -> dispatcher.summary(analytics.id()).succeeded() == 2);

      Summary summary = new Summary(new LinkedHashMap<>(), received);
      for (Webhook w : List.of(crm, security, analytics)) {
        summary.counts().put(w.name(), dispatcher.summary(w.id()));
      }
      out.println();
      out.println(summary.table());
      out.printf(
          Locale.ROOT,
          "Done in %.1f s.%n",
          Duration.between(started, clock.instant()).toMillis() / 1000.0);
      return summary;
    } finally {
      listener.stop(0);
    }
  }

  private Webhook register(
      WebhookRegistry registry, Dispatcher dispatcher, String step, WebhookDefinition definition) {
    Webhook w = registry.create(definition);
    names.put(w.id(), w.name());
    String path = w.uri().getPath();
    verifiers.put(
        path,
        WebhookVerifier.builder()
            .apiKey(definition.apiKey().reveal())
            .signingSecret(w.signingSecrets().get(0).secret().reveal())
            .build());
    out.printf(
        Locale.ROOT,
        "%s Registered \"%s\" (%s) as %s: %s, %s%n",
        step,
        w.name(),
        w.filter().map(f -> "filter: " + f).orElse(w.events().size() + " event types"),
        w.id(),
        w.status(),
        w.enabled() ? "enabled" : "disabled");
    VerificationResult v = dispatcher.startVerification(w.id());
    Webhook enabled = registry.enable(w.id());
    out.printf(
        Locale.ROOT,
        "   verification handshake: %s (%s); enabled -> receives events: %s%n",
        enabled.status(),
        v.detail(),
        enabled.receivesEvents());
    return enabled;
  }

  private Event event(EventType type, @org.jspecify.annotations.Nullable String changed) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("user_id", "usr_ada");
    data.put("email", "ada@example.com");
    data.put("name", "Ada Lovelace");
    Event.Builder b =
        Event.builder(type)
            .subject(Subject.user("usr_ada").withApp("app_console").withTenant("acme"))
            .occurredAt(clock.instant())
            .data(data);
    if (changed != null) {
      b.changed(changed);
    }
    return b.build();
  }

  private void handle(String path, HttpExchange exchange) throws IOException {
    if (path.equals("/analytics")
        && analyticsDown.get()
        && exchange.getRequestMethod().equals("POST")) {
      byte[] body = "down for maintenance".getBytes(StandardCharsets.UTF_8);
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(503, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
      return;
    }
    WebhookVerifier verifier = verifiers.get(path);
    if (verifier == null) {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
      return;
    }
    VerifyingHandler.create(verifier, n -> received(path, n)).handle(exchange);
  }

  private void received(String path, Notification n) {
    received.add(new String(n.rawBody(), StandardCharsets.UTF_8));
    out.printf(Locale.ROOT, "   listener %-10s verified %-24s %s%n", path, n.type(), n.id());
  }

  private static void waitUntil(Duration limit, BooleanSupplier done) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the demo did not reach its expected state within " + limit);
      }
      LockSupport.parkNanos(20_000_000L);
    }
  }

  /** Narrates failed attempts and failed deliveries. */
  private final class Narrator implements DeliveryListener {
    @Override
    public void attemptFailed(Delivery d, Attempt a, Optional<Instant> next) {
      out.printf(
          Locale.ROOT,
          "   %s: %s %s attempt %d failed (%s)%s%n",
          names.getOrDefault(d.webhookId(), d.webhookId()),
          d.event().type(),
          d.event().id(),
          a.number(),
          a.detail(),
          next.map(t -> ", retry in " + Duration.between(clock.instant(), t).toMillis() + " ms")
              .orElse(""));
    }

    @Override
    public void deliveryFailed(Delivery d, Attempt last) {
      out.printf(
          Locale.ROOT,
          "   %s: %s %s FAILED after %d attempts%n",
          names.getOrDefault(d.webhookId(), d.webhookId()),
          d.event().type(),
          d.event().id(),
          last.number());
    }
  }

  /**
   * The final counts per webhook name, and what the listener received.
   *
   * @param counts counts by webhook name, in registration order
   * @param notifications the body of every notification the listener verified, in arrival order
   */
  public record Summary(Map<String, DeliveryCounts> counts, List<String> notifications) {
    /** Copies the notifications. */
    public Summary {
      notifications = List.copyOf(notifications);
    }

    /**
     * Returns whether every delivery succeeded in the end.
     *
     * @return true if nothing is retrying, failed or pending
     */
    public boolean allDelivered() {
      return counts.values().stream().allMatch(c -> c.total() > 0 && c.succeeded() == c.total());
    }

    /**
     * Renders the table.
     *
     * @return the summary table
     */
    public String table() {
      StringBuilder b = new StringBuilder();
      b.append(
          String.format(
              Locale.ROOT,
              "%-16s %6s %10s %9s %7s%n",
              "webhook",
              "total",
              "succeeded",
              "retrying",
              "failed"));
      counts.forEach(
          (name, c) ->
              b.append(
                  String.format(
                      Locale.ROOT,
                      "%-16s %6d %10d %9d %7d%n",
                      name,
                      c.total(),
                      c.succeeded(),
                      c.retrying(),
                      c.failed())));
      return b.toString().stripTrailing();
    }
  }
}
