package dev.hookline.admin;

import dev.hookline.WebhookRegistry;
import dev.hookline.admin.internal.AdminService;
import dev.hookline.admin.internal.AdminSettings;
import dev.hookline.admin.internal.VerificationLimits;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.delivery.Dispatcher;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The management API and the admin page, independent of any web framework: {@link #handle} turns an
 * {@link AdminRequest} into an {@link AdminResponse}. {@link AdminHttpHandlers} mounts it on a JDK
 * {@code HttpServer}; another adapter only has to copy requests and responses.
 *
 * <p>Requests under {@link #basePath()} (default {@code /api/v1}) are the REST API, authenticated
 * by bearer tokens ({@code hkl_...}, see {@link #issueToken}) or a host {@link Authenticator};
 * requests under {@link #pagePath()} (default {@code /admin/}) get the page's static files.
 *
 * <p>Thread-safe.
 */
public final class AdminApi {
  /** The default REST base path. */
  public static final String DEFAULT_BASE_PATH = "/api/v1";

  /** The default path of the admin page. */
  public static final String DEFAULT_PAGE_PATH = "/admin/";

  /** The default largest request body: 64 KiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  /** The default of {@link Builder#maxTokensPerTenant}: 100. */
  public static final int DEFAULT_MAX_TOKENS_PER_TENANT = 100;

  private final AdminService service;
  private final AdminSettings settings;

  private AdminApi(AdminSettings settings) {
    this.settings = settings;
    this.service = new AdminService(settings, AdminRequest::headerValues);
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Answers one request. Never throws for a bad request: every failure is a problem response.
   *
   * @param request the request
   * @return the response
   */
  public AdminResponse handle(AdminRequest request) {
    return service.handle(Objects.requireNonNull(request, "request"));
  }

  /**
   * Makes a token. Its value is returned once, here; only its hash is stored. Use it to make the
   * first token with {@link Scope#TOKENS_ADMIN}, which can then make others through the API.
   *
   * @param name what the token is for
   * @param tenant the tenant it is bound to; empty for a host-level token
   * @param scopes what it may do
   * @param expiresAt when it stops working, kept to the microsecond (finer digits are dropped);
   *     empty for never
   * @return the token
   * @throws IllegalArgumentException if the name or tenant is malformed, or no scope is given
   * @throws IllegalStateException if the tenant already has {@link Builder#maxTokensPerTenant} live
   *     tokens (neither revoked nor expired); nothing was written: revoke one first
   */
  public IssuedToken issueToken(
      String name, Optional<String> tenant, Set<Scope> scopes, Optional<Instant> expiresAt) {
    return service.tokens().issue(name, tenant, scopes, expiresAt);
  }

  /**
   * Revokes a token.
   *
   * @param id the token's id
   * @return true if it was usable and is now revoked
   */
  public boolean revokeToken(String id) {
    return service.tokens().revoke(Objects.requireNonNull(id, "id"));
  }

  /**
   * Returns the REST base path, such as {@code /api/v1}.
   *
   * @return the base path, without a trailing slash
   */
  public String basePath() {
    return settings.basePath();
  }

  /**
   * Returns the admin page's path, such as {@code /admin/}.
   *
   * @return the page path, with a trailing slash
   */
  public String pagePath() {
    return settings.pagePath();
  }

  /**
   * Returns the largest request body accepted; a larger one is answered 413.
   *
   * @return the limit in bytes
   */
  public int maxBodyBytes() {
    return settings.maxBodyBytes();
  }

  @Override
  public String toString() {
    return "AdminApi[" + settings.basePath() + ", " + settings.pagePath() + "]";
  }

  /** Builds an {@link AdminApi}. Not thread-safe. */
  public static final class Builder {
    private @Nullable WebhookRegistry registry;
    private @Nullable Dispatcher dispatcher;
    private AdminStore store = new InMemoryAdminStore();
    private @Nullable Clock clock;
    private SecureRandom random = new SecureRandom();
    private final List<Authenticator> authenticators = new ArrayList<>();
    private String basePath = DEFAULT_BASE_PATH;
    private String pagePath = DEFAULT_PAGE_PATH;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int maxAuthFailures = 20;
    private Duration authFailureWindow = Duration.ofMinutes(1);
    private int maxRedeliveries = 30;
    private Duration redeliveryWindow = Duration.ofMinutes(1);
    private Duration recoverPace = Duration.ofMillis(200);
    private Duration idempotencyRetention = Duration.ofHours(24);
    private int maxTokensPerTenant = DEFAULT_MAX_TOKENS_PER_TENANT;

    private Builder() {}

    /**
     * Sets the registry the API manages webhooks through. Required.
     *
     * @param registry the registry
     * @return this builder
     */
    public Builder registry(WebhookRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Sets the dispatcher for verification, test notifications, the delivery log and redelivery.
     * Required; it must use the same registry.
     *
     * @param dispatcher the dispatcher
     * @return this builder
     */
    public Builder dispatcher(Dispatcher dispatcher) {
      this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
      return this;
    }

    /**
     * Sets where tokens and the audit log are kept. Default: a new {@link InMemoryAdminStore}.
     *
     * @param store the store
     * @return this builder
     */
    public Builder store(AdminStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Sets the clock for token expiry, rate limits and the audit log. Default: the registry's.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the source of token bytes. Default: a new {@link SecureRandom}.
     *
     * @param random the source
     * @return this builder
     */
    public Builder secureRandom(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Adds the host's own authentication, consulted in order for requests without a valid Hookline
     * token.
     *
     * @param authenticator the authenticator
     * @return this builder
     */
    public Builder authenticator(Authenticator authenticator) {
      authenticators.add(Objects.requireNonNull(authenticator, "authenticator"));
      return this;
    }

    /**
     * Sets the REST base path. Default {@code /api/v1}.
     *
     * @param path the path, such as {@code /api/v1}
     * @return this builder
     * @throws IllegalArgumentException if it does not start with {@code /}, or is the root {@code
     *     /} (the API needs a path of its own: the page calls {@code <base>/webhooks})
     */
    public Builder basePath(String path) {
      String p = normalize(path, false);
      if (p.equals("/")) {
        throw new IllegalArgumentException(
            "basePath must not be the root '/': give the API a path of its own, such as /api/v1");
      }
      this.basePath = p;
      return this;
    }

    /**
     * Sets the admin page's path. Default {@code /admin/}.
     *
     * @param path the path, such as {@code /admin/}
     * @return this builder
     * @throws IllegalArgumentException if it does not start with {@code /}
     */
    public Builder pagePath(String path) {
      this.pagePath = normalize(path, true);
      return this;
    }

    /**
     * Sets the largest request body. Default 64 KiB.
     *
     * @param bytes the limit, 1 KiB to 64 MiB (the adapters read one byte more to tell a body over
     *     it)
     * @return this builder
     */
    public Builder maxBodyBytes(int bytes) {
      if (bytes < 1024 || bytes > 64 << 20) {
        throw new IllegalArgumentException(
            "maxBodyBytes must be 1024 to " + (64 << 20) + " (64 MiB), was " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Sets how many failed authentications one client address may make per window before it is
     * answered 429 until the window ends. Default 20 per minute.
     *
     * @param maxFailures failures allowed per window
     * @param window the window
     * @return this builder
     */
    public Builder authFailureLimit(int maxFailures, Duration window) {
      this.maxAuthFailures = positive(maxFailures, "maxFailures");
      this.authFailureWindow = positive(window, "window");
      return this;
    }

    /**
     * Sets how many single redeliveries and test events ({@code POST /webhooks/{id}/test}),
     * together, one webhook may get per window; more are answered 429 with {@code Retry-After}. One
     * refused otherwise (a delivery still queued or in flight, a webhook that does not receive)
     * queues nothing and does not count. Default 30 per minute.
     *
     * @param maxRedeliveries redeliveries allowed per window
     * @param window the window
     * @return this builder
     */
    public Builder redeliveryLimit(int maxRedeliveries, Duration window) {
      this.maxRedeliveries = positive(maxRedeliveries, "maxRedeliveries");
      this.redeliveryWindow = positive(window, "window");
      return this;
    }

    /**
     * Sets the spacing of the deliveries that {@code POST /webhooks/{id}/recover} with an {@code
     * until} requeues (without {@code until}, the dispatcher's own redelivery pace applies).
     * Default 200 ms.
     *
     * @param pace the spacing, not negative
     * @return this builder
     */
    public Builder recoverPace(Duration pace) {
      if (pace.isNegative()) {
        throw new IllegalArgumentException("recoverPace must not be negative");
      }
      this.recoverPace = pace;
      return this;
    }

    /**
     * Sets how long an {@code Idempotency-Key} of a create is remembered. Default 24 hours.
     *
     * @param retention the retention
     * @return this builder
     */
    public Builder idempotencyRetention(Duration retention) {
      this.idempotencyRetention = positive(retention, "retention");
      return this;
    }

    /**
     * Sets how many live tokens (neither revoked nor expired) one tenant may have. Past it {@code
     * POST /tokens} for that tenant is answered 409 ({@code .../problems/token-limit}) and {@link
     * AdminApi#issueToken} throws {@link IllegalStateException}, until one is revoked or expires.
     * Host-level tokens (no tenant) are not limited. The {@link AdminStore} counts and inserts
     * atomically (both built-in stores do), so concurrent creations never pass it. Default {@value
     * AdminApi#DEFAULT_MAX_TOKENS_PER_TENANT}.
     *
     * @param max the limit, 1 to 100,000
     * @return this builder
     * @throws IllegalArgumentException if out of range
     */
    public Builder maxTokensPerTenant(int max) {
      if (max < 1 || max > 100_000) {
        throw new IllegalArgumentException(
            "maxTokensPerTenant must be between 1 and 100,000, was " + max);
      }
      this.maxTokensPerTenant = max;
      return this;
    }

    /**
     * Returns the API.
     *
     * @return the API
     * @throws IllegalStateException if the registry or dispatcher is missing, or the base path is
     *     the page path without its slash
     */
    public AdminApi build() {
      WebhookRegistry r = registry;
      Dispatcher d = dispatcher;
      if (r == null || d == null) {
        throw new IllegalStateException("AdminApi needs registry(...) and dispatcher(...)");
      }
      if (basePath.equals(pagePath.substring(0, pagePath.length() - 1))) {
        throw new IllegalStateException(
            "basePath and pagePath are both " + basePath + ": give the page or the API another");
      }
      Clock c = clock == null ? r.clock() : clock;
      return new AdminApi(
          new AdminSettings(
              r,
              d,
              store,
              c,
              random,
              List.copyOf(authenticators),
              basePath,
              pagePath,
              maxBodyBytes,
              maxAuthFailures,
              authFailureWindow,
              maxRedeliveries,
              redeliveryWindow,
              recoverPace,
              idempotencyRetention,
              maxTokensPerTenant,
              VerificationLimits.DEFAULTS));
    }

    private static String normalize(String path, boolean trailingSlash) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("path must start with '/', was " + path);
      }
      String p =
          path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
      if (p.equals("/")) {
        return p; // the root: "/" either way, never "//"
      }
      return trailingSlash ? p + "/" : p;
    }

    private static int positive(int n, String what) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be positive, was " + n);
      }
      return n;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }
}
