package dev.hookline.micrometer;

import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The Observation context of one delivery attempt: the attempt, and once it ended, its result. What
 * an {@link AttemptObservationConvention} turns into a name and key values.
 *
 * <p>Its key values are kept as {@link KeyValues}, not in the maps of {@link Observation.Context},
 * with the same behaviour: a key added again replaces its value, and the getters return them sorted
 * by key. So the key values a convention made once are used as they are, instead of being copied
 * into a concurrent map at start and at stop and sorted out of it again each time a handler asks
 * for them (the meter handler asks twice per attempt).
 *
 * <p>One worker thread makes the attempt and observes it; changes to the key values are still
 * serialised, and visible to other threads, as with {@link Observation.Context}.
 *
 * <p>Otherwise not thread-safe: its {@link #result()} is set and read on that worker thread.
 */
public final class AttemptObservationContext extends Observation.Context {
  private final AttemptRequest request;
  private @Nullable AttemptResult result;

  /** A default convention's high-cardinality key values, made once per attempt, and which one. */
  private @Nullable KeyValues highCardinality;

  private @Nullable Object highCardinalityOf;

  private volatile KeyValues low = KeyValues.empty();
  private volatile KeyValues high = KeyValues.empty();

  /**
   * Creates the context of an attempt about to be made.
   *
   * @param request the attempt
   */
  public AttemptObservationContext(AttemptRequest request) {
    this.request = Objects.requireNonNull(request, "request");
  }

  /**
   * Returns the attempt.
   *
   * @return the attempt
   */
  public AttemptRequest request() {
    return request;
  }

  /**
   * Returns the attempt's result, once it ended.
   *
   * @return the result, or empty while the attempt runs
   */
  public Optional<AttemptResult> result() {
    return Optional.ofNullable(result);
  }

  void result(AttemptResult result) {
    this.result = result;
  }

  @Nullable KeyValues highCardinality(Object convention) {
    return highCardinalityOf == convention ? highCardinality : null;
  }

  void highCardinality(Object convention, KeyValues keyValues) {
    this.highCardinalityOf = convention;
    this.highCardinality = keyValues;
  }

  @Override
  public synchronized Observation.Context addLowCardinalityKeyValue(KeyValue keyValue) {
    low = low.and(keyValue);
    return this;
  }

  @Override
  public synchronized Observation.Context addHighCardinalityKeyValue(KeyValue keyValue) {
    high = high.and(keyValue);
    return this;
  }

  @Override
  public synchronized Observation.Context addLowCardinalityKeyValues(KeyValues keyValues) {
    low = merge(low, keyValues);
    return this;
  }

  @Override
  public synchronized Observation.Context addHighCardinalityKeyValues(KeyValues keyValues) {
    high = merge(high, keyValues);
    return this;
  }

  @Override
  public synchronized Observation.Context removeLowCardinalityKeyValue(String keyName) {
    low = without(low, keyName);
    return this;
  }

  @Override
  public synchronized Observation.Context removeHighCardinalityKeyValue(String keyName) {
    high = without(high, keyName);
    return this;
  }

  @Override
  public synchronized Observation.Context removeLowCardinalityKeyValues(String... keyNames) {
    for (String keyName : keyNames) {
      low = without(low, keyName);
    }
    return this;
  }

  @Override
  public synchronized Observation.Context removeHighCardinalityKeyValues(String... keyNames) {
    for (String keyName : keyNames) {
      high = without(high, keyName);
    }
    return this;
  }

  @Override
  public KeyValues getLowCardinalityKeyValues() {
    return low;
  }

  @Override
  public KeyValues getHighCardinalityKeyValues() {
    return high;
  }

  @Override
  public @Nullable KeyValue getLowCardinalityKeyValue(String key) {
    return find(low, key);
  }

  @Override
  public @Nullable KeyValue getHighCardinalityKeyValue(String key) {
    return find(high, key);
  }

  /**
   * {@code current} with {@code added}, whose values win on the same key. The convention hands over
   * the same key values (or ones with the same keys) at start and at stop: then they are used as
   * they are, with no copy.
   */
  // Identity first: the same instance is the common case, and cheaper than comparing values.
  @SuppressWarnings("ReferenceEquality")
  static KeyValues merge(KeyValues current, KeyValues added) {
    if (current == added || current == KeyValues.empty() || coversKeys(added, current)) {
      return added;
    }
    return current.and(added);
  }

  /** Whether every key of {@code b} is a key of {@code a}; both are sorted by key. */
  private static boolean coversKeys(KeyValues a, KeyValues b) {
    Iterator<KeyValue> in = a.iterator();
    for (KeyValue kv : b) {
      String key = kv.getKey();
      while (true) {
        if (!in.hasNext()) {
          return false;
        }
        int cmp = in.next().getKey().compareTo(key);
        if (cmp == 0) {
          break;
        }
        if (cmp > 0) {
          return false;
        }
      }
    }
    return true;
  }

  private static KeyValues without(KeyValues keyValues, String key) {
    if (find(keyValues, key) == null) {
      return keyValues;
    }
    return KeyValues.of(keyValues.stream().filter(kv -> !kv.getKey().equals(key)).toList());
  }

  private static @Nullable KeyValue find(KeyValues keyValues, String key) {
    for (KeyValue kv : keyValues) {
      if (kv.getKey().equals(key)) {
        return kv;
      }
    }
    return null;
  }
}
