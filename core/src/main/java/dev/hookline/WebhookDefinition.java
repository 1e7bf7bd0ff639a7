package dev.hookline;

import dev.hookline.internal.UriDisplay;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a customer asks for when registering a webhook: name, description, URI, API key, event types
 * and an optional filter; and, set by the host rather than the customer, the optional tenant that
 * owns it. The {@link WebhookRegistry} validates it on {@link WebhookRegistry#create create} and
 * {@link WebhookRegistry#update update} and reports every problem at once; the builder only rejects
 * nulls, so that all rules are reported together.
 *
 * <p>Immutable and thread-safe; {@link #toString()} never shows the API key.
 */
public final class WebhookDefinition {
  private final String name;
  private final String description;
  private final String uri;
  private final Secret apiKey;
  private final Set<String> eventTypes;
  private final Optional<String> filter;
  private final Optional<String> tenant;
  private final WebhookFormat format;
  private final Optional<String> audience;

  private WebhookDefinition(Builder b) {
    this.name = b.name;
    this.description = b.description;
    this.uri = b.uri;
    this.apiKey = b.apiKey;
    this.eventTypes = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(b.eventTypes));
    this.filter = Optional.ofNullable(b.filter);
    this.tenant = Optional.ofNullable(b.tenant);
    this.format = b.format;
    this.audience = Optional.ofNullable(b.audience);
  }

  /**
   * Starts an empty definition.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the name shown in listings.
   *
   * @return the name, as given
   */
  public String name() {
    return name;
  }

  /**
   * Returns the description, empty if none.
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  /**
   * Returns the endpoint URI as given.
   *
   * @return the URI text
   */
  public String uri() {
    return uri;
  }

  /**
   * Returns the API key the endpoint expects as {@code Authorization: Bearer <key>}.
   *
   * @return the key
   */
  public Secret apiKey() {
    return apiKey;
  }

  /**
   * Returns the wire names of the subscribed event types, in the order given.
   *
   * @return the event type names
   */
  public Set<String> eventTypes() {
    return eventTypes;
  }

  /**
   * Returns the filter expression, if any.
   *
   * @return the filter text
   */
  public Optional<String> filter() {
    return filter;
  }

  /**
   * Returns the tenant that owns the webhook, if any.
   *
   * @return the tenant
   */
  public Optional<String> tenant() {
    return tenant;
  }

  /**
   * Returns how notifications are written on the wire.
   *
   * @return the format, {@link WebhookFormat#STANDARD_WEBHOOKS} unless set
   */
  public WebhookFormat format() {
    return format;
  }

  /**
   * Returns the {@code aud} claim asked for a {@link WebhookFormat#SECURITY_EVENT_TOKEN} webhook's
   * tokens, if any (empty: the endpoint URI).
   *
   * @return the audience
   */
  public Optional<String> audience() {
    return audience;
  }

  /**
   * Returns a builder holding this definition's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder().name(name).description(description).uri(uri).apiKey(apiKey.reveal());
    b.eventTypes.addAll(eventTypes);
    b.filter = filter.orElse(null);
    b.tenant = tenant.orElse(null);
    b.format = format;
    b.audience = audience.orElse(null);
    return b;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof WebhookDefinition d
        && name.equals(d.name)
        && description.equals(d.description)
        && uri.equals(d.uri)
        && apiKey.equals(d.apiKey)
        && eventTypes.equals(d.eventTypes)
        && filter.equals(d.filter)
        && tenant.equals(d.tenant)
        && format == d.format
        && audience.equals(d.audience);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, description, uri, eventTypes, filter, tenant, format, audience);
  }

  @Override
  public String toString() {
    return "WebhookDefinition["
        + tenant.map(t -> "tenant=" + t + ", ").orElse("")
        + "name="
        + name
        + ", uri="
        + UriDisplay.of(uri)
        + ", apiKey="
        + apiKey
        + ", eventTypes="
        + eventTypes
        + ", filter="
        + filter.orElse("")
        + (format == WebhookFormat.STANDARD_WEBHOOKS ? "" : ", format=" + format)
        + audience.map(a -> ", audience=" + a).orElse("")
        + "]";
  }

  /** Builds a {@link WebhookDefinition}. Not thread-safe. */
  public static final class Builder {
    private String name = "";
    private String description = "";
    private String uri = "";
    private Secret apiKey = Secret.of("");
    private final Set<String> eventTypes = new LinkedHashSet<>();
    private @Nullable String filter;
    private @Nullable String tenant;
    private WebhookFormat format = WebhookFormat.STANDARD_WEBHOOKS;
    private @Nullable String audience;

    private Builder() {}

    /**
     * Sets the name. Required: 1 to 200 characters.
     *
     * @param name the name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Sets the description. Optional: at most 1000 characters.
     *
     * @param description the description
     * @return this builder
     */
    public Builder description(String description) {
      this.description = Objects.requireNonNull(description, "description");
      return this;
    }

    /**
     * Sets the endpoint URI. Required: absolute {@code https} with a host, no user-info, no
     * fragment, at most 2048 characters.
     *
     * @param uri the URI
     * @return this builder
     */
    public Builder uri(String uri) {
      this.uri = Objects.requireNonNull(uri, "uri");
      return this;
    }

    /**
     * Sets the API key sent as {@code Authorization: Bearer <key>}. Required: 16 to 512 printable
     * ASCII characters without spaces.
     *
     * @param apiKey the key
     * @return this builder
     */
    public Builder apiKey(String apiKey) {
      this.apiKey = Secret.of(Objects.requireNonNull(apiKey, "apiKey"));
      return this;
    }

    /**
     * Replaces the subscribed event types. Required: at least one known, subscribable type.
     *
     * @param types the event types
     * @return this builder
     */
    public Builder events(EventType... types) {
      return events(List.of(types));
    }

    /**
     * Replaces the subscribed event types.
     *
     * @param types the event types
     * @return this builder
     */
    public Builder events(Collection<EventType> types) {
      eventTypes.clear();
      for (EventType t : new ArrayList<>(types)) {
        eventTypes.add(Objects.requireNonNull(t, "event type").wireName());
      }
      return this;
    }

    /**
     * Replaces the subscribed event types by wire name, as an API or admin screen receives them.
     *
     * @param wireNames names such as {@code user.created}
     * @return this builder
     */
    public Builder eventNames(Collection<String> wireNames) {
      eventTypes.clear();
      for (String n : new ArrayList<>(wireNames)) {
        eventTypes.add(Objects.requireNonNull(n, "event type name"));
      }
      return this;
    }

    /**
     * Sets the filter expression (see the filters module), or clears it when {@code null}.
     *
     * @param filter the filter text, or null for none
     * @return this builder
     */
    public Builder filter(@Nullable String filter) {
      this.filter = filter;
      return this;
    }

    /**
     * Sets the tenant that owns the webhook, or makes it the host's own when {@code null}. A
     * tenant's webhook receives only events whose {@code subject.tenant} is this tenant; a webhook
     * without one receives every tenant's events. Set by the host application, never taken from an
     * end user's input. Fixed at creation: an update that changes or removes it is refused.
     * Optional: 1 to 128 characters {@code A-Z a-z 0-9 . _ : @ -}.
     *
     * @param tenant the tenant, or null for none
     * @return this builder
     */
    public Builder tenant(@Nullable String tenant) {
      this.tenant = tenant;
      return this;
    }

    /**
     * Sets how notifications are written on the wire. Default: {@link
     * WebhookFormat#STANDARD_WEBHOOKS}. A {@link WebhookFormat#SECURITY_EVENT_TOKEN} webhook is
     * sent only by a dispatcher configured with that format ({@code hookline-set}).
     *
     * @param format the format
     * @return this builder
     */
    public Builder format(WebhookFormat format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * Sets the {@code aud} claim of a {@link WebhookFormat#SECURITY_EVENT_TOKEN} webhook's tokens,
     * or the endpoint URI when {@code null}. Optional: 1 to 2048 printable characters; only with
     * that format.
     *
     * @param audience the audience, or null for the endpoint URI
     * @return this builder
     */
    public Builder audience(@Nullable String audience) {
      this.audience = audience;
      return this;
    }

    /**
     * Returns the definition. Does not validate: the registry does, reporting every problem.
     *
     * @return the definition
     */
    public WebhookDefinition build() {
      return new WebhookDefinition(this);
    }
  }
}
