package dev.hookline.micrometer;

import dev.hookline.ErrorKind;
import dev.hookline.delivery.AttemptResult;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The default convention: observation {@value #NAME} (the timer's name), contextual name the HTTP
 * method (the span's name).
 *
 * <p>Low-cardinality keys (meter tags): {@code outcome} ({@code succeeded}, {@code
 * retry_scheduled}, {@code failed}, {@code not_attempted}, or {@code unknown} while running),
 * {@code status} (the status class: {@code 2xx} … {@code 5xx}, or {@code none} without an answer),
 * {@code error.kind} (the {@link ErrorKind} in lower case, or {@code none}), {@code event.type},
 * and only when turned on, {@code tenant} ({@code none} for the host's webhooks) and {@code
 * webhook.id}. High-cardinality keys (span attributes only): {@code hookline.delivery.id}, {@code
 * hookline.attempt.number}, and {@code hookline.webhook.id} unless it is a tag.
 *
 * <p>Immutable and thread-safe.
 */
public final class DefaultAttemptObservationConvention implements AttemptObservationConvention {
  /** The observation's name, and so the timer's. */
  public static final String NAME = "hookline.delivery.attempts";

  private static final String NONE = "none";

  private final boolean tenantTag;
  private final boolean webhookTag;

  private DefaultAttemptObservationConvention(boolean tenantTag, boolean webhookTag) {
    this.tenantTag = tenantTag;
    this.webhookTag = webhookTag;
  }

  /**
   * Returns the convention without tenant or webhook tags: the default, safe on a multi-tenant
   * platform.
   *
   * @return the convention
   */
  public static DefaultAttemptObservationConvention create() {
    return new DefaultAttemptObservationConvention(false, false);
  }

  /**
   * Returns the convention with the chosen opt-in tags. Each tenant (or webhook) adds a time series
   * per other tag combination: turn them on only when their number is small.
   *
   * @param tenantTag whether to tag with {@code tenant}
   * @param webhookTag whether to tag with {@code webhook.id}
   * @return the convention
   */
  public static DefaultAttemptObservationConvention withTags(
      boolean tenantTag, boolean webhookTag) {
    return new DefaultAttemptObservationConvention(tenantTag, webhookTag);
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public String getContextualName(AttemptObservationContext context) {
    return context.request().method();
  }

  @Override
  public KeyValues getLowCardinalityKeyValues(AttemptObservationContext context) {
    String outcome = "unknown";
    String status = NONE;
    String errorKind = NONE;
    if (context.result().isPresent()) {
      AttemptResult r = context.result().get();
      outcome = r.outcome().name().toLowerCase(Locale.ROOT);
      status = statusClass(r.statusCode());
      errorKind = r.errorKind().map(k -> k.name().toLowerCase(Locale.ROOT)).orElse(NONE);
    }
    KeyValues kv =
        KeyValues.of(
            KeyValue.of("outcome", outcome),
            KeyValue.of("status", status),
            KeyValue.of("error.kind", errorKind),
            KeyValue.of("event.type", context.request().eventType()));
    if (tenantTag) {
      kv = kv.and("tenant", context.request().webhook().tenant().orElse(NONE));
    }
    if (webhookTag) {
      kv = kv.and("webhook.id", context.request().webhook().id());
    }
    return kv;
  }

  @Override
  public KeyValues getHighCardinalityKeyValues(AttemptObservationContext context) {
    KeyValues kv =
        KeyValues.of(
            KeyValue.of("hookline.delivery.id", context.request().deliveryId()),
            KeyValue.of(
                "hookline.attempt.number", Integer.toString(context.request().attemptNumber())));
    return webhookTag ? kv : kv.and("hookline.webhook.id", context.request().webhook().id());
  }

  /**
   * Returns whether this convention tags with {@code tenant}.
   *
   * @return true if on
   */
  boolean tenantTag() {
    return tenantTag;
  }

  /**
   * Returns whether this convention tags with {@code webhook.id}.
   *
   * @return true if on
   */
  boolean webhookTag() {
    return webhookTag;
  }

  static String statusClass(OptionalInt status) {
    if (status.isEmpty()) {
      return NONE;
    }
    int s = status.getAsInt();
    return s >= 100 && s < 600 ? (s / 100) + "xx" : "other";
  }
}
