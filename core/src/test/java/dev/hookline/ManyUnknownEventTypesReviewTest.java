package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.store.InMemoryStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The registry reports every broken rule at once, and an unknown event type was reported once per
 * name, each violation carrying the list of every subscribable type. A definition naming 10,000
 * unknown types made 10,000 violations, about 2.7 million characters of them and an exception
 * message of 2.9 million. About 8,000 short names fit in the admin API's default 64 KiB body, which
 * any {@code webhooks:write} token, a tenant's included, may send: each create or PATCH cost some
 * 30 times its size in memory and in the answer, and a host that logs the exception logs megabytes.
 * One name or many, the report should stay small.
 */
class ManyUnknownEventTypesReviewTest {

  @Test
  void tenThousandUnknownEventTypesMakeABoundedReport() {
    WebhookRegistry registry = WebhookRegistry.builder().store(new InMemoryStore()).build();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      names.add("a" + i);
    }
    WebhookValidationException e =
        assertThrows(
            WebhookValidationException.class,
            () ->
                registry.create(
                    WebhookDefinition.builder()
                        .name("many types")
                        .uri("https://1.1.1.1/hook")
                        .apiKey("many-types-api-key-0123456789")
                        .eventNames(names)
                        .build()));
    assertTrue(e.hasViolation("events"), e.violations().toString());
    int chars = 0;
    for (Violation v : e.violations()) {
      chars += v.field().length() + v.problem().length() + v.allowed().length();
    }
    assertTrue(
        e.violations().size() <= 20,
        e.violations().size() + " violations for one list of unknown event types");
    assertTrue(chars < 10_000, chars + " characters of violations");
    assertTrue(String.valueOf(e.getMessage()).length() < 10_000, "the message is long");
    // Still says how many names are unknown, and shows the first.
    assertTrue(
        e.violations().stream().anyMatch(v -> v.problem().contains("'a0'")),
        e.violations().toString());
    assertTrue(
        e.violations().stream().anyMatch(v -> v.problem().contains("9,990 more event types")),
        e.violations().toString());
  }
}
