package dev.hookline.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request as a {@link RecordingReceiver} received it: the method, the request target, the
 * headers with their names and values as sent, the raw body bytes and when it arrived.
 *
 * <p>Immutable and thread-safe. {@link #toString()} names no header and no body byte, so a recorded
 * API key or signature never lands in a test report by accident.
 */
public final class RecordedRequest {
  private final String method;
  private final String target;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final boolean truncated;
  private final Instant receivedAt;

  RecordedRequest(
      String method,
      String target,
      Map<String, List<String>> headers,
      byte[] body,
      boolean truncated,
      Instant receivedAt) {
    this.method = Objects.requireNonNull(method, "method");
    this.target = Objects.requireNonNull(target, "target");
    TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) ->
            copy.computeIfAbsent(name, k -> new ArrayList<>()).addAll(List.copyOf(values)));
    copy.replaceAll((name, values) -> List.copyOf(values));
    this.headers = Collections.unmodifiableMap(copy);
    this.body = body.clone();
    this.truncated = truncated;
    this.receivedAt = Objects.requireNonNull(receivedAt, "receivedAt");
  }

  /**
   * Returns the HTTP method, as sent ({@code POST}, {@code GET}).
   *
   * @return the method
   */
  public String method() {
    return method;
  }

  /**
   * Returns the request target as sent: the path with its query, if any ({@code /hooks?a=1}).
   *
   * @return the target
   */
  public String target() {
    return target;
  }

  /**
   * Returns the path: the {@linkplain #target() target} up to its first {@code ?}.
   *
   * @return the path, still percent-encoded as sent
   */
  public String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  /**
   * Returns the query: the {@linkplain #target() target} after its first {@code ?}.
   *
   * @return the raw query, or empty if the target has no {@code ?}
   */
  public Optional<String> query() {
    int q = target.indexOf('?');
    return q < 0 ? Optional.empty() : Optional.of(target.substring(q + 1));
  }

  /**
   * Returns every header as received: looked up case-insensitively, each name spelled as it first
   * arrived (iterated in case-insensitive name order), the values of repeated header lines in
   * arrival order and not split at commas.
   *
   * <p>The map's shape is what {@code WebhookVerifier.verify(headers, body)} takes.
   *
   * @return an unmodifiable, case-insensitive map
   */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /**
   * Returns the first value of a header.
   *
   * @param name the header name, matched case-insensitively
   * @return its first value, or empty if the request had no such header
   */
  public Optional<String> header(String name) {
    List<String> values = headers.get(Objects.requireNonNull(name, "name"));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * Returns every value of a header, in arrival order.
   *
   * @param name the header name, matched case-insensitively
   * @return the values; empty if the request had no such header
   */
  public List<String> headerValues(String name) {
    return headers.getOrDefault(Objects.requireNonNull(name, "name"), List.of());
  }

  /**
   * Returns the body bytes exactly as received, after removing any chunked framing. For a
   * {@linkplain #truncated() truncated} body, only its first bytes up to the receiver's cap.
   *
   * @return a copy of the body; empty if the request had none
   */
  public byte[] body() {
    return body.clone();
  }

  /**
   * Returns the body decoded as UTF-8.
   *
   * @return the body as text
   */
  public String bodyAsString() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * Returns whether the body was longer than the receiver's cap, so that only its start was kept
   * (and the request was answered {@code 413}).
   *
   * @return true if the body was cut off
   */
  public boolean truncated() {
    return truncated;
  }

  /**
   * Returns when the request had fully arrived, by the receiver's clock.
   *
   * @return the arrival time
   */
  public Instant receivedAt() {
    return receivedAt;
  }

  @Override
  public String toString() {
    return "RecordedRequest["
        + method
        + " "
        + target
        + ", "
        + headers.size()
        + " headers, "
        + body.length
        + (truncated ? " bytes (truncated)" : " bytes")
        + ", at "
        + receivedAt
        + "]";
  }
}
