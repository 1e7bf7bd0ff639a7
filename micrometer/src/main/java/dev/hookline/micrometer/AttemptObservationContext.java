package dev.hookline.micrometer;

import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The Observation context of one delivery attempt: the attempt, and once it ended, its result. What
 * an {@link AttemptObservationConvention} turns into a name and key values.
 *
 * <p>Not thread-safe: one worker thread makes the attempt and observes it.
 */
public final class AttemptObservationContext extends Observation.Context {
  private final AttemptRequest request;
  private @Nullable AttemptResult result;

  /** A default convention's high-cardinality key values, made once per attempt, and which one. */
  private @Nullable KeyValues highCardinality;

  private @Nullable Object highCardinalityOf;

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
}
