package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.spi.HostResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Idempotent creates: one principal's slow create (its endpoint's DNS lookup hangs) does not hold
 * anyone else's, and an {@code Idempotency-Key} belongs to its token, or to the host principal
 * within its tenant, so the same name in another tenant never gets the other's answer (which
 * carries a signing secret). Requests go straight to {@link AdminApi#handle} from several threads,
 * as a multi-threaded server would send them.
 */
class IdempotentCreateTest {
  private static final String SLOW_HOST = "slow.example";

  /** A lookup of {@link #SLOW_HOST}: it says it started, then waits to be released. */
  private static final class Gate {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
  }

  static final AtomicReference<Gate> gate = new AtomicReference<>(new Gate());
  static AdminHarness h;
  static ExecutorService clients;

  @BeforeAll
  static void start() {
    HostResolver resolver =
        host -> {
          if (host.equals(SLOW_HOST)) {
            Gate g = gate.get();
            g.entered.countDown();
            try {
              g.release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          throw new UnknownHostException(host); // no real DNS in tests
        };
    // "X-Session: name@tenant" is a host session for that name in that tenant.
    Authenticator sessions =
        r ->
            r.header("X-Session")
                .map(s -> s.split("@", 2))
                .map(
                    p ->
                        new Principal(
                            p[0],
                            Optional.empty(),
                            Optional.of(p[1]),
                            EnumSet.of(Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE)));
    h =
        new AdminHarness(
            new InMemoryAdminStore(),
            UnaryOperator.identity(),
            r -> r.hostResolver(resolver),
            b -> b.authenticator(sessions));
    clients = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void stop() {
    gate.get().release.countDown();
    clients.shutdownNow();
    h.close();
  }

  private static AdminResponse create(String session, String key, String body) {
    return h.api.handle(
        AdminRequest.builder("POST", h.webhooks())
            .header("X-Session", session)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .body(body.getBytes(StandardCharsets.UTF_8))
            .remoteAddress("127.0.0.1")
            .build());
  }

  /** A create whose endpoint is on {@link #SLOW_HOST}, so that it waits in the DNS lookup. */
  private static String slowBody(String name) {
    return h.createBody(name).replace(h.endpointUri, "https://" + SLOW_HOST + "/hook");
  }

  private static JsonNode json(AdminResponse r) {
    try {
      return Http.JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Gate newGate() {
    Gate g = new Gate();
    gate.set(g);
    return g;
  }

  @Test
  void oneTenantsSlowCreateDoesNotHoldAnotherTenantsCreate() throws Exception {
    Gate g = newGate();
    try {
      Future<AdminResponse> slow =
          clients.submit(() -> create("alice@slow-tenant", "create-1", slowBody("slow")));
      assertTrue(g.entered.await(10, TimeUnit.SECONDS), "the slow create reaches its lookup");

      AdminResponse quick = create("bob@quick-tenant", "create-1", h.createBody("quick"));
      assertEquals(201, quick.status(), quick::bodyText);
      assertTrue(
          h.registry.forTenant("slow-tenant").list().isEmpty(),
          "the quick create finished while the slow one was still in its lookup");
      assertFalse(slow.isDone());

      g.release.countDown();
      AdminResponse done = slow.get(30, TimeUnit.SECONDS);
      assertEquals(201, done.status(), done::bodyText);
    } finally {
      g.release.countDown();
    }
  }

  @Test
  void aRetryWhileTheFirstIsInFlightGetsTheFirstsAnswer() throws Exception {
    Gate g = newGate();
    try {
      String body = slowBody("retried");
      Future<AdminResponse> first = clients.submit(() -> create("carol@retry", "k", body));
      assertTrue(g.entered.await(10, TimeUnit.SECONDS), "the first create reaches its lookup");
      Future<AdminResponse> retry = clients.submit(() -> create("carol@retry", "k", body));

      AdminResponse otherBody = create("carol@retry", "k", h.createBody("another"));
      assertEquals(409, otherBody.status(), "another body is refused at once, while in flight");
      assertFalse(first.isDone());

      g.release.countDown();
      AdminResponse a = first.get(30, TimeUnit.SECONDS);
      AdminResponse b = retry.get(30, TimeUnit.SECONDS);
      assertEquals(201, a.status(), a::bodyText);
      assertEquals(201, b.status(), b::bodyText);
      assertEquals(json(a), json(b));
      assertEquals(Optional.of("true"), b.header("Idempotent-Replayed"));
      assertEquals(1, h.registry.forTenant("retry").list().size(), "one webhook made");
    } finally {
      g.release.countDown();
    }
  }

  @Test
  void theSameNameInAnotherTenantNeverGetsTheOthersAnswer() {
    AdminResponse acme = create("dave@acme", "shared-key", h.createBody("named"));
    AdminResponse globex = create("dave@globex", "shared-key", h.createBody("named"));
    assertEquals(201, acme.status(), acme::bodyText);
    assertEquals(201, globex.status(), globex::bodyText);
    assertEquals(Optional.empty(), globex.header("Idempotent-Replayed"));
    assertEquals("globex", json(globex).get("tenant").asText());
    assertNotEquals(json(acme).get("id"), json(globex).get("id"));
    assertNotEquals(json(acme).get("signing_secret"), json(globex).get("signing_secret"));

    AdminResponse again = create("dave@acme", "shared-key", h.createBody("named"));
    assertEquals(Optional.of("true"), again.header("Idempotent-Replayed"));
    assertEquals(json(acme), json(again), "the owner itself still gets its replay");
  }
}
