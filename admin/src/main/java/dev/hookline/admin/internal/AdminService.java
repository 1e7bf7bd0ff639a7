package dev.hookline.admin.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.EventType;
import dev.hookline.Secret;
import dev.hookline.SecretCipherException;
import dev.hookline.SigningSecret;
import dev.hookline.VerificationResult;
import dev.hookline.Violation;
import dev.hookline.Webhook;
import dev.hookline.WebhookConflictException;
import dev.hookline.WebhookDefinition;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookLimitException;
import dev.hookline.WebhookNotFoundException;
import dev.hookline.WebhookRegistry;
import dev.hookline.WebhookStatus;
import dev.hookline.WebhookValidationException;
import dev.hookline.admin.AdminRequest;
import dev.hookline.admin.AdminResponse;
import dev.hookline.admin.Authenticator;
import dev.hookline.admin.IssuedToken;
import dev.hookline.admin.Principal;
import dev.hookline.admin.Scope;
import dev.hookline.admin.spi.AdminStoreException;
import dev.hookline.admin.spi.AuditEntry;
import dev.hookline.admin.spi.StoredToken;
import dev.hookline.delivery.Dispatcher;
import dev.hookline.delivery.FormatUnavailableException;
import dev.hookline.delivery.PublishResult;
import dev.hookline.internal.DeliveryRequeue;
import dev.hookline.internal.Printable;
import dev.hookline.internal.RegistryAccess;
import dev.hookline.internal.UnreadableWebhook;
import dev.hookline.internal.WebhookKeyset;
import dev.hookline.spi.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST API and the page behind {@code AdminApi}. Thread-safe. */
public final class AdminService {
  private static final Logger log = LoggerFactory.getLogger(AdminService.class);
  static final ObjectMapper JSON = new ObjectMapper();

  static final int DEFAULT_PAGE = 50;
  static final int MAX_PAGE = 200;

  /** The earliest time the API takes from a client. */
  static final Instant MIN_TIME = Instant.parse("0001-01-01T00:00:00Z");

  /** The latest time the API takes from a client. */
  static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999999999Z");

  private static final String TIME_RANGE =
      "ISO-8601 from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z";

  /** Most deliveries one request reads to fill a page filtered by event type. */
  static final int TYPE_SCAN_ROWS = 1_000;

  private static final String JSON_TYPE = "application/json";
  private static final String MERGE_PATCH = "application/merge-patch+json";
  private static final Set<String> CREATE_FIELDS =
      Set.of(
          "name",
          "description",
          "uri",
          "api_key",
          "subscribed_events",
          "filter",
          "tenant",
          "format",
          "audience");
  private static final Set<String> PATCH_FIELDS = CREATE_FIELDS;
  private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
  private static final Set<String> ACTIONS =
      Set.of("enable", "disable", "verify", "test", "api-key", "recover");

  private final AdminSettings settings;
  private final WebhookRegistry registry;
  private final Dispatcher dispatcher;
  private final StaticFiles page;
  private final TokenService tokens;
  private final RateLimiter authFailures;
  private final RateLimiter redeliveries;
  private final VerificationSlots verifications;
  private final Idempotency idempotency;
  private final BiFunction<AdminRequest, String, List<String>> headerValues;
  private volatile byte @Nullable [] openApi;

  /**
   * Makes the service.
   *
   * @param settings what the builder collected
   * @param headerValues every value of a request's header, one per header line, in order
   */
  public AdminService(
      AdminSettings settings, BiFunction<AdminRequest, String, List<String>> headerValues) {
    this.settings = settings;
    this.headerValues = headerValues;
    this.registry = settings.registry();
    this.dispatcher = settings.dispatcher();
    this.page = new StaticFiles(settings.pagePath(), settings.basePath());
    this.tokens =
        new TokenService(
            settings.store(), settings.clock(), settings.random(), settings.maxTokensPerTenant());
    this.authFailures =
        new RateLimiter(settings.maxAuthFailures(), settings.authFailureWindow(), settings.clock());
    this.redeliveries =
        new RateLimiter(settings.maxRedeliveries(), settings.redeliveryWindow(), settings.clock());
    this.verifications = new VerificationSlots(settings.verificationLimits());
    this.idempotency = new Idempotency(settings.idempotencyRetention(), settings.clock());
  }

  public TokenService tokens() {
    return tokens;
  }

  public AdminResponse handle(AdminRequest request) {
    try {
      String path = request.path();
      String base = settings.basePath();
      boolean apiPath = path.equals(base) || path.startsWith(base + "/");
      // The longer of the two paths decides: the page may hold the API (a page at "/", an API at
      // "/admin/api" beside the page at "/admin/") or the API the page ("/api/v1/ui/").
      if (page.handles(path) && !(apiPath && base.length() >= settings.pagePath().length() - 1)) {
        return page.serve(request);
      }
      if (!apiPath) {
        throw Problem.notFound("the resource " + path);
      }
      List<String> segments = segments(path.substring(base.length()));
      if (segments.equals(List.of("openapi.json"))) {
        requireMethod(request, "GET");
        return openApiDocument();
      }
      String client = ClientKey.of(request.remoteAddress());
      OptionalLong blocked = authFailures.blockedFor(client);
      Authenticated who;
      if (blocked.isPresent()) {
        // A valid hkl_ token still works from a blocked address: behind a reverse proxy every
        // client shares one, and 256-bit tokens cannot be guessed anyway. Nothing else is tried
        // (a host Authenticator may check something guessable, such as a password).
        who =
            byBearerToken(request)
                .orElseThrow(
                    () ->
                        Problem.tooManyRequests(
                            "too many failed authentications from this address",
                            blocked.getAsLong()));
      } else {
        who = authenticate(request, client);
      }
      if (!who.bearerToken()) {
        refuseCrossSite(request);
      }
      if (request.bodyLength() > settings.maxBodyBytes()) {
        throw Problem.tooLarge(settings.maxBodyBytes());
      }
      return route(new Call(request, who.principal(), who.bearerToken(), segments));
    } catch (Problem p) {
      return problem(p);
    } catch (AdminStoreException e) {
      if (e.reason() != AdminStoreException.Reason.UNAVAILABLE) {
        // Not worth retrying: a 500. The store's message names no value (AdminStoreException's
        // contract); its cause's may (a driver's "Failing row contains (...)" holds a token hash),
        // so of the causes only their types and SQLStates are logged.
        log.error(
            "admin API request failed, store error: {} {}: {}",
            request.method(),
            loggable(request.path()),
            withoutCauseMessages(e));
        return problem(
            new Problem(
                500, "internal", "Internal error", "the server failed; see its log", List.of()));
      }
      // The database is down or unreachable: worth retrying later, unlike a bug.
      log.warn(
          "admin API request failed, store unavailable: {} {}: {}",
          request.method(),
          loggable(request.path()),
          e.getMessage());
      return problem(
              new Problem(
                  503,
                  "unavailable",
                  "Service unavailable",
                  "the management store cannot be reached; try again later",
                  List.of()))
          .withHeader("Retry-After", "5");
    } catch (RuntimeException e) {
      log.error("admin API request failed: {} {}", request.method(), loggable(request.path()), e);
      return problem(
          new Problem(
              500, "internal", "Internal error", "the server failed; see its log", List.of()));
    }
  }

  /**
   * The decoded request path as a log line may show it: a path's {@code %0A} would otherwise end
   * the line and forge the next one. Clipped to 200 characters, control characters as '?'.
   */
  static String loggable(String path) {
    return Printable.clip(path, 200);
  }

  /** An exception's own message and the types (and SQLStates) of its causes, not their text. */
  private static String withoutCauseMessages(AdminStoreException e) {
    StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
    int depth = 0;
    for (Throwable c = e.getCause(); c != null && depth < 10; c = c.getCause(), depth++) {
      b.append("; caused by ").append(c.getClass().getName());
      if (c instanceof java.sql.SQLException sql && sql.getSQLState() != null) {
        b.append(" (SQLState ").append(sql.getSQLState()).append(')');
      }
    }
    return b.toString();
  }

  // ------------------------------------------------------------------ authentication

  /**
   * A principal and how it was recognised: by an {@code hkl_} bearer token, which a browser never
   * sends by itself, or by a host {@link Authenticator}, which may rely on a cookie it does.
   */
  private record Authenticated(Principal principal, boolean bearerToken) {}

