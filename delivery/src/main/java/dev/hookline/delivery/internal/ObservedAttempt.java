package dev.hookline.delivery.internal;

import dev.hookline.Delivery;
import dev.hookline.Webhook;
import dev.hookline.delivery.AttemptRequest;
import dev.hookline.internal.UriDisplay;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@link AttemptRequest} an observer sees: the attempt's facts, and the headers it added, which
 * are applied to the request before Hookline's own. Not thread-safe: one worker thread uses it.
 */
public final class ObservedAttempt implements AttemptRequest {
  /** Hookline's headers and those the JDK client manages itself: never set by an observer. */
  private static final Set<String> RESERVED =
      Set.of(
          "authorization",
          "content-type",
          "content-length",
          "user-agent",
          "host",
          "connection",
          "expect",
          "upgrade",
          "x-verification-key");

  private final Delivery delivery;
  private final Webhook webhook;
  private final int attemptNumber;

  /** Name, value, name, value, ...; made when an observer adds the first (most never do). */
  private @Nullable List<String> headers;

  private boolean sealed;

  public ObservedAttempt(Delivery delivery, Webhook webhook, int attemptNumber) {
    this.delivery = delivery;
    this.webhook = webhook;
    this.attemptNumber = attemptNumber;
  }

  @Override
  public Delivery delivery() {
    return delivery;
  }

  @Override
  public Webhook webhook() {
    return webhook;
  }

  @Override
  public int attemptNumber() {
    return attemptNumber;
  }

  @Override
  public String method() {
    return "POST";
  }

  @Override
  public URI uri() {
    return webhook.uri();
  }

  @Override
  public String redactedUri() {
    return UriDisplay.of(webhook.uri());
  }

  @Override
  public AttemptRequest header(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (sealed) {
      throw new IllegalStateException(
          "headers can be added only while AttemptObserver.beforeAttempt runs");
    }
    if (!HttpFields.isToken(name)) {
      throw new IllegalArgumentException(
          "header name is not an HTTP token: " + name.length() + " characters");
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (RESERVED.contains(lower) || lower.startsWith("webhook-")) {
      throw new IllegalArgumentException(
          "header '" + name + "' is Hookline's own or the HTTP client's and cannot be set");
    }
    if (!isFieldValue(value)) {
      // Never quote the value: it may be a credential.
      throw new IllegalArgumentException(
          "the value of header '" + name + "' is not printable ASCII");
    }
    List<String> h = headers;
    if (h == null) {
      h = new ArrayList<>(4);
      headers = h;
    }
    h.add(name);
    h.add(value);
    return this;
  }

  /** Ends the window in which headers can be added. */
  void seal() {
    sealed = true;
  }

  /** Adds the observer's headers to the request. */
  void applyTo(HttpRequest.Builder request) {
    applyTo(request, Set.of());
  }

  /**
   * Adds the observer's headers to the request, except those named (case-insensitively) in {@code
   * taken}.
   */
  void applyTo(HttpRequest.Builder request, Set<String> taken) {
    List<String> h = headers;
    if (h == null) {
      return;
    }
    for (int i = 0; i < h.size(); i += 2) {
      if (!isTaken(h.get(i), taken)) {
        request.header(h.get(i), h.get(i + 1));
      }
    }
  }

  private static boolean isTaken(String name, Set<String> taken) {
    for (String t : taken) {
      if (t.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isFieldValue(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "AttemptRequest[delivery="
        + delivery.id()
        + ", webhook="
        + webhook.id()
        + ", attempt="
        + attemptNumber
        + "]";
  }
}
