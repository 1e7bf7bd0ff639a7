package dev.hookline.micrometer;

import dev.hookline.ErrorKind;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.delivery.AttemptResult.Outcome;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The default convention: observation {@value #NAME} (the timer's name), contextual name the HTTP
 * method (the span's name).
 *
 * <p>Low-cardinality keys (meter tags): {@code event.type}, and only when turned on, {@code tenant}
 * ({@code none} for the host's webhooks) and {@code webhook.id}; once the attempt ended, also
 * {@code outcome} ({@code succeeded}, {@code retry_scheduled}, {@code failed}, {@code
 * not_attempted}), {@code status} (the status class: {@code 1xx} … {@code 5xx}, {@code other} for a
 * code outside 100 to 599, or {@code none} without an answer) and {@code error.kind} (the {@link
 * ErrorKind} in lower case, or {@code none}). So the meter handler's long task timer of running
 * attempts is tagged by event type alone, and the timer of ended attempts by all of them.
 * High-cardinality keys (span attributes only): {@code hookline.delivery.id}, {@code
 * hookline.attempt.number}, and {@code hookline.webhook.id} unless it is a tag.
 *
 * <p>Immutable and thread-safe.
 */
public final class DefaultAttemptObservationConvention implements AttemptObservationConvention {
  /** The observation's name, and so the timer's. */
  public static final String NAME = "hookline.delivery.attempts";

  private static final String NONE = "none";

  /** Attempt numbers 1 to 15 as key values, made once. */
  private static final KeyValue[] ATTEMPT_NUMBERS = new KeyValue[16];

  static {
    for (int i = 1; i < ATTEMPT_NUMBERS.length; i++) {
      ATTEMPT_NUMBERS[i] = KeyValue.of("hookline.attempt.number", Integer.toString(i));
    }
  }

  /** More event types than this are not kept (a catalog has far fewer): their keys are built. */
  private static final int MAX_CACHED_EVENT_TYPES = 1024;

  private final boolean tenantTag;
  private final boolean webhookTag;
  private final ConcurrentHashMap<String, EventTypeKeys> byEventType = new ConcurrentHashMap<>();

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
    AttemptRequest request = context.request();
    KeyValues kv = keysOf(request.eventType()).get(context.result().orElse(null));
    if (tenantTag) {
      kv = kv.and("tenant", request.webhook().tenant().orElse(NONE));
    }
    if (webhookTag) {
      kv = kv.and("webhook.id", request.webhook().id());
    }
    return kv;
  }

  @Override
  public KeyValues getHighCardinalityKeyValues(AttemptObservationContext context) {
    // Asked when the observation starts and again when it stops: the same values both times.
    KeyValues cached = context.highCardinality(this);
    if (cached != null) {
      return cached;
    }
    AttemptRequest request = context.request();
    int n = request.attemptNumber();
    KeyValue attempt =
        n > 0 && n < ATTEMPT_NUMBERS.length
            ? ATTEMPT_NUMBERS[n]
            : KeyValue.of("hookline.attempt.number", Integer.toString(n));
    KeyValue delivery = KeyValue.of("hookline.delivery.id", request.deliveryId());
    // In key order, so that KeyValues need not sort them.
    KeyValues kv =
        webhookTag
            ? KeyValues.of(attempt, delivery)
            : KeyValues.of(
                attempt, delivery, KeyValue.of("hookline.webhook.id", request.webhook().id()));
    context.highCardinality(this, kv);
    return kv;
  }

  /**
   * The low-cardinality key values of one event type, made once: while running, and for each
   * outcome, status class and error kind. Attempts are many and these combinations few, so each
   * attempt reuses them instead of building and sorting new ones twice.
   *
   * <p>While running, an attempt has no outcome, status or error kind: its key values are the event
   * type alone, rather than three more that would always read {@code unknown} and {@code none}. The
   * meter handler looks its long task timer up by them on every attempt, and a lookup costs per tag
   * (a tag made, sorted, hashed and compared); at stop the ended key values replace them whole
   * (they cover the same key), without a copy.
   */
  private EventTypeKeys keysOf(String eventType) {
    EventTypeKeys keys = byEventType.get(eventType);
    if (keys != null) {
      return keys;
    }
    if (byEventType.size() >= MAX_CACHED_EVENT_TYPES) {
      return new EventTypeKeys(eventType); // an unusual number of types: build, do not keep
    }
    return byEventType.computeIfAbsent(eventType, EventTypeKeys::new);
  }

  /** The key values of one event type. Thread-safe: racing threads build equal values. */
  private static final class EventTypeKeys {
    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final ErrorKind[] ERROR_KINDS = ErrorKind.values();
    private static final int STATUS_CLASSES = 8; // none, 1xx ... 5xx, other, and a spare

    private final String eventType;
    private final KeyValues running;
    private final AtomicReferenceArray<KeyValues> ended =
        new AtomicReferenceArray<>(OUTCOMES.length * STATUS_CLASSES * (ERROR_KINDS.length + 1));

    EventTypeKeys(String eventType) {
      this.eventType = eventType;
      this.running = KeyValues.of(KeyValue.of("event.type", eventType));
    }

    // The ordinals index this process's own cache, never anything stored or sent.
    @SuppressWarnings("EnumOrdinal")
    KeyValues get(@Nullable AttemptResult r) {
      if (r == null) {
        return running;
      }
      int status = statusIndex(r.statusCode());
      int error = r.errorKind().map(k -> k.ordinal() + 1).orElse(0);
      int i = (r.outcome().ordinal() * STATUS_CLASSES + status) * (ERROR_KINDS.length + 1) + error;
      KeyValues kv = ended.get(i);
      if (kv == null) {
        kv =
            build(
                r.outcome().name().toLowerCase(Locale.ROOT),
                statusClass(r.statusCode()),
                error == 0 ? NONE : ERROR_KINDS[error - 1].name().toLowerCase(Locale.ROOT));
        ended.set(i, kv);
      }
      return kv;
    }

    private KeyValues build(String outcome, String status, String errorKind) {
      return KeyValues.of(
          KeyValue.of("outcome", outcome),
          KeyValue.of("status", status),
          KeyValue.of("error.kind", errorKind),
          KeyValue.of("event.type", eventType));
    }

    private static int statusIndex(OptionalInt status) {
      if (status.isEmpty()) {
        return 0;
      }
      int s = status.getAsInt();
      return s >= 100 && s < 600 ? s / 100 : 6;
    }
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
