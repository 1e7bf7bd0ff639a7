package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.store.InMemoryStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A change listener that throws an {@code Error} (a {@code LinkageError} from a tracing or metrics
 * library of the wrong version) costs that listener its notice, never the caller's change nor the
 * other listeners' notices; the JVM's own errors still go through.
 */
class ChangeListenerErrorTest {
  private final WebhookRegistry registry =
      WebhookRegistry.builder().store(new InMemoryStore()).build();

  private Webhook create() {
    return registry.create(
        WebhookDefinition.builder()
            .name("listened")
            .uri("https://hooks.example.com/listened")
            .apiKey("k3y-0123456789-abcdef")
            .events(UserEvents.CREATED)
            .build());
  }

  @Test
  void aListenersLinkageErrorNeitherFailsTheChangeNorSilencesTheOthers() {
    List<String> told = new ArrayList<>();
    registry.addChangeListener(
        (id, current) -> {
          throw new NoClassDefFoundError("io/opentelemetry/api/trace/Span");
        });
    registry.addChangeListener((id, current) -> told.add(id + (current.isPresent() ? "+" : "-")));

    Webhook w = create(); // threw NoClassDefFoundError before
    registry.delete(w.id());

    assertTrue(registry.get(w.id()).isEmpty(), "deleted");
    assertEquals(List.of(w.id() + "+", w.id() + "-"), told);
  }

  @Test
  void theJvmsOwnErrorsStillGoThrough() {
    registry.addChangeListener(
        (id, current) -> {
          throw new OutOfMemoryError("listener");
        });
    assertThrows(OutOfMemoryError.class, this::create);
  }
}
