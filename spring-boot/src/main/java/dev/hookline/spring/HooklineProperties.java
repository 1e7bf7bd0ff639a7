package dev.hookline.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code hookline.*} properties that {@link HooklineAutoConfiguration} reads. A dispatcher
 * setting left unset keeps the library's default; values are checked when the beans are built, and
 * a bad one fails startup with a message that names the property.
 *
 * <p>Not thread-safe: Spring binds it once, at startup. Key material is never shown by {@link
 * #toString()} or in an error message.
 */
@ConfigurationProperties("hookline")
public final class HooklineProperties {
  /**
   * Development only: accept http:// webhook URIs on loopback (localhost, 127.0.0.0/8, ::1). Never
   * turn it on in production.
   */
  private boolean allowInsecureLoopbackForDevelopment;

  /** Webhooks one tenant may have, 1 to 1,000,000 (library default 100). */
  private @Nullable Integer maxWebhooksPerTenant;

  private final Store store = new Store();
  private final Secrets secrets = new Secrets();
  private final Dispatcher dispatcher = new Dispatcher();
  private final Integration micrometer = new Integration();
  private final Integration opentelemetry = new Integration();
  private final Health health = new Health();
  private final Admin admin = new Admin();

  /** Creates the properties with every default. */
  public HooklineProperties() {}

  /**
   * Returns whether http:// loopback webhook URIs are accepted (development only).
   *
   * @return whether they are accepted; default false
   */
  public boolean isAllowInsecureLoopbackForDevelopment() {
    return allowInsecureLoopbackForDevelopment;
  }

  /**
   * Sets whether http:// loopback webhook URIs are accepted. Development only.
   *
   * @param allow whether to accept them
   */
  public void setAllowInsecureLoopbackForDevelopment(boolean allow) {
    this.allowInsecureLoopbackForDevelopment = allow;
  }

  /**
   * Returns {@code hookline.max-webhooks-per-tenant}, or null to keep the library's default (100).
   *
   * @return the limit, if set
   */
  public @Nullable Integer getMaxWebhooksPerTenant() {
    return maxWebhooksPerTenant;
  }

  /**
   * Sets how many webhooks one tenant may have (the host's own are not counted).
   *
   * @param maxWebhooksPerTenant 1 to 1,000,000, or null for the library's default
   */
  public void setMaxWebhooksPerTenant(@Nullable Integer maxWebhooksPerTenant) {
    this.maxWebhooksPerTenant = maxWebhooksPerTenant;
  }

  /**
   * Returns the {@code hookline.store.*} properties.
   *
   * @return the store properties
   */
  public Store getStore() {
    return store;
  }

  /**
   * Returns the {@code hookline.secrets.*} properties.
   *
   * @return the secrets properties
   */
  public Secrets getSecrets() {
    return secrets;
  }

  /**
   * Returns the {@code hookline.dispatcher.*} properties.
   *
   * @return the dispatcher properties
   */
  public Dispatcher getDispatcher() {
    return dispatcher;
  }

  /**
   * Returns the {@code hookline.micrometer.*} properties.
   *
   * @return the Micrometer properties
   */
  public Integration getMicrometer() {
    return micrometer;
  }

  /**
   * Returns the {@code hookline.opentelemetry.*} properties.
   *
   * @return the OpenTelemetry properties
   */
  public Integration getOpentelemetry() {
    return opentelemetry;
  }

  /**
   * Returns the {@code hookline.health.*} properties.
   *
   * @return the health indicator properties
   */
  public Health getHealth() {
    return health;
  }

  /**
   * Returns the {@code hookline.admin.*} properties.
   *
   * @return the admin API properties
   */
  public Admin getAdmin() {
    return admin;
  }

  @Override
  public String toString() {
    return "HooklineProperties[allowInsecureLoopbackForDevelopment="
        + allowInsecureLoopbackForDevelopment
        + ", store.schema="
        + store.schema
        + ", secrets.primaryKeyId="
        + secrets.primaryKeyId
        + ", secrets.decryptionKeyIds="
        + secrets.decryptionKeys.keySet()
        + ", admin.enabled="
        + admin.enabled
        + ", admin.path="
        + admin.path
        + "]";
  }

  /** {@code hookline.store.*}: the PostgreSQL store, used when there is a DataSource. */
  public static final class Store {
    /** The PostgreSQL schema of Hookline's tables; created and migrated at startup. */
    private String schema = "hookline";

    /** Creates the defaults. */
    public Store() {}

    /**
     * Returns the schema.
     *
     * @return the schema; default {@code hookline}
     */
    public String getSchema() {
      return schema;
    }

    /**
     * Sets the schema.
     *
     * @param schema 1 to 63 characters {@code a-z 0-9 _}, not starting with a digit
     */
    public void setSchema(String schema) {
      this.schema = schema;
    }
  }

  /**
   * {@code hookline.secrets.*}: the AES-GCM keys that encrypt API keys and signing secrets in the
   * PostgreSQL store. Not used when the application has a {@code SecretCipher} bean.
   */
  public static final class Secrets {
    /** The id recorded with every encrypted value: 1 to 64 characters A-Z a-z 0-9 _ -. */
    private @Nullable String primaryKeyId;

    /** The key that encrypts, base64: 16, 24 or 32 bytes once decoded. */
    private @Nullable String primaryKey;

    /**
     * Former primary keys that only decrypt, by key id, base64: kept while values are rewritten.
     */
    private final Map<String, String> decryptionKeys = new LinkedHashMap<>();

    /** Creates the defaults: no key. */
    public Secrets() {}

    /**
     * Returns the primary key's id.
     *
     * @return the id, or null if unset
     */
    public @Nullable String getPrimaryKeyId() {
      return primaryKeyId;
    }

    /**
     * Sets the primary key's id.
     *
     * @param primaryKeyId 1 to 64 characters {@code A-Z a-z 0-9 _ -}
     */
    public void setPrimaryKeyId(@Nullable String primaryKeyId) {
      this.primaryKeyId = primaryKeyId;
    }

    /**
     * Returns the primary key, base64.
     *
     * @return the key, or null if unset
     */
    public @Nullable String getPrimaryKey() {
      return primaryKey;
    }

    /**
     * Sets the primary key.
     *
     * @param primaryKey base64 of 16, 24 or 32 bytes
     */
    public void setPrimaryKey(@Nullable String primaryKey) {
      this.primaryKey = primaryKey;
    }

    /**
     * Returns the decryption-only keys, base64 by key id; Spring binds into this map.
     *
     * @return the mutable map
     */
    public Map<String, String> getDecryptionKeys() {
      return decryptionKeys;
    }

    @Override
    public String toString() {
      return "Secrets[primaryKeyId="
          + primaryKeyId
          + ", decryptionKeyIds="
          + decryptionKeys.keySet()
          + "]";
    }
  }

  /**
   * {@code hookline.dispatcher.*}: the dispatcher's most used settings; unset ones keep the
   * library's defaults (see {@code Dispatcher.Builder}).
   */
  public static final class Dispatcher {
    /** Whether the dispatcher starts with the application context; false: built, not started. */
    private boolean autoStart = true;

    /** Attempts in flight at once in total, 1 to 10,000 (library default 1,000). */
    private @Nullable Integer workers;

    /** Attempts in flight at once against one webhook, 1 to 1,000 (library default 4). */
    private @Nullable Integer perEndpointConcurrency;

    /**
     * Deliveries the webhooks of one tenant hold at once, running or queued, 1 to 10,000 (library
     * default a quarter of the workers, at least the per-endpoint concurrency).
     */
    private @Nullable Integer perTenantConcurrency;

    /** How often the Store is polled for due deliveries, 1 ms to 1 h (library default 1 s). */
    private @Nullable Duration pollInterval;

    /** How often webhooks are reloaded from the Store, 1 ms to 1 day (library default 30 s). */
    private @Nullable Duration webhookReloadInterval;

    /** How long closing lets running attempts finish, 0 to 10 min (library default 5 s). */
    private @Nullable Duration shutdownTimeout;

    /** Creates the defaults. */
    public Dispatcher() {}

    /**
     * Returns whether the dispatcher starts with the context.
     *
     * @return whether it starts; default true
     */
    public boolean isAutoStart() {
      return autoStart;
    }

    /**
     * Sets whether the dispatcher starts with the context.
     *
     * @param autoStart false to build it without starting it
     */
    public void setAutoStart(boolean autoStart) {
      this.autoStart = autoStart;
    }

    /**
     * Returns the total number of attempts in flight at once.
     *
     * @return the number, or null for the library's default
     */
    public @Nullable Integer getWorkers() {
      return workers;
    }

    /**
     * Sets the total number of attempts in flight at once.
     *
     * @param workers 1 to 10,000
     */
    public void setWorkers(@Nullable Integer workers) {
      this.workers = workers;
    }

    /**
     * Returns the number of attempts in flight at once against one webhook.
     *
     * @return the number, or null for the library's default
     */
    public @Nullable Integer getPerEndpointConcurrency() {
      return perEndpointConcurrency;
    }

    /**
     * Sets the number of attempts in flight at once against one webhook.
     *
     * @param perEndpointConcurrency 1 to 1,000
     */
    public void setPerEndpointConcurrency(@Nullable Integer perEndpointConcurrency) {
      this.perEndpointConcurrency = perEndpointConcurrency;
    }

    /**
     * Returns the number of deliveries the webhooks of one tenant hold at once.
     *
     * @return the number, or null for the library's default
     */
    public @Nullable Integer getPerTenantConcurrency() {
      return perTenantConcurrency;
    }

    /**
     * Sets the number of deliveries the webhooks of one tenant hold at once, running or queued.
     *
     * @param perTenantConcurrency 1 to 10,000
     */
    public void setPerTenantConcurrency(@Nullable Integer perTenantConcurrency) {
      this.perTenantConcurrency = perTenantConcurrency;
    }

    /**
     * Returns the poll interval.
     *
     * @return the interval, or null for the library's default
     */
    public @Nullable Duration getPollInterval() {
      return pollInterval;
    }

    /**
     * Sets the poll interval.
     *
     * @param pollInterval 1 ms to 1 hour
     */
    public void setPollInterval(@Nullable Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    /**
     * Returns the webhook reload interval.
     *
     * @return the interval, or null for the library's default
     */
    public @Nullable Duration getWebhookReloadInterval() {
      return webhookReloadInterval;
    }

    /**
     * Sets the webhook reload interval.
     *
     * @param webhookReloadInterval 1 ms to 1 day
     */
    public void setWebhookReloadInterval(@Nullable Duration webhookReloadInterval) {
      this.webhookReloadInterval = webhookReloadInterval;
    }

    /**
     * Returns the shutdown timeout.
     *
     * @return the timeout, or null for the library's default
     */
    public @Nullable Duration getShutdownTimeout() {
      return shutdownTimeout;
    }

    /**
     * Sets the shutdown timeout.
     *
     * @param shutdownTimeout zero to 10 minutes
     */
    public void setShutdownTimeout(@Nullable Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
    }
  }

  /**
   * {@code hookline.health.*}: the Actuator health indicator, present when Spring Boot Actuator is
   * (turned off with {@code management.health.hookline.enabled=false}).
   */
  public static final class Health {
    /** How long a health check waits for the Store to answer a lookup, 1 ms to 1 min. */
    private Duration storeTimeout = Duration.ofSeconds(2);

    /** Creates the defaults. */
    public Health() {}

    /**
     * Returns how long a health check waits for the Store.
     *
     * @return the timeout; default 2 seconds
     */
    public Duration getStoreTimeout() {
      return storeTimeout;
    }

    /**
     * Sets how long a health check waits for the Store; checked at startup.
     *
     * @param storeTimeout 1 ms to 1 minute
     */
    public void setStoreTimeout(Duration storeTimeout) {
      this.storeTimeout = storeTimeout;
    }
  }

  /**
   * {@code hookline.micrometer.*} and {@code hookline.opentelemetry.*}: an optional integration.
   */
  public static final class Integration {
    /** Whether the integration is wired when its module and registry are present. */
    private boolean enabled = true;

    /** Creates the defaults. */
    public Integration() {}

    /**
     * Returns whether the integration is wired.
     *
     * @return whether it is; default true
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the integration is wired.
     *
     * @param enabled false to leave it out
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /**
   * {@code hookline.admin.*}: the management API and the Webhooks admin page, mounted as a servlet
   * when hookline-admin is on the class path and the application is a servlet web application.
   */
  public static final class Admin {
    /** Whether the admin API and page are mounted; off unless turned on. */
    private boolean enabled;

    /**
     * Where they are mounted, below the servlet context path: the API at {@code <path>/api/v1}, the
     * page at {@code <path>/admin/}. Starts with a slash, no trailing slash.
     */
    private String path = "/hookline";

    /** Creates the defaults. */
    public Admin() {}

    /**
     * Returns whether the admin API and page are mounted.
     *
     * @return whether they are; default false
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the admin API and page are mounted.
     *
     * @param enabled true to mount them
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the mount path.
     *
     * @return the path; default {@code /hookline}
     */
    public String getPath() {
      return path;
    }

    /**
     * Sets the mount path; checked at startup.
     *
     * @param path such as {@code /hookline}: segments of {@code A-Z a-z 0-9 . _ ~ -}, each after a
     *     slash, no trailing slash
     */
    public void setPath(String path) {
      this.path = path;
    }
  }
}