  private Optional<Authenticated> byBearerToken(AdminRequest request) {
    Optional<String> header = request.header("Authorization");
    if (header.isPresent()) {
      String h = header.get().trim();
      if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
        Optional<Principal> p = tokens.authenticate(h.substring(7).trim());
        if (p.isPresent()) {
          return Optional.of(new Authenticated(p.get(), true));
        }
      }
    }
    return Optional.empty();
  }

  private Authenticated authenticate(AdminRequest request, String client) {
    Optional<String> header = request.header("Authorization");
    Optional<Authenticated> token = byBearerToken(request);
    if (token.isPresent()) {
      return token.get();
    }
    for (Authenticator a : settings.authenticators()) {
      Optional<Principal> p = a.authenticate(request);
      if (p.isPresent()) {
        return new Authenticated(p.get(), false);
      }
    }
    authFailures.record(client);
    throw Problem.unauthorized(
        header.isPresent()
            ? "the token is not valid, expired or revoked"
            : "send Authorization: Bearer <token>");
  }

  /**
   * Refuses a state-changing request that a browser sent from another site: with a host {@link
   * Authenticator} the credentials may be a cookie, which the browser adds to a cross-site form
   * post or fetch as well (CSRF). {@code Sec-Fetch-Site} decides where browsers send it; otherwise
   * an {@code Origin} must be this server's own ({@code Host}). A request with neither is not a
   * browser's cross-site one.
   */
  private static void refuseCrossSite(AdminRequest r) {
    if (SAFE_METHODS.contains(r.method())) {
      return;
    }
    Optional<String> site = r.header("Sec-Fetch-Site");
    if (site.isPresent()) {
      String v = site.get().trim().toLowerCase(Locale.ROOT);
      if (!v.equals("same-origin") && !v.equals("none")) {
        throw Problem.crossSite(
            "the browser marked this request as sent from another site (Sec-Fetch-Site): only"
                + " same-origin requests may change anything with the host's session");
      }
      return;
    }
    Optional<String> origin = r.header("Origin");
    if (origin.isPresent() && !sameOrigin(origin.get(), r.header("Host"))) {
      throw Problem.crossSite(
          "the request's Origin is not this server's: only same-origin requests may change"
              + " anything with the host's session");
    }
  }

  /** Whether an {@code Origin} header names the host and port of the request's {@code Host}. */
  private static boolean sameOrigin(String origin, Optional<String> host) {
    if (host.isEmpty()) {
      return false;
    }
    try {
      URI o = new URI(origin.trim());
      String scheme = o.getScheme();
      if (scheme == null || o.getHost() == null || o.getRawUserInfo() != null) {
        return false; // "null" (an opaque origin) or malformed
      }
      int defaultPort;
      if (scheme.equalsIgnoreCase("https")) {
        defaultPort = 443;
      } else if (scheme.equalsIgnoreCase("http")) {
        defaultPort = 80;
      } else {
        return false;
      }
      URI h = new URI(scheme + "://" + host.get().trim());
      if (h.getHost() == null || h.getRawUserInfo() != null || !h.getRawPath().isEmpty()) {
        return false;
      }
      int originPort = o.getPort() < 0 ? defaultPort : o.getPort();
      int hostPort = h.getPort() < 0 ? defaultPort : h.getPort();
      return o.getHost().equalsIgnoreCase(h.getHost()) && originPort == hostPort;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static void requireScope(Call c, Scope scope) {
    if (!c.principal.has(scope)) {
      throw Problem.forbidden(scope.wireName());
    }
  }

  // ------------------------------------------------------------------ routing

  private record Call(
      AdminRequest request, Principal principal, boolean bearerToken, List<String> seg) {
    /** The method, with HEAD routed as GET (the adapters send no body for HEAD). */
    String method() {
      return routedMethod(request);
    }

    int size() {
      return seg.size();
    }

    String at(int i) {
      return seg.get(i);
    }
  }

  private AdminResponse route(Call c) {
    List<String> s = c.seg;
    if (s.isEmpty() || s.stream().anyMatch(AdminService::hasNul)) {
      // No id holds U+0000, and PostgreSQL refuses it in text: not found, as on any store.
      throw Problem.notFound("the resource " + c.request.path());
    }
    String first = s.get(0);
    boolean single = s.size() == 1;
    if (first.equals("webhooks")) {
      return webhookRoutes(c);
    }
    if (first.equals("tokens")) {
      return tokenRoutes(c);
    }
    if (single && first.equals("me")) {
      requireMethod(c.request, "GET");
      return ok(200, Render.me(c.principal));
    }
    if (single && first.equals("event-types")) {
      requireMethod(c.request, "GET");
      requireScope(c, Scope.WEBHOOKS_READ);
      return eventTypes();
    }
    if (single && first.equals("audit-log")) {
      requireMethod(c.request, "GET");
      requireScope(c, Scope.TOKENS_ADMIN);
      return auditLog(c);
    }
    throw Problem.notFound("the resource " + c.request.path());
  }

  private AdminResponse webhookRoutes(Call c) {
    if (c.size() == 1) {
      if (c.method().equals("GET")) {
        requireScope(c, Scope.WEBHOOKS_READ);
        return listWebhooks(c);
      }
      requireMethod(c.request, "GET", "POST");
      requireScope(c, Scope.WEBHOOKS_WRITE);
      return createWebhook(c);
    }
    String id = c.at(1);
    if (c.size() == 2) {
      requireMethod(c.request, "GET", "PATCH", "DELETE");
      if (c.method().equals("GET")) {
        requireScope(c, Scope.WEBHOOKS_READ);
        return webhookResponse(200, visible(c, id));
      }
      requireScope(c, Scope.WEBHOOKS_WRITE);
      return c.method().equals("PATCH") ? patchWebhook(c, id) : deleteWebhook(c, id);
    }
    String action = c.at(2);
    if (c.size() == 3) {
      if (ACTIONS.contains(action)) {
        requireMethod(c.request, "POST");
        requireScope(
            c, action.equals("recover") ? Scope.DELIVERIES_REDELIVER : Scope.WEBHOOKS_WRITE);
        return webhookAction(c, id, action);
      }
      if (action.equals("summary")) {
        requireMethod(c.request, "GET");
        requireScope(c, Scope.DELIVERIES_READ);
        visible(c, id);
        return ok(200, Render.summary(dispatcher.summary(id)));
      }
      if (action.equals("deliveries")) {
        requireMethod(c.request, "GET");
        requireScope(c, Scope.DELIVERIES_READ);
        return listDeliveries(c, visible(c, id));
      }
    }
    if (c.size() == 4 && action.equals("signing-secret") && c.at(3).equals("rotate")) {
      requireMethod(c.request, "POST");
      requireScope(c, Scope.WEBHOOKS_WRITE);
      return rotateSigningSecret(c, id);
    }
    if (c.size() == 4 && action.equals("deliveries")) {
      requireMethod(c.request, "GET");
      requireScope(c, Scope.DELIVERIES_READ);
      Webhook w = visible(c, id);
      return ok(200, Render.delivery(visibleDelivery(w, c.at(3)), true));
    }
    if (c.size() == 5 && action.equals("deliveries") && c.at(4).equals("redeliver")) {
      requireMethod(c.request, "POST");
      requireScope(c, Scope.DELIVERIES_REDELIVER);
      return redeliver(c, id, c.at(3));
    }
    throw Problem.notFound("the resource " + c.request.path());
  }

  /**
   * The webhook, if the principal may see it: another tenant's is exactly like a missing one. One
   * whose stored secrets cannot be decrypted (a row edited by hand, a bit flip) is a 409 naming no
   * secret: it can be deleted, not read or changed. Under a key id the cipher lacks (a decryption
   * key missing from the configuration) it stays a server error.
   */
  private Webhook visible(Call c, String id) {
    try {
      return lookUp(c, id).orElseThrow(() -> Problem.notFound("the webhook " + id));
    } catch (SecretCipherException e) {
      unreadableTenant(c, id, e); // a 404 if the principal may not see it
      if (e.reason() == SecretCipherException.Reason.UNKNOWN_KEY) {
        throw e;
      }
      throw Problem.conflict(
          "webhook-unreadable",
          "the webhook "
              + id
              + " cannot be read: its stored API key or signing secret fails to decrypt (the row"
              + " was altered, or the key configured under its key id is not the one that wrote"
              + " it); restore its row from a backup, or delete it");
    }
  }

  /**
   * The tenant of a webhook the principal may see, read without its secrets if they cannot be
   * decrypted, so that such a webhook can still be deleted.
   */
  private Optional<String> visibleTenant(Call c, String id) {
    try {
      return lookUp(c, id).orElseThrow(() -> Problem.notFound("the webhook " + id)).tenant();
    } catch (SecretCipherException e) {
      return unreadableTenant(c, id, e);
    }
  }

  private Optional<Webhook> lookUp(Call c, String id) {
    return c.principal.tenant().isPresent()
        ? registry.forTenant(c.principal.tenant().get()).get(id)
        : registry.get(id);
  }

  /**
   * The tenant of the webhook whose row {@code e} failed to decrypt, as its Store recorded it (a
   * 404 if the principal may not see that webhook); {@code e} itself if the Store did not say.
   */
  private static Optional<String> unreadableTenant(Call c, String id, SecretCipherException e) {
    UnreadableWebhook u =
        UnreadableWebhook.of(e).filter(x -> x.webhookId().equals(id)).orElseThrow(() -> e);
    if (c.principal.tenant().isPresent() && !c.principal.tenant().equals(u.tenant())) {
      throw Problem.notFound("the webhook " + id);
    }
    return u.tenant();
  }

  private Delivery visibleDelivery(Webhook w, String deliveryId) {
    return dispatcher
        .delivery(deliveryId)
        .filter(d -> d.webhookId().equals(w.id()))
        .orElseThrow(() -> Problem.notFound("the delivery " + deliveryId));
  }

  // ------------------------------------------------------------------ webhooks

  private AdminResponse listWebhooks(Call c) {
    onlyParameters(c.request, "status", "enabled", "limit", "cursor");
    Optional<WebhookStatus> status =
        c.request
            .queryParameter("status")
            .map(
                v -> {
                  try {
                    return WebhookStatus.valueOf(v.toUpperCase(Locale.ROOT));
                  } catch (IllegalArgumentException e) {
                    throw Problem.badRequest(
                        "status", "is not a status", names(WebhookStatus.values()));
                  }
                });
    Optional<Boolean> enabled = c.request.queryParameter("enabled").map(v -> bool("enabled", v));
    int limit = limit(c.request);
    Optional<Cursor> after = c.request.queryParameter("cursor").map(Cursor::decode);
    // The page alone, where the Store can read one: listing every webhook for each page read and
    // decrypted 50,000 webhooks on PostgreSQL for a page of 50.
    Optional<List<Webhook>> keyset =
        WebhookKeyset.page(
            RegistryAccess.stateChanges(registry).store(),
            new WebhookKeyset.Query(
                c.principal.tenant(),
                status,
                enabled,
                after.map(a -> new WebhookKeyset.Position(a.at(), a.id())),
                limit + 1));
    List<Webhook> page =
        keyset.isPresent() ? keyset.get() : pageOfAll(c, status, enabled, after, limit);
    boolean done = page.size() <= limit;
    List<Webhook> shown = done ? page : page.subList(0, limit);
    ArrayNode data = JSON.createArrayNode();
    shown.forEach(w -> data.add(Render.webhook(w)));
    Optional<String> next =
        done
            ? Optional.empty()
            : Optional.of(
                new Cursor(shown.get(limit - 1).createdAt(), shown.get(limit - 1).id()).encode());
    return ok(200, list(data, next));
  }

  /** Up to {@code limit + 1} webhooks of the page, from a list of them all. */
  private List<Webhook> pageOfAll(
      Call c,
      Optional<WebhookStatus> status,
      Optional<Boolean> enabled,
      Optional<Cursor> after,
      int limit) {
    List<Webhook> all =
        c.principal.tenant().isPresent()
            ? registry.forTenant(c.principal.tenant().get()).list()
            : registry.list();
    List<Webhook> page = new ArrayList<>();
    // The rows after the cursor's own, in the Store's order (created_at, id); only when that
    // webhook is gone are ids compared here, in Java's order, which is the Store's (PostgreSQL
    // orders ids byte-wise, COLLATE "C", whatever the database's collation).
    int own = -1;
    if (after.isPresent()) {
      for (int i = 0; i < all.size() && own < 0; i++) {
        if (all.get(i).id().equals(after.get().id())) {
          own = i;
        }
      }
    }
    for (int i = own + 1; i < all.size(); i++) { // oldest first
      Webhook w = all.get(i);
      if (own < 0 && after.isPresent() && !isAfter(w, after.get())) {
        continue;
      }
      if (status.isPresent() && w.status() != status.get()) {
        continue;
      }
      if (enabled.isPresent() && w.enabled() != enabled.get()) {
        continue;
      }
      page.add(w);
      if (page.size() > limit) {
        break;
      }
    }
    return page;
  }

  private static boolean isAfter(Webhook w, Cursor c) {
    int cmp = w.createdAt().compareTo(c.at());
    return cmp > 0 || (cmp == 0 && w.id().compareTo(c.id()) > 0);
  }

  private AdminResponse createWebhook(Call c) {
    requireContentType(c.request, JSON_TYPE);
    Optional<String> key = c.request.header("Idempotency-Key");
    if (key.isEmpty()) {
      return doCreate(c);
    }
    if (key.get().isBlank() || key.get().length() > 255) {
      throw Problem.badRequest("Idempotency-Key", "is empty or too long", "1 to 255 characters");
    }
    return idempotency.run(
        Idempotency.Owner.of(c.principal, c.bearerToken),
        key.get(),
        c.request.body(),
        () -> doCreate(c));
  }

  private AdminResponse doCreate(Call c) {
    ObjectNode body = object(c.request);
    List<Violation> violations = new ArrayList<>();
    unknownFields(body, CREATE_FIELDS, violations);
    WebhookDefinition.Builder b = WebhookDefinition.builder();
    text(body, "name", violations).ifPresent(b::name);
    text(body, "description", violations).ifPresent(b::description);
    text(body, "uri", violations).ifPresent(b::uri);
    text(body, "api_key", violations).ifPresent(b::apiKey);
    events(body, violations).ifPresent(b::eventNames);
    text(body, "filter", violations).ifPresent(b::filter);
    text(body, "audience", violations).ifPresent(b::audience);
    format(body, violations).ifPresent(b::format);
    Optional<String> tenant = tenantOf(body, c.principal, violations);
    tenant.ifPresent(b::tenant);
    Webhook created;
    try {
      if (!violations.isEmpty()) {
        throw Problem.validation("the webhook is not valid", violations);
      }
      created = registry.create(b.build());
    } catch (WebhookValidationException e) {
      throw Problem.validation(
          "the webhook is not valid", merge(violations, apiViolations(e.violations())));
    } catch (WebhookLimitException e) {
      throw Problem.conflict("webhook-limit", String.valueOf(e.getMessage()));
    }
    List<String> fields = new ArrayList<>();
    body.fieldNames().forEachRemaining(fields::add);
    if (c.principal.tenant().isPresent() && !fields.contains("tenant")) {
      fields.add("tenant");
    }
    audit(c, created.tenant(), "webhook.create", created.id(), fields);
    ObjectNode out = Render.webhook(created);
    out.put("signing_secret", newestSecret(created));
    return webhookResponse(201, created, out)
        .withHeader("Location", settings.basePath() + "/webhooks/" + created.id());
  }

  private AdminResponse patchWebhook(Call c, String id) {
    Webhook current = visible(c, id);
    requireContentType(c.request, MERGE_PATCH);
    ObjectNode patch = object(c.request);
    // A list may be split across header lines (RFC 9110 5.3): all of them are one list.
    List<String> ifMatch = headerValues.apply(c.request, "If-Match");
    if (!ifMatch.isEmpty()) {
      requireMatch(String.join(",", ifMatch), current.version());
    }
    long expected = current.version(); // what the update checks again when it writes
    List<Violation> violations = new ArrayList<>();
    unknownFields(patch, PATCH_FIELDS, violations);
    WebhookDefinition.Builder b = current.definition().toBuilder();
    List<String> changed = new ArrayList<>();
    if (patch.has("name")) {
      required(patch, "name", violations).ifPresent(b::name);
    }
    if (patch.has("description")) {
      b.description(nullable(patch, "description", violations).orElse(""));
    }
    if (patch.has("uri")) {
      required(patch, "uri", violations).ifPresent(b::uri);
    }
    if (patch.has("api_key")) {
      required(patch, "api_key", violations).ifPresent(b::apiKey);
    }
    if (patch.has("subscribed_events")) {
      if (patch.get("subscribed_events").isNull()) {
        violations.add(
            new Violation("subscribed_events", "must not be null", "an array of event type names"));
      } else {
        events(patch, violations).ifPresent(b::eventNames);
      }
    }
    if (patch.has("filter")) {
      b.filter(nullable(patch, "filter", violations).orElse(null));
    }
    if (patch.has("audience")) {
      b.audience(nullable(patch, "audience", violations).orElse(null));
    }
    if (patch.has("format")) {
      format(patch, violations).ifPresent(b::format);
    }
    if (patch.has("tenant")) {
      Optional<String> t = nullable(patch, "tenant", violations);
      if (!t.equals(current.tenant())) {
        violations.add(
            new Violation(
                "tenant",
                "cannot change: a webhook never moves between tenants",
                current.tenant().map(x -> "absent or " + x).orElse("absent")));
      }
    }
    Webhook updated;
    try {
      if (!violations.isEmpty()) {
        throw Problem.validation("the change is not valid", violations);
      }
      WebhookDefinition patched = b.build();
      // A patch that changes nothing writes nothing: the version and ETag stay, so that a client
      // (or a retry) repeating what is stored does not make everyone else's ETag stale. A patch
      // naming api_key is always written: were it not, the ETag would tell whether a guessed key
      // is the stored one, and the key is write-only.
      updated =
          !patch.has("api_key") && unchanged(current, patched)
              ? current
              : registry.update(id, expected, patched);
    } catch (WebhookValidationException e) {
      throw Problem.validation(
          "the change is not valid", merge(violations, apiViolations(e.violations())));
    } catch (WebhookNotFoundException e) {
      throw Problem.notFound("the webhook " + id);
    } catch (WebhookConflictException e) {
      throw conflict(e); // changed between our read and the write, as with a stale If-Match
    }
    changed.addAll(changedFields(current, updated, patch));
    audit(c, updated.tenant(), "webhook.update", id, changed);
    return webhookResponse(200, updated);
  }

  /** Whether a patched definition is the stored one, as the registry would store it. */
  private static boolean unchanged(Webhook current, WebhookDefinition patched) {
    return comparable(current.definition()).equals(comparable(patched));
  }

  /** A definition as the registry normalises it: name and description stripped, no blank filter. */
  private static WebhookDefinition comparable(WebhookDefinition d) {
    return d.toBuilder()
        .name(d.name().strip())
        .description(d.description().strip())
        .filter(d.filter().filter(f -> !f.isBlank()).orElse(null))
        .build();
  }

  private static List<String> changedFields(Webhook before, Webhook after, ObjectNode patch) {
    List<String> out = new ArrayList<>();
    if (!before.name().equals(after.name())) {
      out.add("name");
    }
    if (!before.description().equals(after.description())) {
      out.add("description");
    }
    if (!before.uri().equals(after.uri())) {
      out.add("uri");
    }
    if (patch.has("api_key")) {
      // Whether or not it was the stored one: the audit log must not tell either.
      out.add("api_key");
    }
    if (!before.events().equals(after.events())) {
      out.add("subscribed_events");
    }
    if (!before.filter().equals(after.filter())) {
      out.add("filter");
    }
    if (before.format() != after.format()) {
      out.add("format");
    }
    if (!before.audience().equals(after.audience())) {
      out.add("audience");
    }
    return out;
  }

  private AdminResponse deleteWebhook(Call c, String id) {
    // If-Match is evaluated as for PATCH (RFC 9110 13.1.1: before the method is performed): a
    // client deleting the version it looked at must not delete one changed since. The Store has no
    // conditional delete, so the version is compared with the one read just before the delete.
    List<String> ifMatch = headerValues.apply(c.request, "If-Match");
    String condition = String.join(",", ifMatch);
    Optional<String> tenant;
    if (ifMatch.isEmpty() || condition.trim().equals("*")) {
      tenant = visibleTenant(c, id); // deleting needs no secret: nor does this
    } else {
      // A version is read with the webhook: one whose secrets fail to decrypt is a 409 here
      // (webhook-unreadable), deletable without If-Match or with *.
      Webhook current = visible(c, id);
      requireMatch(condition, current.version());
      tenant = current.tenant();
    }
    if (!registry.delete(id)) {
      throw Problem.notFound("the webhook " + id);
    }
    audit(c, tenant, "webhook.delete", id, List.of());
    return new AdminResponse(204, Map.of("Cache-Control", List.of("no-store")), new byte[0]);
  }

  private AdminResponse webhookAction(Call c, String id, String action) {
    Webhook w = visible(c, id);
    OptionalLong expected = ifMatch(c, w);
    try {
      return switch (action) {
        case "enable" -> {
          Webhook after = RegistryAccess.stateChanges(registry).enable(id, expected);
          audit(c, w.tenant(), "webhook.enable", id, stateFields(w, after));
          yield webhookResponse(200, after);
        }
        case "disable" -> {
          Webhook after = RegistryAccess.stateChanges(registry).disable(id, expected);
          audit(c, w.tenant(), "webhook.disable", id, stateFields(w, after));
          yield webhookResponse(200, after);
        }
        case "verify" -> verify(c, w);
        case "test" -> sendTest(c, w);
        case "api-key" -> setApiKey(c, w, expected);
        case "recover" -> recover(c, w);
        default -> throw Problem.notFound("the resource " + c.request.path());
      };
    } catch (WebhookNotFoundException e) {
      throw Problem.notFound("the webhook " + id);
    } catch (FormatUnavailableException e) {
      throw Problem.conflict("format-unavailable", String.valueOf(e.getMessage()));
    } catch (WebhookConflictException e) {
      throw conflict(e);
    }
  }

  private AdminResponse verify(Call c, Webhook w) {
    // The handshake holds this request thread until the endpoint answers or the dispatcher's
    // verification timeout passes: bounded, so that no tenant can take every thread of the host's
    // server. The place is given back however the handshake ends.
    VerificationSlots.Slot slot = verifications.acquire(w.id(), w.tenant());
    VerificationResult result;
    try {
      result = dispatcher.startVerification(w.id());
    } finally {
      slot.release();
    }
    Webhook after = registry.require(w.id());
    audit(c, w.tenant(), "webhook.verify", w.id(), stateFields(w, after));
    ObjectNode out = JSON.createObjectNode();
    out.put("verified", result.verified());
    out.put("detail", result.detail());
    out.set("webhook", Render.webhook(after));
    return ok(200, out);
  }

  private AdminResponse sendTest(Call c, Webhook w) {
    // Counted with the webhook's single redeliveries: each adds an event and a delivery, and
    // without a bound a tenant could add rows (and queue behind every claim) without end.
    // A test refused (the webhook does not receive, its format is missing, it is gone) queues
    // nothing and gives its place back.
    RateLimiter.Taken place = redeliveries.take(w.id());
    if (!place.counted()) {
      throw Problem.tooManyRequests(
          "this webhook's test events and redeliveries are rate-limited; try again later",
          place.waitSeconds().getAsLong());
    }
    PublishResult sent = null;
    try {
      sent = dispatcher.sendTest(w.id());
    } catch (IllegalStateException e) {
      throw Problem.conflict("not-receiving", String.valueOf(e.getMessage()));
    } finally {
      if (sent == null || sent.deliveries().isEmpty()) {
        redeliveries.giveBack(w.id(), place);
      }
    }
    if (sent.deliveries().isEmpty()) {
      // The Store adds no delivery for a webhook that is gone: another request deleted it after
      // this one read it. That is the answer for a webhook deleted a moment earlier.
      if (registry.get(w.id()).isEmpty()) {
        throw Problem.notFound("the webhook " + w.id());
      }
      throw new IllegalStateException("the store queued no test delivery for " + w.id());
    }
    audit(c, w.tenant(), "webhook.test", w.id(), List.of());
    ObjectNode out = JSON.createObjectNode();
    out.put("delivery_id", sent.deliveries().get(0).id());
    return ok(202, out);
  }

  /**
   * Evaluates an action's {@code If-Match} against the webhook's version, as for {@code PATCH} (RFC
   * 9110 13.1.1: before the action is performed; 412 if stale, 400 if malformed). Returns the
   * version an action that writes the webhook must find when it writes, so that a change between
   * this read and that write is a 412 too; empty without {@code If-Match} or with {@code *}. An
   * action that does not write the webhook (verify, test, recover, redeliver) is compared with this
   * read only.
   */
  private OptionalLong ifMatch(Call c, Webhook current) {
    // A list may be split across header lines (RFC 9110 5.3): all of them are one list.
    List<String> lines = headerValues.apply(c.request, "If-Match");
    if (lines.isEmpty()) {
      return OptionalLong.empty();
    }
    String condition = String.join(",", lines);
    requireMatch(condition, current.version());
    return condition.trim().equals("*") ? OptionalLong.empty() : OptionalLong.of(current.version());
  }

  private AdminResponse setApiKey(Call c, Webhook w, OptionalLong expected) {
    requireContentType(c.request, JSON_TYPE);
    ObjectNode body = object(c.request);
    List<Violation> violations = new ArrayList<>();
    unknownFields(body, Set.of("api_key"), violations);
    Optional<String> key = required(body, "api_key", violations);
    if (!violations.isEmpty() || key.isEmpty()) {
      throw Problem.validation("the API key is not valid", violations);
    }
    Webhook after;
    try {
      // Written even if it is the stored key, as a PATCH naming api_key is: a version that stayed
      // would tell whether a guessed key is the stored one, and the key is write-only.
      after =
          RegistryAccess.stateChanges(registry)
              .rotateApiKey(w.id(), Secret.of(key.get()), expected);
    } catch (WebhookValidationException e) {
      throw Problem.validation("the API key is not valid", apiViolations(e.violations()));
    }
    audit(c, w.tenant(), "webhook.api_key.set", w.id(), List.of("api_key"));
    return webhookResponse(200, after);
  }

  private static List<String> stateFields(Webhook before, Webhook after) {
    List<String> out = new ArrayList<>();
    if (before.status() != after.status()) {
      out.add("status");
    }
    if (before.enabled() != after.enabled()) {
      out.add("enabled");
    }
    return out;
  }

  private AdminResponse rotateSigningSecret(Call c, String id) {
    Webhook w = visible(c, id);
    OptionalLong expected = ifMatch(c, w);
    Webhook after;
    try {
      after =
          RegistryAccess.stateChanges(registry)
              .rotateSigningSecret(id, WebhookRegistry.DEFAULT_ROTATION_OVERLAP, expected);
    } catch (WebhookNotFoundException e) {
      throw Problem.notFound("the webhook " + id);
    } catch (WebhookConflictException e) {
      throw conflict(e);
    }
    audit(c, w.tenant(), "webhook.signing_secret.rotate", id, List.of("signing_secret"));
    ObjectNode out = JSON.createObjectNode();
    out.put("signing_secret", newestSecret(after));
    out.set("webhook", Render.webhook(after));
    return webhookResponse(200, after, out);
  }

  private static String newestSecret(Webhook w) {
    List<SigningSecret> secrets = w.signingSecrets();
    return secrets.get(secrets.size() - 1).secret().reveal();
  }

  // ------------------------------------------------------------------ deliveries

  private AdminResponse listDeliveries(Call c, Webhook w) {
    AdminRequest r = c.request;
    onlyParameters(r, "state", "type", "event_id", "since", "until", "limit", "cursor");
    Set<DeliveryState> states = EnumSet.noneOf(DeliveryState.class);
    r.queryParameter("state")
        .ifPresent(
            v -> {
              for (String s : v.split(",", -1)) {
                try {
                  states.add(DeliveryState.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                  throw Problem.badRequest(
                      "state", "is not a delivery state", names(DeliveryState.values()));
                }
              }
            });
    Optional<String> type = r.queryParameter("type").map(this::wireName);
    Optional<String> eventId = r.queryParameter("event_id");
    if (eventId.isPresent() && hasNul(eventId.get())) {
      throw Problem.badRequest("event_id", "contains a NUL character", "an event id");
    }
    Optional<Instant> since = r.queryParameter("since").map(v -> instant("since", v));
    Optional<Instant> until = r.queryParameter("until").map(v -> instant("until", v));
    int limit = limit(r);
    Optional<Cursor> after = r.queryParameter("cursor").map(Cursor::decode);
    DeliveryPager pager =
        new DeliveryPager(
            RegistryAccess.stateChanges(registry).store(), w.id(), states, eventId, since, until);
    List<Delivery> found = new ArrayList<>();
    Optional<Cursor> position = after;
    boolean exhausted = false;
    boolean cut = false;
    int scanned = 0;
    while (found.size() <= limit && !exhausted) {
      if (type.isPresent() && scanned >= TYPE_SCAN_ROWS) {
        // A type that matches little of a long history: a short page, and a cursor where the
        // scan stopped, rather than reading the whole history in one request.
        cut = true;
        break;
      }
      // Filtered by type, read in larger steps: few rows of a long history may match.
      int step = type.isPresent() ? Math.max(limit + 1, 200) : limit + 1;
      List<Delivery> batch;
      try {
        batch = pager.fetch(position, step);
      } catch (DeliveryPager.TooManyTies e) {
        throw Problem.badRequest(
            "cursor",
            "points among more than "
                + DeliveryPager.MAX_TIES
                + " deliveries created at one instant, past which this Store (not one of"
                + " Hookline's) cannot page",
            "a next_cursor of a narrower list: filter by state or event_id");
      }
      scanned += batch.size();
      exhausted = batch.size() < step;
      for (Delivery d : batch) {
        position = Optional.of(new Cursor(d.createdAt(), d.id()));
        if (type.isEmpty() || d.event().type().wireName().equals(type.get())) {
          found.add(d);
          if (found.size() > limit) {
            break;
          }
        }
      }
    }
    boolean full = found.size() > limit;
    List<Delivery> shown = full ? found.subList(0, limit) : found;
    ArrayNode data = JSON.createArrayNode();
    shown.forEach(d -> data.add(Render.delivery(d, false)));
    Optional<String> next;
    if (full) {
      next =
          Optional.of(
              new Cursor(shown.get(limit - 1).createdAt(), shown.get(limit - 1).id()).encode());
    } else if (cut && position.isPresent()) {
      next = Optional.of(position.get().encode());
    } else {
      next = Optional.empty();
    }
    return ok(200, list(data, next));
  }

  private AdminResponse redeliver(Call c, String webhookId, String deliveryId) {
    Webhook w = visible(c, webhookId);
    Delivery d = visibleDelivery(w, deliveryId);
    ifMatch(c, w); // the webhook's version, as for its other actions
    RateLimiter.Taken place = redeliveries.take(w.id());
    if (!place.counted()) {
      throw Problem.tooManyRequests(
          "this webhook's redeliveries are rate-limited; try again later",
          place.waitSeconds().getAsLong());
    }
    boolean requeued = false;
    try {
      requeued = dispatcher.redeliver(d.id());
    } finally {
      if (!requeued) {
        redeliveries.giveBack(w.id(), place); // nothing requeued: the place is not used up
      }
    }
    if (!requeued) {
      throw Problem.conflict(
          "not-finished",
          "the delivery is still queued or in flight: only a finished one is redelivered");
    }
    audit(c, w.tenant(), "delivery.redeliver", d.id(), List.of("state"));
    ObjectNode out = JSON.createObjectNode();
    out.put("delivery_id", d.id());
    return ok(202, out);
  }

  private AdminResponse recover(Call c, Webhook w) {
    requireContentType(c.request, JSON_TYPE);
    ObjectNode body = object(c.request);
    List<Violation> violations = new ArrayList<>();
    unknownFields(body, Set.of("since", "until"), violations);
    Optional<Instant> sinceTime =
        required(body, "since", violations).flatMap(v -> time("since", v, violations));
    Optional<Instant> until =
        text(body, "until", violations).flatMap(v -> time("until", v, violations));
    if (!violations.isEmpty() || sinceTime.isEmpty()) {
      throw Problem.validation("the window is not valid", violations);
    }
    Instant since = sinceTime.get();
    if (until.isPresent() && !until.get().isAfter(since)) {
      throw Problem.badRequest("until", "is not after since", "a time after since");
    }
    int count;
    if (until.isEmpty()) {
      count = dispatcher.redeliverFailed(w.id(), since); // paced by the dispatcher
    } else {
      try {
        count = requeueWindow(w.id(), since, until.get());
      } catch (DeliveryPager.TooManyTies e) {
        // Thrown by the walk of the window, before anything is requeued (unless deliveries of
        // that instant failed meanwhile, between the walk and the requeues).
        throw Problem.conflict(
            "too-many-at-one-instant",
            "the window holds more than "
                + DeliveryPager.MAX_TIES
                + " failed deliveries created at one instant, which this Store (not one of"
                + " Hookline's) cannot page through; recover without until, which requeues"
                + " every failed delivery since the time given");
      }
    }
    audit(c, w.tenant(), "webhook.recover", w.id(), List.of());
    ObjectNode out = JSON.createObjectNode();
    out.put("redelivered", count);
    return ok(202, out);
  }

  /** Deliveries read per page by a windowed recover. */
  static final int RECOVER_PAGE = 1000;

  /** Requeues the failed deliveries created in [since, until), oldest first, paced apart. */
  private int requeueWindow(String webhookId, Instant since, Instant until) {
    DeliveryPager pager =
        new DeliveryPager(
            RegistryAccess.stateChanges(registry).store(),
            webhookId,
            EnumSet.of(DeliveryState.FAILED),
            Optional.empty(),
            Optional.of(since),
            Optional.of(until));
    // Walk the window newest to oldest keeping only where each page starts and ends, not the
    // deliveries (a window may hold a long outage's worth, each with its event), then requeue
    // page by page from the oldest, each read again from its start down to its end: the older
    // ones are requeued by then, and no longer FAILED; deliveries that failed since the walk and
    // fall inside a page are read with it.
    List<Optional<Cursor>> starts = new ArrayList<>();
    List<Cursor> ends = new ArrayList<>();
    Optional<Cursor> position = Optional.empty();
    while (true) {
      List<Delivery> batch = pager.fetch(position, RECOVER_PAGE);
      if (batch.isEmpty()) {
        break;
      }
      Delivery last = batch.get(batch.size() - 1);
      starts.add(position);
      ends.add(new Cursor(last.createdAt(), last.id()));
      if (batch.size() < RECOVER_PAGE) {
        break;
      }
      position = Optional.of(new Cursor(last.createdAt(), last.id()));
    }
    Store store = RegistryAccess.stateChanges(registry).store();
    Instant now = settings.clock().instant();
    int count = 0;
    long slot = 0; // each delivery's place in the pace; one requeued meanwhile leaves its place
    for (int k = starts.size() - 1; k >= 0; k--) {
      Cursor end = ends.get(k);
      List<Delivery> page = new ArrayList<>();
      Optional<Cursor> at = starts.get(k);
      boolean past = false;
      while (!past) {
        List<Delivery> batch = pager.fetch(at, RECOVER_PAGE);
        for (Delivery d : batch) {
          // The page ends at its own last row, in the Store's order (a database's collation of
          // ids need not be Java's), or at the first row older than it if that row is gone (a
          // row of its instant read twice is requeued once: the second requeue finds it queued).
          if (d.id().equals(end.id())) {
            page.add(d);
            past = true;
            break;
          }
          if (d.createdAt().isBefore(end.at())) {
            past = true;
            break;
          }
          page.add(d);
        }
        if (batch.size() < RECOVER_PAGE) {
          break;
        }
        Delivery last = batch.get(batch.size() - 1);
        at = Optional.of(new Cursor(last.createdAt(), last.id()));
      }
      List<String> ids = new ArrayList<>(page.size());
      List<Instant> dues = new ArrayList<>(page.size());
      for (int i = page.size() - 1; i >= 0; i--) { // oldest first
        ids.add(page.get(i).id());
        dues.add(now.plus(settings.recoverPace().multipliedBy(slot++)));
      }
      // A page at once: one statement on PostgreSQL, not one per delivery.
      count += DeliveryRequeue.requeue(store, ids, dues, now);
    }
    return count;
  }

  // ------------------------------------------------------------------ event types, tokens, audit

  private AdminResponse eventTypes() {
    ArrayNode data = JSON.createArrayNode();
    for (EventType t : registry.catalogue().all()) {
      data.add(Render.eventType(t));
    }
    return ok(200, list(data, Optional.empty()));
  }

  /** A wire name for a wire or display name; unknown names pass through for the registry. */
  private String wireName(String name) {
    if (registry.catalogue().find(name).isPresent()) {
      return name;
    }
    for (EventType t : registry.catalogue().all()) {
      if (t.displayName().equalsIgnoreCase(name.trim())) {
        return t.wireName();
      }
    }
    return name;
  }

  private AdminResponse tokenRoutes(Call c) {
    requireScope(c, Scope.TOKENS_ADMIN);
    if (c.size() == 1) {
      if (c.method().equals("GET")) {
        return listTokens(c);
      }
      requireMethod(c.request, "GET", "POST");
      return createToken(c);
    }
    if (c.size() == 2) {
      StoredToken t =
          settings
              .store()
              .findToken(c.at(1))
              .filter(
                  x -> c.principal.tenant().isEmpty() || x.tenant().equals(c.principal.tenant()))
              .orElseThrow(() -> Problem.notFound("the token " + c.at(1)));
      if (c.method().equals("GET")) {
        return ok(200, Render.token(t));
      }
      requireMethod(c.request, "GET", "DELETE");
      requireRevocable(c.principal, t);
      if (tokens.revoke(t.id())) {
        audit(c, t.tenant(), "token.revoke", t.id(), List.of("revoked"));
      }
      return new AdminResponse(204, Map.of("Cache-Control", List.of("no-store")), new byte[0]);
    }
    throw Problem.notFound("the resource " + c.request.path());
  }

  /**
   * A tenant-bound principal revokes only tokens whose scopes it holds all of, as it issues only
   * such tokens: otherwise a token that may only manage tokens could cut off its tenant's wider
   * ones. A host-level principal revokes any token.
   */
  private static void requireRevocable(Principal principal, StoredToken t) {
    if (principal.tenant().isEmpty()) {
      return;
    }
    List<String> lacking = new ArrayList<>();
    for (Scope s : t.scopes()) {
      if (!principal.has(s)) {
        lacking.add(s.wireName());
      }
    }
    if (!lacking.isEmpty()) {
      throw new Problem(
          403,
          "token-scopes",
          "Token holds more scopes",
          "the token "
              + t.id()
              + " holds "
              + String.join(", ", lacking)
              + ", which this token does not: a tenant's token revokes only tokens whose scopes"
              + " it holds all of",
          List.of());
    }
  }

  private AdminResponse listTokens(Call c) {
    onlyParameters(c.request, "limit", "cursor");
    int limit = limit(c.request);
    Optional<String> after = c.request.queryParameter("cursor").map(Cursor::decodeText);
    List<StoredToken> found = settings.store().listTokens(c.principal.tenant(), after, limit + 1);
    boolean done = found.size() <= limit;
    List<StoredToken> shown = done ? found : found.subList(0, limit);
    ArrayNode data = JSON.createArrayNode();
    shown.forEach(t -> data.add(Render.token(t)));
    return ok(
        200,
        list(
            data,
            done ? Optional.empty() : Optional.of(Cursor.encodeText(shown.get(limit - 1).id()))));
  }

  private AdminResponse createToken(Call c) {
    requireContentType(c.request, JSON_TYPE);
    ObjectNode body = object(c.request);
    List<Violation> violations = new ArrayList<>();
    unknownFields(body, Set.of("name", "tenant", "scopes", "expires_at"), violations);
    Optional<String> name = required(body, "name", violations);
    if (name.isPresent() && (name.get().isBlank() || name.get().length() > 200)) {
      violations.add(new Violation("name", "is blank or too long", "1 to 200 characters"));
    } else if (name.isPresent() && name.get().chars().anyMatch(Character::isISOControl)) {
      violations.add(new Violation("name", "contains a control character", "printable characters"));
    } else if (name.isPresent() && Printable.hasUnpairedSurrogate(name.get())) {
      violations.add(
          new Violation(
              "name",
              "contains half of a surrogate pair (not valid Unicode)",
              "printable characters"));
    }
    Optional<String> tenant = tenantOf(body, c.principal, violations);
    if (c.principal.tenant().isEmpty()
        && tenant.isPresent()
        && !TokenService.isTenant(tenant.get())) {
      violations.add(
          new Violation("tenant", "is malformed", "1 to 128 characters A-Z a-z 0-9 . _ : @ -"));
    }
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    JsonNode scopeNode = body.get("scopes");
    String allowedScopes = names(Scope.values(), Scope::wireName);
    if (scopeNode == null || scopeNode.isNull() || (scopeNode.isArray() && scopeNode.isEmpty())) {
      violations.add(new Violation("scopes", "is required: at least one scope", allowedScopes));
    } else if (!scopeNode.isArray()) {
      violations.add(new Violation("scopes", "is not an array", "an array of: " + allowedScopes));
    } else {
      for (JsonNode s : scopeNode) {
        Optional<Scope> scope = s.isTextual() ? Scope.fromWireName(s.asText()) : Optional.empty();
        if (scope.isEmpty()) {
          violations.add(new Violation("scopes", "names an unknown scope", allowedScopes));
        } else if (!c.principal.has(scope.get())) {
          violations.add(
              new Violation(
                  "scopes",
                  "grants " + scope.get().wireName() + ", which this token does not hold",
                  "scopes this token holds"));
        } else {
          scopes.add(scope.get());
        }
      }
    }
    // Compared below as it will be stored, to the microsecond: the maker's expiry is stored so too.
    Optional<Instant> expires =
        text(body, "expires_at", violations)
            .flatMap(v -> time("expires_at", v, violations))
            .map(TokenService::storedExpiry);
    if (expires.isPresent() && !expires.get().isAfter(settings.clock().instant())) {
      violations.add(new Violation("expires_at", "is not in the future", "a future time"));
    }
    // A token never makes one that outlives it: without expires_at the new token ends with the
    // one making it; a later expires_at is refused. The maker is read again: revoked since it
    // authenticated, and its row deleted (a store keeps a tenant's newest dead tokens only), its
    // expiry would be unknown, and the new token would have none.
    Optional<Instant> parentExpiry;
    if (c.bearerToken && c.principal.tokenId().isPresent()) {
      parentExpiry =
          settings
              .store()
              .findToken(c.principal.tokenId().get())
              .filter(t -> t.usableAt(settings.clock().instant()))
              .orElseThrow(() -> Problem.unauthorized("the token is not valid, expired or revoked"))
              .expiresAt();
    } else {
      // a host Authenticator's principal: a token id it names, if any, is only looked up
      parentExpiry =
          c.principal
              .tokenId()
              .flatMap(id -> settings.store().findToken(id))
              .flatMap(StoredToken::expiresAt);
    }
    boolean expiryDefaulted = false;
    if (parentExpiry.isPresent()) {
      if (expires.isEmpty()) {
        expires = parentExpiry;
        expiryDefaulted = true;
      } else if (expires.get().isAfter(parentExpiry.get())) {
        violations.add(
            new Violation(
                "expires_at",
                "is after the expiry of the token making it",
                "at or before " + parentExpiry.get()));
      }
    }
    if (!violations.isEmpty() || name.isEmpty()) {
      throw Problem.validation("the token is not valid", violations);
    }
    IssuedToken issued;
    try {
      issued = tokens.issue(name.get(), tenant, scopes, expires);
    } catch (TokenLimitException e) {
      throw Problem.conflict("token-limit", String.valueOf(e.getMessage()));
    }
    StoredToken stored = settings.store().findToken(issued.id()).orElseThrow();
    List<String> fields = new ArrayList<>();
    body.fieldNames().forEachRemaining(fields::add);
    if (expiryDefaulted) {
      fields.add("expires_at");
    }
    audit(c, tenant, "token.create", issued.id(), fields);
    ObjectNode out = Render.token(stored);
    out.put("token", issued.token().reveal());
    return ok(201, out).withHeader("Location", settings.basePath() + "/tokens/" + issued.id());
  }

  private AdminResponse auditLog(Call c) {
    onlyParameters(c.request, "limit", "cursor");
    int limit = limit(c.request);
    OptionalLong before = OptionalLong.empty();
    Optional<String> cursor = c.request.queryParameter("cursor");
    if (cursor.isPresent()) {
      try {
        before = OptionalLong.of(Long.parseLong(Cursor.decodeText(cursor.get())));
      } catch (NumberFormatException e) {
        throw Problem.badRequest(
            "cursor", "is not a cursor this API returned", "the next_cursor of the previous page");
      }
    }
    List<AuditEntry> found = settings.store().listAudit(c.principal.tenant(), before, limit + 1);
    boolean done = found.size() <= limit;
    List<AuditEntry> shown = done ? found : found.subList(0, limit);
    ArrayNode data = JSON.createArrayNode();
    shown.forEach(e -> data.add(Render.audit(e)));
    return ok(
        200,
        list(
            data,
            done
                ? Optional.empty()
                : Optional.of(Cursor.encodeText(Long.toString(shown.get(limit - 1).sequence())))));
  }

  /**
   * Records a change that is already made. A store failure here is logged, not answered: a 503
   * would tell the client to retry a change that happened (a retried create, even with its {@code
   * Idempotency-Key}, made a second webhook) and withhold what the change returned (a new signing
   * secret or token, shown only in this answer).
   */
  private void audit(
      Call c, Optional<String> tenant, String action, String target, List<String> fields) {
    try {
      settings
          .store()
          .appendAudit(
              new AuditEntry(
                  0,
                  settings.clock().instant(),
                  c.principal.tokenId(),
                  c.principal.name(),
                  tenant,
                  action,
                  target,
                  fields));
    } catch (AdminStoreException e) {
      log.error(
          "admin API change made but its audit entry was not written: {} {} by token {}: {}",
          action,
          target,
          c.principal.tokenId().orElse("(host principal)"),
          withoutCauseMessages(e));
    }
  }

  // ------------------------------------------------------------------ OpenAPI

  private AdminResponse openApiDocument() {
    byte[] doc = openApi;
    if (doc == null) {
      try (InputStream in =
          AdminService.class.getResourceAsStream("/dev/hookline/admin/openapi.json")) {
        if (in == null) {
          throw new IllegalStateException("openapi.json is missing from the jar");
        }
        ObjectNode tree = (ObjectNode) JSON.readTree(in);
        ArrayNode servers = tree.putArray("servers");
        servers.addObject().put("url", settings.basePath());
        doc = JSON.writeValueAsBytes(tree);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      openApi = doc;
    }
    return new AdminResponse(
        200,
        Map.of(
            "Content-Type",
            List.of(JSON_TYPE),
            "Cache-Control",
            List.of("no-cache"),
            "X-Content-Type-Options",
            List.of("nosniff")),
        doc);
  }

  // ------------------------------------------------------------------ helpers

  static boolean hasNul(String s) {
    return s.indexOf('\u0000') >= 0;
  }

  private static List<String> segments(String rest) {
    List<String> out = new ArrayList<>();
    for (String s : rest.split("/", -1)) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * A request's method as routed: HEAD is GET without a body (RFC 9110 section 9.3.2), which the
   * adapters leave out; everything else as sent.
   */
  private static String routedMethod(AdminRequest r) {
    return r.method().equals("HEAD") ? "GET" : r.method();
  }

  private static void requireMethod(AdminRequest r, String... allowed) {
    String method = routedMethod(r);
    List<String> allow = new ArrayList<>();
    for (String m : allowed) {
      if (m.equals(method)) {
        return;
      }
      allow.add(m);
      if (m.equals("GET")) {
        allow.add("HEAD");
      }
    }
    throw Problem.methodNotAllowed(String.join(", ", allow));
  }

  private static void requireContentType(AdminRequest r, String expected) {
    String type = r.header("Content-Type").orElse("");
    int semi = type.indexOf(';');
    String bare = (semi < 0 ? type : type.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    if (!bare.equals(expected)) {
      throw Problem.unsupportedMediaType(expected);
    }
  }

  /**
   * The body as one JSON object, read whole: nothing may follow it (Jackson's {@code readTree}
   * stops after the first value) and no member may be given twice (Jackson keeps the last), so a
   * body is never read one way of two. A malformed body is answered saying where it breaks, never
   * quoting it (it may hold an API key).
   */
  private static ObjectNode object(AdminRequest r) {
    byte[] body = r.body();
    JsonNode node;
    try (JsonParser p = JSON.getFactory().createParser(body)) {
      node = JSON.readTree(p);
      if (node != null && p.nextToken() != null) {
        throw Problem.badRequest(
            "body",
            "has more after the JSON object, " + where(p.currentTokenLocation()),
            "one JSON object");
      }
    } catch (JsonProcessingException e) {
      throw Problem.badRequest(
          "body", "is not valid JSON, " + where(e.getLocation()), "a JSON object");
    } catch (IOException e) {
      throw Problem.badRequest("body", "is not valid JSON", "a JSON object");
    }
    if (node == null || !node.isObject()) {
      throw Problem.badRequest("body", "is not a JSON object", "a JSON object");
    }
    Optional<String> repeated = repeatedMember(body);
    if (repeated.isPresent()) {
      throw Problem.badRequest(repeated.get(), "is given more than once", "each member once");
    }
    return (ObjectNode) node;
  }

  private static String where(@Nullable JsonLocation at) {
    return at == null
        ? "at an unknown place"
        : "at line " + at.getLineNr() + ", column " + at.getColumnNr();
  }

  /** The first member name an object of a (valid) body repeats. */
  private static Optional<String> repeatedMember(byte[] body) {
    try (JsonParser p = JSON.getFactory().createParser(body)) {
      java.util.Deque<Set<String>> objects = new java.util.ArrayDeque<>();
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.START_OBJECT) {
          objects.push(new java.util.HashSet<>());
        } else if (t == JsonToken.END_OBJECT) {
          objects.pop();
        } else if (t == JsonToken.FIELD_NAME && !objects.element().add(p.currentName())) {
          return Optional.of(p.currentName());
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // parsed once already
    }
  }

  private static void unknownFields(ObjectNode body, Set<String> known, List<Violation> out) {
    String allowed = String.join(", ", new java.util.TreeSet<>(known));
    int unknown = 0;
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f) && ++unknown <= MAX_UNKNOWN_FIELDS_NAMED) {
        out.add(new Violation(f, "is not a field of this request", allowed));
      }
    }
    if (unknown > MAX_UNKNOWN_FIELDS_NAMED) {
      out.add(
          new Violation(
              "body",
              String.format(
                  Locale.ROOT,
                  "holds %,d more fields that are not fields of this request",
                  unknown - MAX_UNKNOWN_FIELDS_NAMED),
              allowed));
    }
  }

  /**
   * The most unknown fields of a body named one by one; the rest are counted in one more error, so
   * that a body of thousands of them is not answered with an error, and the list of known fields,
   * for each.
   */
  static final int MAX_UNKNOWN_FIELDS_NAMED = 10;

  /** A string field, absent if missing or null. */
  private static Optional<String> text(ObjectNode body, String field, List<Violation> out) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isTextual()) {
      out.add(new Violation(field, "is not a string", "a string"));
      return Optional.empty();
    }
    return Optional.of(n.asText());
  }

  private static Optional<String> nullable(ObjectNode body, String field, List<Violation> out) {
    return text(body, field, out);
  }

  private static Optional<String> required(ObjectNode body, String field, List<Violation> out) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      out.add(new Violation(field, "is required", "a string"));
      return Optional.empty();
    }
    return text(body, field, out);
  }

  private Optional<List<String>> events(ObjectNode body, List<Violation> out) {
    JsonNode n = body.get("subscribed_events");
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isArray()) {
      out.add(
          new Violation(
              "subscribed_events", "is not an array", "an array of wire or display names"));
      return Optional.empty();
    }
    List<String> names = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        out.add(
            new Violation("subscribed_events", "contains a value that is not a string", "strings"));
        return Optional.empty();
      }
      names.add(wireName(e.asText()));
    }
    return Optional.of(names);
  }

  private static Optional<WebhookFormat> format(ObjectNode body, List<Violation> out) {
    return text(body, "format", out)
        .flatMap(
            f -> {
              try {
                return Optional.of(WebhookFormat.valueOf(f));
              } catch (IllegalArgumentException e) {
                out.add(new Violation("format", "is not a format", names(WebhookFormat.values())));
                return Optional.empty();
              }
            });
  }

  /** The registry's violations, with the API's field names. */
  private static List<Violation> apiViolations(List<Violation> violations) {
    List<Violation> out = new ArrayList<>();
    for (Violation v : violations) {
      out.add(new Violation(apiField(v.field()), v.problem(), v.allowed()));
    }
    return out;
  }

  private static String apiField(String field) {
    if (field.equals("events") || field.startsWith("events")) {
      return "subscribed_events" + field.substring("events".length());
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char ch = field.charAt(i);
      if (Character.isUpperCase(ch)) {
        b.append('_').append(Character.toLowerCase(ch));
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }

  private static List<Violation> merge(List<Violation> a, List<Violation> b) {
    Set<Violation> all = new LinkedHashSet<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  /**
   * Checks an {@code If-Match} header against the webhook's current version (RFC 9110 13.1.1):
   * {@code *} matches any current webhook; a list of entity-tags matches if one of them is the
   * version (empty list elements are ignored). A weak {@code W/"3"} counts as {@code "3"}, as the
   * API has always taken it (a compressing proxy may weaken the ETag a client read).
   *
   * @throws Problem 412 if nothing matches; 400 if the header is neither {@code *} nor a list of
   *     versions
   */
  private static void requireMatch(String ifMatch, long current) {
    if (ifMatch.trim().equals("*")) {
      return;
    }
    List<Long> versions = new ArrayList<>();
    for (String element : ifMatch.split(",", -1)) {
      if (!element.isBlank()) {
        versions.add(version(element));
      }
    }
    if (versions.isEmpty()) {
      throw Problem.badRequest(
          "If-Match", "is not a version", "the ETag of the webhook, such as \"3\", or *");
    }
    if (!versions.contains(current)) {
      List<String> named = new ArrayList<>();
      versions.forEach(v -> named.add(Long.toString(v)));
      throw Problem.staleVersion(
          "the webhook is at version "
              + current
              + ", not "
              + String.join(" or ", named)
              + ": read it again and reapply your change");
    }
  }

  private static long version(String ifMatch) {
    String v = ifMatch.trim();
    if (v.startsWith("W/")) {
      v = v.substring(2);
    }
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw Problem.badRequest(
          "If-Match", "is not a version", "the ETag of the webhook, such as \"3\"");
    }
  }

  private static Problem stale(long expected, long actual) {
    return Problem.staleVersion(
        "the webhook is at version "
            + actual
            + ", not "
            + expected
            + ": read it again and reapply your change");
  }

  /**
   * A change the registry refused because of another one: a stale version is 412, as for a stale
   * {@code If-Match}; a state change that kept losing to concurrent ones is 409.
   */
  private static Problem conflict(WebhookConflictException e) {
    return switch (e.reason()) {
      case STALE_VERSION -> stale(e.expectedVersion(), e.actualVersion());
      case CONTENDED -> Problem.conflict("contended", String.valueOf(e.getMessage()));
      case DUPLICATE_ID -> Problem.conflict("duplicate-id", String.valueOf(e.getMessage()));
    };
  }

  /**
   * Refuses a query parameter a list does not take: ignored, a misnamed filter (webhooks filter by
   * {@code status}, deliveries by {@code state}) answered the whole list as if it were filtered.
   */
  private static void onlyParameters(AdminRequest r, String... known) {
    List<String> names = List.of(known);
    for (String name : r.queryParameterNames()) {
      if (!names.contains(name)) {
        throw Problem.badRequest(name, "is not a parameter of this list", String.join(", ", names));
      }
    }
  }

  private static int limit(AdminRequest r) {
    Optional<String> v = r.queryParameter("limit");
    if (v.isEmpty()) {
      return DEFAULT_PAGE;
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n >= 1 && n <= MAX_PAGE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw Problem.badRequest("limit", "is out of range", "1 to " + MAX_PAGE);
  }

  private static boolean bool(String field, String v) {
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    throw Problem.badRequest(field, "is not a boolean", "true or false");
  }

  private static Instant instant(String field, String v) {
    List<Violation> violations = new ArrayList<>();
    return time(field, v, violations)
        .orElseThrow(() -> Problem.validation(violations.get(0).problem(), violations));
  }

  /**
   * A body's time, or empty with the reason added to {@code out}: one error among the body's
   * others, which are all listed together.
   */
  private static Optional<Instant> time(String field, String v, List<Violation> out) {
    Instant t;
    try {
      t = Instant.parse(v);
    } catch (DateTimeParseException e) {
      out.add(new Violation(field, "is not a time", "ISO-8601, such as 2026-11-30T00:00:00Z"));
      return Optional.empty();
    }
    if (!inRange(t)) {
      out.add(new Violation(field, "is out of range", TIME_RANGE));
      return Optional.empty();
    }
    return Optional.of(t);
  }

  /**
   * Whether a time is one the API takes: Java parses years up to a billion, which no store holds
   * (PostgreSQL's {@code timestamptz} ends in the year 294276, a {@code java.sql.Timestamp} in
   * about 292 million) and which overflow when a page's position is computed with.
   */
  static boolean inRange(Instant t) {
    return !t.isBefore(MIN_TIME) && !t.isAfter(MAX_TIME);
  }

  private static <E extends Enum<E>> String names(E[] values) {
    return names(values, Enum::name);
  }

  private static <E> String names(E[] values, java.util.function.Function<E, String> name) {
    List<String> out = new ArrayList<>();
    for (E e : values) {
      out.add(name.apply(e));
    }
    return String.join(", ", out);
  }

  private static ObjectNode list(ArrayNode data, Optional<String> next) {
    ObjectNode n = JSON.createObjectNode();
    n.set("data", data);
    if (next.isPresent()) {
      n.put("next_cursor", next.get());
    } else {
      n.putNull("next_cursor");
    }
    n.put("done", next.isEmpty());
    return n;
  }

  private AdminResponse webhookResponse(int status, Webhook w) {
    return webhookResponse(status, w, Render.webhook(w));
  }

  private AdminResponse webhookResponse(int status, Webhook w, ObjectNode body) {
    return ok(status, body).withHeader("ETag", "\"" + w.version() + "\"");
  }

  static AdminResponse ok(int status, JsonNode body) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Content-Type", List.of(JSON_TYPE));
    h.put("Cache-Control", List.of("no-store"));
    h.put("X-Content-Type-Options", List.of("nosniff"));
    try {
      return new AdminResponse(status, h, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The tenant a write is for: a tenant-bound principal's own (a body naming another is a
   * violation), otherwise the body's {@code tenant}, if any.
   */
  private Optional<String> tenantOf(
      ObjectNode body, Principal principal, List<Violation> violations) {
    Optional<String> named = text(body, "tenant", violations);
    Optional<String> own = principal.tenant();
    if (own.isEmpty()) {
      return named;
    }
    if (named.isPresent() && !named.get().equals(own.get())) {
      violations.add(
          new Violation(
              "tenant",
              "names another tenant than the token's",
              "absent, or the token's own tenant " + own.get()));
    }
    return own;
  }

  static AdminResponse problem(Problem p) {
    ObjectNode body = JSON.createObjectNode();
    body.put("type", Problem.TYPE_BASE + p.slug());
    body.put("title", p.title());
    body.put("status", p.status());
    body.put("detail", Objects.requireNonNullElse(p.getMessage(), p.title()));
    if (!p.errors().isEmpty()) {
      ArrayNode errors = body.putArray("errors");
      for (Violation v : p.errors()) {
        errors
            .addObject()
            .put("field", v.field())
            .put("reason", v.problem())
            .put("allowed", v.allowed());
      }
    }
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Content-Type", List.of("application/problem+json"));
    h.put("Cache-Control", List.of("no-store"));
    h.put("X-Content-Type-Options", List.of("nosniff"));
    p.headers().forEach((k, v) -> h.put(k, List.of(v)));
    try {
      return new AdminResponse(p.status(), h, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
