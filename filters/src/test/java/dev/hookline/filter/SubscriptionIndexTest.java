package dev.hookline.filter;

import static dev.hookline.filter.Fixtures.CREATED;
import static dev.hookline.filter.Fixtures.LOGGED_IN;
import static dev.hookline.filter.Fixtures.UPDATED;
import static dev.hookline.filter.Fixtures.appEvent;
import static dev.hookline.filter.Fixtures.event;
import static dev.hookline.filter.Fixtures.tenantEvent;
import static dev.hookline.filter.Fixtures.tenantWebhook;
import static dev.hookline.filter.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.Webhook;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SubscriptionIndexTest {
  private final SubscriptionIndex index = SubscriptionIndex.create(Filters.compiler());

  private static Set<String> ids(List<Webhook> hooks) {
    Set<String> out = new TreeSet<>();
    hooks.forEach(w -> out.add(w.id()));
    return out;
  }

  @Test
  void routesByEventType() {
    index.put(webhook("a", null, CREATED));
    index.put(webhook("b", null, UPDATED, CREATED));
    index.put(webhook("c", null, LOGGED_IN));

    assertEquals(Set.of("a", "b"), ids(index.match(event(CREATED))));
    assertEquals(Set.of("b"), ids(index.match(event(UPDATED))));
    assertEquals(Set.of(), ids(index.match(event(UserEvents.DELETED))));
    assertEquals(3, index.size());
  }

  @Test
  void evaluatesFilters() {
    index.put(webhook("email", "changed(\"email\", \"password\")", UPDATED));
    index.put(webhook("name", "changed(\"name\")", UPDATED));

    Event emailChanged = event(UPDATED, Subject.user("u1"), "{}", "email");
    assertEquals(Set.of("email"), ids(index.match(emailChanged)));
  }

  @Test
  void routesPerAppAndPerTenant() {
    index.put(webhook("app1", "subject.app_id == \"app1\"", CREATED));
    index.put(webhook("app2", "subject.app_id in (\"app2\", \"app3\")", CREATED));
    index.put(webhook("t1", "subject.tenant == \"t1\"", CREATED));
    index.put(webhook("all", null, CREATED));

    assertEquals(Set.of("app1", "all"), ids(index.match(appEvent(CREATED, "app1"))));
    assertEquals(Set.of("app2", "all"), ids(index.match(appEvent(CREATED, "app3"))));
    Event tenantEvent = event(CREATED, Subject.user("u").withApp("app2").withTenant("t1"), "{}");
    assertEquals(Set.of("app2", "t1", "all"), ids(index.match(tenantEvent)));
    assertEquals(Set.of("all"), ids(index.match(event(CREATED))));
  }

  /** The result is a list: ids(...) would hide a webhook returned twice. */
  @Test
  void aKeyListedTwiceStillMatchesTheWebhookOnce() {
    index.put(webhook("app", "subject.app_id in (\"a\", \"a\")", CREATED));
    index.put(webhook("apps", "subject.app_id in (\"a\", \"b\", \"a\")", CREATED));
    index.put(webhook("tenant", "subject.tenant in (\"t1\", \"t1\")", CREATED));

    Event e = event(CREATED, Subject.user("u").withApp("a").withTenant("t1"), "{}");
    assertEquals(
        List.of("app", "apps", "tenant"),
        index.match(e).stream().map(Webhook::id).sorted().toList());
    assertEquals(
        List.of("tenant"),
        index.match(tenantEvent(CREATED, "t1")).stream().map(Webhook::id).toList());
  }

  @Test
  void aTenantsWebhookReceivesOnlyItsTenantsEventsWhateverItsFilterSays() {
    index.put(tenantWebhook("acme", "acme_all", null, 1, CREATED, UPDATED));
    // Catch-all filters, and filters naming another tenant, cannot widen a tenant's partition.
    index.put(tenantWebhook("globex", "globex_true", "true", 1, CREATED, UPDATED));
    index.put(
        tenantWebhook("globex", "globex_wants_acme", "subject.tenant == \"acme\"", 1, CREATED));
    index.put(
        tenantWebhook("globex", "globex_or", "subject.tenant == \"acme\" or true", 1, CREATED));
    index.put(webhook("host", null, CREATED));

    assertEquals(Set.of("acme_all", "host"), ids(index.match(tenantEvent(CREATED, "acme"))));
    assertEquals(
        Set.of("globex_true", "globex_or", "host"),
        ids(index.match(tenantEvent(CREATED, "globex"))));
    assertEquals(Set.of("host"), ids(index.match(event(CREATED))), "no tenant: the host's only");
    assertEquals(Set.of("host"), ids(index.match(tenantEvent(CREATED, "initech"))));
    assertEquals(Set.of("acme_all"), ids(index.match(tenantEvent(UPDATED, "acme"))));
    assertEquals(5, index.size());
  }

  @Test
  void tenantPartitionsFollowChangesRemovalsAndReloads() {
    index.put(tenantWebhook("acme", "a", "true", 1, CREATED));
    index.put(tenantWebhook("acme", "a", "true", 2, UPDATED));
    assertEquals(Set.of(), ids(index.match(tenantEvent(CREATED, "acme"))));
    assertEquals(Set.of("a"), ids(index.match(tenantEvent(UPDATED, "acme"))));
    // Were a change ever to carry another tenant, the webhook would leave the old partition.
    index.put(tenantWebhook("globex", "a", "true", 3, UPDATED));
    assertEquals(Set.of(), ids(index.match(tenantEvent(UPDATED, "acme"))));
    assertEquals(Set.of("a"), ids(index.match(tenantEvent(UPDATED, "globex"))));
    index.put(webhook("a", "true", 4, UPDATED));
    assertEquals(Set.of("a"), ids(index.match(tenantEvent(UPDATED, "acme"))));
    assertTrue(index.remove("a"));
    assertEquals(Set.of(), ids(index.match(tenantEvent(UPDATED, "globex"))));

    index.replaceAll(
        List.of(
            tenantWebhook("acme", "x", null, 1, CREATED),
            tenantWebhook("globex", "y", "true", 1, CREATED),
            webhook("z", null, 1, CREATED)));
    assertEquals(Set.of("x", "z"), ids(index.match(tenantEvent(CREATED, "acme"))));
    assertEquals(Set.of("y", "z"), ids(index.match(tenantEvent(CREATED, "globex"))));
    assertEquals(Set.of("z"), ids(index.match(event(CREATED))));
  }

  @Test
  void appKeyStillRunsTheRestOfTheFilter() {
    index.put(webhook("h", "subject.app_id == \"a\" and data.plan == \"pro\"", CREATED));

    assertEquals(Set.of(), ids(index.match(appEvent(CREATED, "a"))));
    Event pro = event(CREATED, Subject.user("u").withApp("a"), "{\"plan\":\"pro\"}");
    assertEquals(Set.of("h"), ids(index.match(pro)));
  }

  @Test
  void filedUnderAppButTenantConditionStillChecked() {
    index.put(
        webhook(
            "h",
            "subject.tenant == \"t1\" and subject.app_id == \"a\" and type == \"user.*\"",
            CREATED));

    assertEquals(Set.of(), ids(index.match(appEvent(CREATED, "a"))));
    Event both = event(CREATED, Subject.user("u").withApp("a").withTenant("t1"), "{}");
    assertEquals(Set.of("h"), ids(index.match(both)));
    Event otherApp = event(CREATED, Subject.user("u").withApp("b").withTenant("t1"), "{}");
    assertEquals(Set.of(), ids(index.match(otherApp)));
  }

  @Test
  void typeConditionInFilterNarrowsSubscription() {
    index.put(
        webhook(
            "h",
            "type in (\"user.updated\", \"user.logged_in\") and not type == \"user.logged_in\"",
            CREATED,
            UPDATED,
            LOGGED_IN));

    assertEquals(Set.of(), ids(index.match(event(CREATED))));
    assertEquals(Set.of("h"), ids(index.match(event(UPDATED))));
    assertEquals(Set.of(), ids(index.match(event(LOGGED_IN))));
  }

  @Test
  void putReplacesAndRemoveForgets() {
    index.put(webhook("h", null, CREATED));
    index.put(webhook("h", null, 2, UPDATED));

    assertEquals(Set.of(), ids(index.match(event(CREATED))));
    assertEquals(Set.of("h"), ids(index.match(event(UPDATED))));
    assertEquals(1, index.size());
    assertTrue(index.remove("h"));
    assertFalse(index.remove("h"));
    assertEquals(Set.of(), ids(index.match(event(UPDATED))));
    assertEquals(0, index.size());
  }

  @Test
  void staleChangeDoesNotOverwriteNewerOne() {
    index.put(webhook("h", null, 3, UPDATED));
    index.put(webhook("h", null, 2, CREATED));

    assertEquals(Set.of("h"), ids(index.match(event(UPDATED))));
    assertEquals(Set.of(), ids(index.match(event(CREATED))));
  }

  @Test
  void onChangePutsAndRemoves() {
    index.onChange("h", Optional.of(webhook("h", null, CREATED)));
    assertEquals(Set.of("h"), ids(index.match(event(CREATED))));
    index.onChange("h", Optional.empty());
    assertEquals(Set.of(), ids(index.match(event(CREATED))));
  }

  @Test
  void replaceAllSwapsContent() {
    index.put(webhook("old", null, CREATED));
    index.replaceAll(
        List.of(webhook("n1", null, CREATED), webhook("n2", "subject.app_id == \"x\"", CREATED)));

    assertEquals(Set.of("n1"), ids(index.match(event(CREATED))));
    assertEquals(Set.of("n1", "n2"), ids(index.match(appEvent(CREATED, "x"))));
    assertEquals(2, index.size());
    assertTrue(index.remove("n2"));
    assertFalse(index.remove("old"));
  }

  @Test
  void replaceAllKeepsAChangeNewerThanWhatWasLoaded() {
    index.put(webhook("h", null, 5, UPDATED));
    index.replaceAll(List.of(webhook("h", null, 4, CREATED), webhook("k", null, 1, CREATED)));

    assertEquals(Set.of("h"), ids(index.match(event(UPDATED))));
    assertEquals(Set.of("k"), ids(index.match(event(CREATED))));
    assertEquals(2, index.size());
  }

  @Test
  void webhookWithUncompilableFilterReceivesNothing() {
    index.put(webhook("bad", "data.x === 1", CREATED));
    index.put(webhook("good", null, CREATED));

    assertEquals(Set.of("good"), ids(index.match(event(CREATED))));
    assertEquals(Set.of("bad"), index.rejected().keySet());
    String problem = String.valueOf(index.rejected().get("bad"));
    assertTrue(problem.contains("line 1, column 10"), problem);
    index.put(webhook("bad", null, 2, CREATED));
    assertEquals(Set.of(), index.rejected().keySet());
    assertEquals(Set.of("bad", "good"), ids(index.match(event(CREATED))));
  }

  @Test
  void honoursFiltersFromAnotherCompiler() {
    SubscriptionIndex foreign =
        SubscriptionIndex.create(
            (text, types) ->
                new dev.hookline.spi.CompiledFilter() {
                  @Override
                  public boolean test(Event e) {
                    return e.subject().userId().equals(text);
                  }

                  @Override
                  public String canonicalText() {
                    return text;
                  }
                });
    foreign.put(webhook("h", "usr_1", CREATED));
    foreign.put(webhook("other", "usr_2", CREATED));

    assertEquals(Set.of("h"), ids(foreign.match(event(CREATED))));
  }

  @Test
  void matchesStayConsistentWhileWebhooksChange() throws Exception {
    // 50 stable webhooks for app "stable" must always be found while others churn.
    List<Webhook> stable = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      stable.add(webhook("s" + i, "subject.app_id == \"stable\"", CREATED));
    }
    index.replaceAll(stable);
    Event e = appEvent(CREATED, "stable");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(2);
    try {
      Future<?> writer =
          pool.submit(
              () -> {
                started.countDown();
                for (int i = 0; i < 2000; i++) {
                  index.put(
                      webhook(
                          "churn" + (i % 37),
                          "subject.app_id == \"stable\" and data.x == 1",
                          CREATED));
                  index.remove("churn" + ((i + 11) % 37));
                }
                stop.set(true);
              });
      Future<Integer> reader =
          pool.submit(
              () -> {
                started.countDown();
                int rounds = 0;
                while (!stop.get()) {
                  List<Webhook> found = index.match(e);
                  if (found.size() != 50) {
                    throw new AssertionError("saw " + found.size() + " webhooks");
                  }
                  rounds++;
                }
                return rounds;
              });
      writer.get(30, TimeUnit.SECONDS);
      assertTrue(reader.get(30, TimeUnit.SECONDS) > 0);
    } finally {
      pool.shutdownNow();
    }
    Set<String> churn = new TreeSet<>();
    for (int i = 0; i < 2000; i++) {
      churn.add("churn" + (i % 37));
      churn.remove("churn" + ((i + 11) % 37));
    }
    assertEquals(50 + churn.size(), index.size());
  }
}
