package dev.hookline.admin.internal;

import dev.hookline.Violation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem, thrown inside the service and turned into an {@code
 * application/problem+json} response at its edge.
 */
public final class Problem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Where problem types live; the slug follows. */
  public static final String TYPE_BASE = "https://hookline.dev/problems/";

  private final int status;
  private final String slug;
  private final String title;
  private final transient List<Violation> errors;
  private final transient Map<String, String> headers;

  Problem(int status, String slug, String title, String detail, List<Violation> errors) {
    this(status, slug, title, detail, errors, Map.of());
  }

  Problem(
      int status,
      String slug,
      String title,
      String detail,
      List<Violation> errors,
      Map<String, String> headers) {
    super(detail, null, false, false);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.headers = new LinkedHashMap<>(headers);
  }

  static Problem validation(String detail, List<Violation> errors) {
    return new Problem(400, "validation", "The request is not valid", detail, errors);
  }

  static Problem badRequest(String field, String reason, String allowed) {
    return validation(reason, List.of(new Violation(field, reason, allowed)));
  }

  static Problem unauthorized(String detail) {
    return new Problem(
        401,
        "unauthorized",
        "Authentication required",
        detail,
        List.of(),
        Map.of("WWW-Authenticate", "Bearer realm=\"hookline\""));
  }

  static Problem forbidden(String scope) {
    return new Problem(
        403,
        "forbidden",
        "Missing scope",
        "this token lacks the scope " + scope + " that the request needs",
        List.of());
  }

  static Problem crossSite(String detail) {
    return new Problem(403, "cross-site", "Cross-site request refused", detail, List.of());
  }

  static Problem notFound(String what) {
    return new Problem(404, "not-found", "Not found", what + " does not exist", List.of());
  }

  static Problem methodNotAllowed(String allow) {
    return new Problem(
        405,
        "method-not-allowed",
        "Method not allowed",
        "allowed: " + allow,
        List.of(),
        Map.of("Allow", allow));
  }

  static Problem conflict(String slug, String detail) {
    return new Problem(409, slug, "Conflict", detail, List.of());
  }

  static Problem staleVersion(String detail) {
    return new Problem(412, "stale-version", "The webhook changed meanwhile", detail, List.of());
  }

  static Problem tooLarge(int limit) {
    return new Problem(
        413,
        "payload-too-large",
        "Request body too large",
        "the body exceeds " + limit + " bytes",
        List.of());
  }

  static Problem unsupportedMediaType(String expected) {
    return new Problem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "send Content-Type: " + expected,
        List.of(),
        Map.of("Accept-Patch", "application/merge-patch+json"));
  }

  static Problem tooManyRequests(String detail, long retryAfterSeconds) {
    return new Problem(
        429,
        "rate-limited",
        "Too many requests",
        detail,
        List.of(),
        Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
  }

  int status() {
    return status;
  }

  String slug() {
    return slug;
  }

  String title() {
    return title;
  }

  List<Violation> errors() {
    return errors;
  }

  Map<String, String> headers() {
    return headers;
  }
}
