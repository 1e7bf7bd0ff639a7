package dev.hookline;

import dev.hookline.internal.UriDisplay;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A registered webhook: where to send which events, with what credentials, and its state.
 *
 * <p>Immutable and thread-safe. Change a webhook through the {@link WebhookRegistry}; {@link
 * #toString()} never shows the API key or signing secrets.
 *
 * @param id the webhook's id, assigned by the registry
 * @param tenant the tenant that owns the webhook, set by the host at creation and never changed;
 *     empty for the host's own webhooks, which receive every tenant's events
 * @param name the name shown in listings
 * @param description the description, empty if none
 * @param uri the endpoint
 * @param apiKey the key sent as {@code Authorization: Bearer <key>}
 * @param events the subscribed event types
 * @param filter the canonical filter text, if the webhook has a filter
 * @param format how notifications are written on the wire
 * @param audience the {@code aud} claim of a {@link WebhookFormat#SECURITY_EVENT_TOKEN} webhook's
 *     tokens; empty for the endpoint URI (and always empty in the Standard Webhooks format)
 * @param status verification and health status
 * @param enabled whether the owner wants notifications sent
 * @param statusReason why the status is what it is (a failed verification, an auto-disable)
 * @param signingSecrets the secrets that sign notifications, newest last
 * @param createdAt when the webhook was created
 * @param updatedAt when it last changed
 * @param version incremented on every change, for optimistic concurrency
 */
public record Webhook(
    String id,
    Optional<String> tenant,
    String name,
    String description,
    URI uri,
    Secret apiKey,
    Set<EventType> events,
    Optional<String> filter,
    WebhookFormat format,
    Optional<String> audience,
    WebhookStatus status,
    boolean enabled,
    Optional<String> statusReason,
    List<SigningSecret> signingSecrets,
    Instant createdAt,
    Instant updatedAt,
    long version) {

  /** Checks that no component is null and copies the collections. */
  public Webhook {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(apiKey, "apiKey");
    events = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(events));
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(statusReason, "statusReason");
    signingSecrets = List.copyOf(signingSecrets);
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /**
   * Returns a copy in another format, the version incremented and the update time set.
   *
   * @param newFormat the format
   * @param newAudience the token audience (only for {@link WebhookFormat#SECURITY_EVENT_TOKEN})
   * @param now the update time
   * @return the changed copy
   */
  public Webhook withFormat(WebhookFormat newFormat, Optional<String> newAudience, Instant now) {
    return new Webhook(
        id,
        tenant,
        name,
        description,
        uri,
        apiKey,
        events,
        filter,
        newFormat,
        newAudience,
        status,
        enabled,
        statusReason,
        signingSecrets,
        createdAt,
        now,
        version + 1);
  }

  /**
   * Returns whether notifications go to this webhook: it is verified and enabled.
   *
   * @return true if the webhook receives events
   */
  public boolean receivesEvents() {
    return enabled && status == WebhookStatus.VERIFIED;
  }

  /**
   * Returns whether this webhook may receive the event at all, before its subscription and filter:
   * a webhook without a tenant (the host's own) may receive every event; a tenant's webhook only
   * events whose {@code subject.tenant} is its tenant. No filter can widen this.
   *
   * @param event the event
   * @return true if the event is within the webhook's tenant
   */
  public boolean withinTenant(Event event) {
    return tenant.isEmpty() || tenant.equals(event.subject().tenant());
  }

  /**
   * Returns whether this webhook subscribes to the type (before its filter is applied).
   *
   * @param type the event type
   * @return true if subscribed
   */
  public boolean subscribesTo(EventType type) {
    return events.contains(type);
  }

  /**
   * Returns the signing secrets that sign at the given time, oldest first: one normally, two during
   * a rotation's overlap.
   *
   * @param now the time
   * @return the active secrets
   */
  public List<SigningSecret> activeSigningSecrets(Instant now) {
    List<SigningSecret> active = new ArrayList<>(signingSecrets.size());
    for (SigningSecret s : signingSecrets) {
      if (s.activeAt(now)) {
        active.add(s);
      }
    }
    return active;
  }

  /**
   * Returns the customer-facing definition, to edit and pass to {@link WebhookRegistry#update}.
   *
   * @return the definition
   */
  public WebhookDefinition definition() {
    WebhookDefinition.Builder b =
        WebhookDefinition.builder()
            .name(name)
            .description(description)
            .uri(uri.toString())
            .apiKey(apiKey.reveal())
            .events(new ArrayList<>(events))
            .format(format);
    filter.ifPresent(b::filter);
    audience.ifPresent(b::audience);
    tenant.ifPresent(b::tenant);
    return b.build();
  }

  /**
   * Returns a copy with the status, reason and enabled flag changed, the version incremented and
   * the update time set. For the registry only: state changes go through its rules.
   *
   * @param newStatus the status
   * @param newEnabled the enabled flag
   * @param reason the status reason, if any
   * @param now the update time
   * @return the changed copy
   */
  Webhook withState(
      WebhookStatus newStatus, boolean newEnabled, Optional<String> reason, Instant now) {
    return new Webhook(
        id,
        tenant,
        name,
        description,
        uri,
        apiKey,
        events,
        filter,
        format,
        audience,
        newStatus,
        newEnabled,
        reason,
        signingSecrets,
        createdAt,
        now,
        version + 1);
  }

  /**
   * Returns a copy with new signing secrets, the version incremented and the update time set.
   *
   * @param secrets the secrets
   * @param now the update time
   * @return the changed copy
   */
  public Webhook withSigningSecrets(List<SigningSecret> secrets, Instant now) {
    return new Webhook(
        id,
        tenant,
        name,
        description,
        uri,
        apiKey,
        events,
        filter,
        format,
        audience,
        status,
        enabled,
        statusReason,
        secrets,
        createdAt,
        now,
        version + 1);
  }

  /**
   * Returns a copy with a new API key, the version incremented and the update time set.
   *
   * @param newApiKey the key
   * @param now the update time
   * @return the changed copy
   */
  public Webhook withApiKey(Secret newApiKey, Instant now) {
    return new Webhook(
        id,
        tenant,
        name,
        description,
        uri,
        newApiKey,
        events,
        filter,
        format,
        audience,
        status,
        enabled,
        statusReason,
        signingSecrets,
        createdAt,
        now,
        version + 1);
  }

  @Override
  public String toString() {
    return "Webhook[id="
        + id
        + tenant.map(t -> ", tenant=" + t).orElse("")
        + ", name="
        + name
        + ", uri="
        + UriDisplay.of(uri)
        + ", events="
        + events
        + ", filter="
        + filter.orElse("")
        + (format == WebhookFormat.STANDARD_WEBHOOKS ? "" : ", format=" + format)
        + audience.map(a -> ", audience=" + a).orElse("")
        + ", status="
        + status
        + ", enabled="
        + enabled
        + ", version="
        + version
        + "]";
  }
}
