package dev.hookline.otel;

import dev.hookline.ErrorKind;
import dev.hookline.Webhook;
import dev.hookline.WebhookChangeListener;
import dev.hookline.WebhookRegistry;
import dev.hookline.delivery.AttemptObserver;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.delivery.AttemptResult;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.PublishContextCapturer;
import dev.hookline.otel.internal.Endpoints;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.instrumenter.SpanKindExtractor;
import io.opentelemetry.instrumentation.api.instrumenter.SpanStatusExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesGetter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanNameExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanStatusExtractor;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * OpenTelemetry tracing of delivery attempts: an {@link AttemptObserver} that makes one {@code
 * CLIENT} span per attempt, named by the HTTP method, with the stable HTTP client attributes
 * ({@code http.request.method}, {@code url.full} redacted like Hookline's logs, {@code
 * server.address}, {@code server.port}, {@code http.response.status_code}, {@code error.type},
 * {@code http.request.resend_count} on retries) and {@code hookline.event.type}, {@code
 * hookline.delivery.id}, {@code hookline.attempt.number}, {@code hookline.webhook.id}.
 *
 * <p>Attempts run later than the publish, maybe in another process, so an attempt's span is not a
 * child of the publishing span but <em>links</em> to it: set {@link #publishContextCapturer()} on
 * the dispatcher, which keeps the publishing thread's {@code traceparent} with each delivery (in
 * the Store, across restarts).
 *
 * <p>A customer's endpoint gets a {@code traceparent} header (of the attempt's span) only if its
 * webhook is chosen by {@link Builder#propagateTo}; {@code tracestate} and baggage are never sent,
 * whatever the application's global propagators are.
 *
 * <pre>{@code
 * HooklineTelemetry tracing = HooklineTelemetry.builder(openTelemetry)
 *     .propagateTo(w -> w.tenant().map(trusted::contains).orElse(true)).build();
 * Dispatcher.builder().registry(registry)
 *     .publishContext(tracing.publishContextCapturer())
 *     .attemptObserver(tracing)...
 * }</pre>
 *
 * <p>The span's endpoint attributes are made once per webhook (and version), and kept for at most
 * {@value #MAX_ENDPOINTS} webhooks; set {@link Builder#registry} so that a deleted webhook's are
 * dropped. They hold no secret: the URI only in its redacted form.
 *
 * <p>Thread-safe. The span is current on the worker thread from before the request is built until
 * its outcome is known, except while the HTTP client takes the request: then a context with no span
 * and no baggage is current (see {@link AttemptObserver.Scope#beforeSend}), so that an agent that
 * instruments {@code java.net.http} sends nothing of its own.
 */
public final class HooklineTelemetry
    implements AttemptObserver, WebhookChangeListener, AutoCloseable {
  /** The most webhooks whose endpoint attributes are kept. */
  public static final int MAX_ENDPOINTS = 10_000;

  static final String INSTRUMENTATION_NAME = "dev.hookline.otel";
  static final String TRACEPARENT = "traceparent";

  static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("hookline.event.type");
  static final AttributeKey<String> DELIVERY_ID = AttributeKey.stringKey("hookline.delivery.id");
  static final AttributeKey<Long> ATTEMPT_NUMBER = AttributeKey.longKey("hookline.attempt.number");
  static final AttributeKey<String> WEBHOOK_ID = AttributeKey.stringKey("hookline.webhook.id");
  static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private final Instrumenter<Call, AttemptResult> instrumenter;
  private final Predicate<? super Webhook> propagateTo;
  private final Endpoints endpoints = new Endpoints(MAX_ENDPOINTS);
  private final @Nullable WebhookRegistry registry;

  /** An attempt and its endpoint: what the instrumenter reads. */
  private record Call(AttemptRequest request, Endpoints.Endpoint endpoint) {}

  private HooklineTelemetry(Builder b) {
    this.propagateTo = b.propagateTo;
    Getter getter = new Getter();
    SpanStatusExtractor<Call, AttemptResult> httpStatus = HttpSpanStatusExtractor.create(getter);
    this.instrumenter =
        Instrumenter.<Call, AttemptResult>builder(
                b.openTelemetry, INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(getter))
            .setSpanStatusExtractor(
                (status, request, result, error) -> {
                  if (result != null
                      && (result.errorKind().isPresent()
                          || failedUnsent(result)
                          || redirected(result))) {
                    // No answer (timeout, refused, ...), or a redirect, which is never followed:
                    // the delivery failed, as it does for a 4xx.
                    status.setStatus(StatusCode.ERROR);
                  } else {
                    httpStatus.extract(status, request, result, error);
                  }
                })
            .addAttributesExtractor(HttpClientAttributesExtractor.create(getter))
            .addAttributesExtractor(new HooklineAttributes())
            .addSpanLinksExtractor(
                (links, parent, call) -> publishSpan(call.request()).ifPresent(links::addLink))
            .buildInstrumenter(SpanKindExtractor.alwaysClient());
    this.registry = b.registry;
    if (registry != null) {
      registry.addChangeListener(this);
    }
  }

  /**
   * Starts a builder.
   *
   * @param openTelemetry the OpenTelemetry instance whose tracer makes the spans
   * @return a new builder
   */
  public static Builder builder(OpenTelemetry openTelemetry) {
    return new Builder(openTelemetry);
  }

  /**
   * Returns the capturer to set with {@link Dispatcher.Builder#publishContext}: it keeps the W3C
   * {@code traceparent} of the span current on the publishing thread (nothing if none is valid), so
   * that attempt spans can link to it.
   *
   * @return the capturer
   */
  public PublishContextCapturer publishContextCapturer() {
    return event -> {
      Context current = Context.current();
      if (!Span.fromContext(current).getSpanContext().isValid()) {
        return Optional.empty();
      }
      String[] traceparent = new String[1];
      W3C.inject(
          current,
          traceparent,
          (carrier, key, value) -> {
            if (carrier != null && TRACEPARENT.equals(key)) {
              carrier[0] = value;
            }
          });
      return Optional.ofNullable(traceparent[0]);
    };
  }

  // The context stays current from before the attempt until its outcome: the scope is closed by
  // the returned Scope, which the dispatcher calls once, on this same thread.
  @SuppressWarnings("MustBeClosedChecker")
  @Override
  public AttemptObserver.Scope beforeAttempt(AttemptRequest request) {
    Context parent = Context.current();
    if (isPublishingSpan(parent, request)) {
      // Handed off at publish to a worker executor that carries the submitter's context (the Java
      // agent does so to every executor): the publishing span is current here. The attempt links
      // to it (its traceparent is kept with the delivery); it is not its child, nor in its trace.
      parent = Context.root();
    }
    Call call = new Call(request, endpoints.of(request));
    if (!instrumenter.shouldStart(parent, call)) {
      // Another HTTP client span is current (carried into the worker): no span of ours, but while
      // the client takes the request, neither that span nor any baggage is current, as below.
      Context unobserved = parent;
      return new AttemptObserver.Scope() {
        @Override
        public void afterAttempt(AttemptResult result) {}

        @Override
        public Runnable beforeSend() {
          return sending(unobserved);
        }
      };
    }
    // Asked before the span starts. One that throws does not take the attempt's scope with it:
    // then the worker's context (under the agent, perhaps the publisher's, baggage and all) was
    // current while the client took the request, and the agent sent it. It counts as false, and
    // its failure is thrown once the span has ended, for the dispatcher to log.
    boolean propagate = false;
    @Nullable RuntimeException thrown = null;
    try {
      propagate = propagateTo.test(request.webhook());
    } catch (RuntimeException e) {
      thrown = e;
    }
    @Nullable RuntimeException predicateFailed = thrown;
    Context context = instrumenter.start(parent, call);
    if (propagate) {
      // Only traceparent: the setter drops tracestate, and baggage is never injected.
      W3C.inject(context, request, HEADER_SETTER);
    }
    io.opentelemetry.context.Scope scope = context.makeCurrent();
    return new AttemptObserver.Scope() {
      @Override
      public void afterAttempt(AttemptResult result) {
        scope.close();
        instrumenter.end(context, call, result, null);
        if (predicateFailed != null) {
          throw predicateFailed;
        }
      }

      @Override
      public Runnable beforeSend() {
        return sending(context);
      }
    };
  }

  /**
   * Makes current, while the HTTP client takes the request, {@code context} without its span and
   * without baggage, so that an agent that injects the current context into every request (the
   * OpenTelemetry Java agent's java.net.http instrumentation) finds nothing to send: the
   * traceparent header, if the webhook gets one, was added before. The attempt's span (or the HTTP
   * client span it was suppressed under) stays known to instrumentation as this thread's HTTP
   * client span, so the agent makes no span of its own for the request (it would inject that one's
   * context instead).
   */
  @SuppressWarnings("MustBeClosedChecker") // closed by the returned Runnable, on this thread
  private static Runnable sending(Context context) {
    io.opentelemetry.context.Scope sending =
        context.with(Span.getInvalid()).with(Baggage.empty()).makeCurrent();
    return sending::close;
  }

  /**
   * Whether the attempt ended before a request went out, for a reason of Hookline's own (a failure
   * inside the dispatcher, a send refused for a local reason): not made, with no status and no
   * {@link ErrorKind} to tell. Its span is an error ({@code error.type=internal}), not a request
   * that went well.
   */
  static boolean failedUnsent(AttemptResult result) {
    return result.outcome() == AttemptResult.Outcome.NOT_ATTEMPTED
        && result.statusCode().isEmpty()
        && result.errorKind().isEmpty();
  }

  /**
   * Whether the endpoint answered with a redirect. Hookline never follows one (its target could be
   * an address the endpoint checks refuse), so the attempt failed: the conventions leave a 3xx
   * client span unset unless the redirect ends in an error, as here it does at once.
   */
  static boolean redirected(AttemptResult result) {
    if (result.statusCode().isEmpty()) {
      return false;
    }
    int status = result.statusCode().getAsInt();
    return status >= 300 && status < 400;
  }

  /** Whether the context's span is the one the delivery was published in. */
  private static boolean isPublishingSpan(Context context, AttemptRequest request) {
    SpanContext current = Span.fromContext(context).getSpanContext();
    if (!current.isValid()) {
      return false; // the usual case: nothing current on a worker thread
    }
    Optional<SpanContext> publish = publishSpan(request);
    return publish.isPresent()
        && publish.get().getSpanId().equals(current.getSpanId())
        && publish.get().getTraceId().equals(current.getTraceId());
  }

  private static final TextMapSetter<AttemptRequest> HEADER_SETTER =
      (request, key, value) -> {
        if (request != null && TRACEPARENT.equals(key)) {
          request.header(TRACEPARENT, value);
        }
      };

  /** The publishing span, from the traceparent kept with the delivery. */
  static Optional<SpanContext> publishSpan(AttemptRequest request) {
    Optional<String> traceparent = request.publishContext();
    if (traceparent.isEmpty()) {
      return Optional.empty();
    }
    Context extracted = W3C.extract(Context.root(), traceparent.get(), TRACEPARENT_GETTER);
    SpanContext span = Span.fromContext(extracted).getSpanContext();
    return span.isValid() ? Optional.of(span) : Optional.empty();
  }

  private static final TextMapGetter<String> TRACEPARENT_GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
          return Set.of(TRACEPARENT);
        }

        @Override
        public @Nullable String get(@Nullable String carrier, String key) {
          return TRACEPARENT.equals(key) ? carrier : null;
        }
      };

  /**
   * Drops a deleted webhook's endpoint attributes. Called by the registry set with {@link
   * Builder#registry}.
   *
   * @param webhookId the changed webhook
   * @param current its state now; empty if deleted
   */
  @Override
  public void onChange(String webhookId, Optional<Webhook> current) {
    if (current.isEmpty()) {
      endpoints.remove(webhookId);
    }
  }

  /**
   * Drops a deleted webhook's endpoint attributes. Called by the dispatcher this observes, for
   * deletions made here and, through the Store's change feed or a reload, by other instances.
   *
   * @param webhookId the deleted webhook
   */
  @Override
  public void webhookDeleted(String webhookId) {
    endpoints.remove(webhookId);
  }

  /** Returns how many webhooks' endpoint attributes are kept (for tests). */
  int endpointsKept() {
    return endpoints.size();
  }

  /** Stops listening to the {@link Builder#registry}, if one was set. Idempotent. */
  @Override
  public void close() {
    WebhookRegistry r = registry;
    if (r != null) {
      r.removeChangeListener(this);
    }
  }

  @Override
  public String toString() {
    return "HooklineTelemetry[" + INSTRUMENTATION_NAME + "]";
  }

  /** The HTTP client semantic conventions, read from an attempt and its result. */
  private static final class Getter implements HttpClientAttributesGetter<Call, AttemptResult> {
    /** HTTP status codes 100 to 599, boxed once. */
    private static final Integer[] STATUS_CODES = new Integer[500];

    static {
      for (int i = 0; i < STATUS_CODES.length; i++) {
        STATUS_CODES[i] = 100 + i;
      }
    }

    private static final Map<ErrorKind, String> ERROR_TYPES = new EnumMap<>(ErrorKind.class);

    static {
      for (ErrorKind k : ErrorKind.values()) {
        ERROR_TYPES.put(k, k.name().toLowerCase(Locale.ROOT));
      }
    }

    @Override
    public String getHttpRequestMethod(Call call) {
      return call.request().method();
    }

    @Override
    public String getUrlFull(Call call) {
      return call.endpoint().urlFull();
    }

    @Override
    public @Nullable String getServerAddress(Call call) {
      return call.endpoint().host();
    }

    @Override
    public @Nullable Integer getServerPort(Call call) {
      return call.endpoint().port();
    }

    @Override
    public List<String> getHttpRequestHeader(Call call, String name) {
      return List.of();
    }

    @Override
    public @Nullable Integer getHttpResponseStatusCode(
        Call call, @Nullable AttemptResult result, @Nullable Throwable error) {
      if (result == null || result.statusCode().isEmpty()) {
        return null;
      }
      int status = result.statusCode().getAsInt();
      return status >= 100 && status < 600 ? STATUS_CODES[status - 100] : Integer.valueOf(status);
    }

    @Override
    public List<String> getHttpResponseHeader(
        Call call, @Nullable AttemptResult result, String name) {
      return List.of();
    }

    @Override
    public @Nullable String getErrorType(
        Call call, @Nullable AttemptResult result, @Nullable Throwable error) {
      if (result == null) {
        return null;
      }
      if (result.errorKind().isEmpty()) {
        return failedUnsent(result) ? ERROR_TYPES.get(ErrorKind.INTERNAL) : null;
      }
      return ERROR_TYPES.get(result.errorKind().get());
    }
  }

  /** Hookline's own attributes, the resend count of a retry and the error type of a redirect. */
  private static final class HooklineAttributes
      implements AttributesExtractor<Call, AttemptResult> {
    @Override
    public void onStart(AttributesBuilder attributes, Context parent, Call call) {
      AttemptRequest request = call.request();
      attributes.put(EVENT_TYPE, request.eventType());
      attributes.put(DELIVERY_ID, request.deliveryId());
      attributes.put(ATTEMPT_NUMBER, (long) request.attemptNumber());
      attributes.put(WEBHOOK_ID, request.webhook().id());
      if (request.attemptNumber() > 1) {
        // Retries are separate executions, so the instrumentation API cannot count them itself.
        attributes.put(RESEND_COUNT, (long) request.attemptNumber() - 1);
      }
    }

    @Override
    public void onEnd(
        AttributesBuilder attributes,
        Context context,
        Call call,
        @Nullable AttemptResult result,
        @Nullable Throwable error) {
      if (result != null && redirected(result)) {
        // The conventions' extractor asks for an error type only for a status they count as an
        // error (4xx, 5xx); a redirect is one here. Its code, as for a 4xx.
        attributes.put(ERROR_TYPE, Integer.toString(result.statusCode().getAsInt()));
      }
    }
  }

  /** Builds {@link HooklineTelemetry}. Not thread-safe. */
  public static final class Builder {
    private final OpenTelemetry openTelemetry;
    private Predicate<? super Webhook> propagateTo = w -> false;
    private @Nullable WebhookRegistry registry;

    private Builder(OpenTelemetry openTelemetry) {
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
    }

    /**
     * Chooses the webhooks whose endpoints get a {@code traceparent} header, the opt-in that lets a
     * customer's own tracing continue the trace. Called before each attempt, on a worker thread: it
     * must be fast, thread-safe and not throw. One that throws counts as false for that attempt,
     * and its exception is thrown from the attempt's scope once the span has ended (the dispatcher
     * logs it). Default: none.
     *
     * @param webhooks which webhooks get it
     * @return this builder
     */
    public Builder propagateTo(Predicate<? super Webhook> webhooks) {
      this.propagateTo = Objects.requireNonNull(webhooks, "webhooks");
      return this;
    }

    /**
     * Listens to the registry, to drop the cached endpoint attributes of deleted webhooks.
     *
     * @param registry the registry the {@link Dispatcher} uses
     * @return this builder
     */
    public Builder registry(WebhookRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Builds the tracing; registers it as a change listener of the {@link #registry} (until {@link
     * HooklineTelemetry#close()}).
     *
     * @return the tracing
     */
    public HooklineTelemetry build() {
      return new HooklineTelemetry(this);
    }
  }
}
