package dev.hookline.filter;

import static dev.hookline.filter.Fixtures.T0;
import static dev.hookline.filter.Fixtures.tenantWebhook;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.Event;
import dev.hookline.EventCatalogue;
import dev.hookline.EventType;
import dev.hookline.Subject;
import dev.hookline.Webhook;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A change applied to the index in place (its buckets' arrays copied with the one webhook put,
 * replaced or removed; one shard of the tenants copied) routes every event exactly as an index
 * built afresh from the same webhooks: random puts, updates that move a webhook between routes
 * (any, keyed by app, keyed by tenant), between event types and filters, removals and whole
 * reloads, with a seed that makes each run the same.
 */
class IndexChangesMatchRebuiltIndexTest {
  private static final List<EventType> TYPES =
      List.copyOf(EventCatalogue.standard().subscribable()).subList(0, 4);
  private static final String[] TENANTS = {null, "t1", "t2", "t3"};
  private static final String[] APPS = {null, "a1", "a2"};
  private static final String[] FILTERS = {
    null,
    "subject.app_id == \"a1\"",
    "subject.app_id in (\"a1\", \"a2\")",
    "subject.tenant == \"t1\"",
    "subject.tenant in (\"t1\", \"t2\") and subject.user_id == \"u1\"",
    "subject.user_id == \"u2\"",
    "type == \"" + TYPES.get(0).wireName() + "\""
  };

  @Test
  void everyChangeRoutesAsAFreshIndexOfTheSameWebhooks() {
    Random random = new Random(20261202L);
    SubscriptionIndex changed = SubscriptionIndex.create(Filters.compiler());
    Map<String, Webhook> held = new HashMap<>();
    long version = 1;
    for (int step = 0; step < 1_500; step++) {
      int op = random.nextInt(10);
      String id = "wh_" + random.nextInt(40);
      if (op < 6) {
        // A webhook's tenant never changes: one already held keeps its own.
        Webhook before = held.get(id);
        String tenant =
            before != null ? before.tenant().orElse(null) : TENANTS[random.nextInt(TENANTS.length)];
        Webhook w =
            tenantWebhook(
                tenant, id, FILTERS[random.nextInt(FILTERS.length)], version++, someTypes(random));
        changed.put(w);
        held.put(id, w);
      } else if (op < 9) {
        changed.remove(id);
        held.remove(id);
      } else {
        // A reload that finds a few of them gone.
        held.keySet().removeIf(k -> random.nextInt(5) == 0);
        changed.replaceAll(List.copyOf(held.values()));
      }
      if (step % 10 == 0 || op == 9) {
        SubscriptionIndex fresh = SubscriptionIndex.create(Filters.compiler());
        fresh.replaceAll(List.copyOf(held.values()));
        int at = step;
        assertEquals(held.size(), changed.size(), "size at step " + at);
        for (Event e : probes()) {
          assertEquals(
              ids(fresh.match(e)),
              ids(changed.match(e)),
              () -> "step " + at + ", event " + e.type() + " " + e.subject());
        }
      }
    }
  }

  private static EventType[] someTypes(Random random) {
    List<EventType> out = new ArrayList<>();
    for (EventType t : TYPES) {
      if (random.nextBoolean()) {
        out.add(t);
      }
    }
    if (out.isEmpty()) {
      out.add(TYPES.get(random.nextInt(TYPES.size())));
    }
    return out.toArray(new EventType[0]);
  }

  private static List<Event> probes() {
    List<Event> out = new ArrayList<>();
    for (EventType type : TYPES) {
      for (String tenant : TENANTS) {
        for (String app : APPS) {
          for (String user : new String[] {"u1", "u2"}) {
            Subject s = Subject.user(user);
            if (tenant != null) {
              s = s.withTenant(tenant);
            }
            if (app != null) {
              s = s.withApp(app);
            }
            out.add(Event.builder(type).id("evt_1").occurredAt(T0).subject(s).build());
          }
        }
      }
    }
    return out;
  }

  private static Set<String> ids(List<Webhook> matched) {
    Set<String> out = new TreeSet<>();
    for (Webhook w : matched) {
      // Matched twice would be delivered twice: the list must hold each webhook once.
      assertEquals(true, out.add(w.id() + "@" + w.version()), "matched twice: " + w.id());
    }
    return out;
  }
}
