package dev.hookline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.hookline.Delivery;
import dev.hookline.Webhook;
import dev.hookline.delivery.AttemptRequest;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The attempt context keeps its key values as {@link KeyValues} rather than in maps: it must behave
 * exactly as {@link Observation.Context} does, and take a convention's key values as they are.
 */
class AttemptObservationContextTest {

  private static AttemptObservationContext context() {
    return new AttemptObservationContext(new NoRequest());
  }

  /** Runs the same changes on a plain Observation.Context and on the attempt context. */
  private static void assertSameAsObservationContext(Consumer<Observation.Context> changes) {
    Observation.Context plain = new Observation.Context();
    AttemptObservationContext attempt = context();
    changes.accept(plain);
    changes.accept(attempt);
    assertEquals(plain.getLowCardinalityKeyValues(), attempt.getLowCardinalityKeyValues());
    assertEquals(plain.getHighCardinalityKeyValues(), attempt.getHighCardinalityKeyValues());
    assertEquals(plain.getAllKeyValues(), attempt.getAllKeyValues());
    for (String key : List.of("a", "b", "c", "d", "e", "z")) {
      assertEquals(plain.getLowCardinalityKeyValue(key), attempt.getLowCardinalityKeyValue(key));
      assertEquals(plain.getHighCardinalityKeyValue(key), attempt.getHighCardinalityKeyValue(key));
    }
  }

  @Test
  void keyValuesBehaveAsInObservationContext() {
    assertSameAsObservationContext(c -> {});
    assertSameAsObservationContext(
        c -> c.addLowCardinalityKeyValue(KeyValue.of("b", "1")).addLowCardinalityKeyValue(kv("a")));
    // a key added again replaces its value, one by one or in a batch
    assertSameAsObservationContext(
        c ->
            c.addLowCardinalityKeyValue(KeyValue.of("b", "1"))
                .addLowCardinalityKeyValue(KeyValue.of("b", "2"))
                .addLowCardinalityKeyValues(KeyValues.of("c", "3", "b", "4")));
    // a batch with other keys merges
    assertSameAsObservationContext(
        c ->
            c.addLowCardinalityKeyValues(KeyValues.of("a", "1", "c", "1"))
                .addLowCardinalityKeyValues(KeyValues.of("b", "2", "c", "2", "d", "2")));
    // an empty batch changes nothing
    assertSameAsObservationContext(
        c ->
            c.addLowCardinalityKeyValues(KeyValues.of("a", "1"))
                .addLowCardinalityKeyValues(KeyValues.empty()));
    // removal, of present and absent keys
    assertSameAsObservationContext(
        c ->
            c.addLowCardinalityKeyValues(KeyValues.of("a", "1", "b", "1", "c", "1"))
                .removeLowCardinalityKeyValue("b")
                .removeLowCardinalityKeyValue("z")
                .removeLowCardinalityKeyValues("a", "e"));
    // high cardinality is its own set, with the same rules
    assertSameAsObservationContext(
        c ->
            c.addLowCardinalityKeyValues(KeyValues.of("a", "low"))
                .addHighCardinalityKeyValues(KeyValues.of("a", "high", "d", "1"))
                .addHighCardinalityKeyValue(KeyValue.of("d", "2"))
                .addHighCardinalityKeyValues(KeyValues.of("e", "3"))
                .removeHighCardinalityKeyValue("a")
                .removeHighCardinalityKeyValues("z"));
  }

  @Test
  void aConventionsKeyValuesAreTakenAsTheyAre() {
    AttemptObservationContext c = context();
    KeyValues running = KeyValues.of("outcome", "unknown", "status", "none", "event.type", "x");
    KeyValues ended = KeyValues.of("outcome", "succeeded", "status", "2xx", "event.type", "x");
    c.addLowCardinalityKeyValues(running);
    assertSame(running, c.getLowCardinalityKeyValues());
    // at stop: the same keys with other values replace them all, without a copy
    c.addLowCardinalityKeyValues(ended);
    assertSame(ended, c.getLowCardinalityKeyValues());
    // the same instance again changes nothing
    c.addLowCardinalityKeyValues(ended);
    assertSame(ended, c.getLowCardinalityKeyValues());
    // fewer keys do not drop the others
    c.addLowCardinalityKeyValues(KeyValues.of("status", "5xx"));
    assertEquals(
        KeyValues.of("outcome", "succeeded", "status", "5xx", "event.type", "x"),
        c.getLowCardinalityKeyValues());
    KeyValues high = KeyValues.of("hookline.delivery.id", "dlv_1");
    c.addHighCardinalityKeyValues(high);
    c.addHighCardinalityKeyValues(high);
    assertSame(high, c.getHighCardinalityKeyValues());
    assertNull(c.getHighCardinalityKeyValue("outcome"));
  }

  private static KeyValue kv(String key) {
    return KeyValue.of(key, key + "-value");
  }

  /** The context never reads its request. */
  private static final class NoRequest implements AttemptRequest {
    @Override
    public Delivery delivery() {
      throw new AssertionError("not read");
    }

    @Override
    public Webhook webhook() {
      throw new AssertionError("not read");
    }

    @Override
    public int attemptNumber() {
      return 1;
    }

    @Override
    public String method() {
      return "POST";
    }

    @Override
    public URI uri() {
      throw new AssertionError("not read");
    }

    @Override
    public String redactedUri() {
      throw new AssertionError("not read");
    }

    @Override
    public AttemptRequest header(String name, String value) {
      return this;
    }
  }
}
