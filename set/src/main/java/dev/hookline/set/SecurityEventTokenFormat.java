package dev.hookline.set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import dev.hookline.Event;
import dev.hookline.Subject;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.delivery.spi.NotificationFormat;
import dev.hookline.delivery.spi.RenderedNotification;
import dev.hookline.set.internal.AkamaiClaims;
import dev.hookline.set.internal.TokenIds;
import dev.hookline.set.spi.SigningKeys;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPrivateKey;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Writes notifications as Security Event Tokens (RFC 8417) for {@link
 * WebhookFormat#SECURITY_EVENT_TOKEN} webhooks: a compact JWS with header {@code alg} (RS256 or
 * ES256, from the key), {@code kid} and {@code typ: secevent+jwt}, and claims {@code iss}, {@code
 * iat} (the attempt's time), {@code jti} (the notification: a UUID derived from the event id and
 * the webhook id, the same on every retry, another for each webhook), {@code aud} (the webhook's
 * audience, or its URI), {@code txn} (the event id, the same in every webhook's notification of the
 * event), {@code toe} (when the event occurred) and {@code events} with exactly one member: the
 * event type's URI ({@link Builder#eventTypePrefix prefix} + wire name) mapped to {@code
 * {"subject":{"user_id","app_id"?,"tenant"?},"changed":[...]?,"data":{...}}}. That is the default
 * {@link SetClaims#HOOKLINE} shape; {@link Builder#claims} selects {@link
 * SetClaims#AKAMAI_IDENTITY_CLOUD}, the shape of Akamai Identity Cloud Webhooks v3, instead. POSTed
 * as {@code application/secevent+jwt} (RFC 8935); any 2xx is success, and a 400 with an RFC 8935
 * error body is recorded with its {@code err} code.
 *
 * <pre>{@code
 * Dispatcher.builder().registry(registry)
 *     .notificationFormat(SecurityEventTokenFormat.builder()
 *         .issuer("https://id.example.com").signingKeys(keys).build())
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class SecurityEventTokenFormat implements NotificationFormat {
  /** The {@code typ} header of a SET (RFC 8417 section 2.3). */
  public static final String TYPE = "secevent+jwt";

  /** The content type of a SET delivered by push (RFC 8935). */
  public static final String CONTENT_TYPE = "application/secevent+jwt";

  /** The default prefix of event type URIs. */
  public static final String DEFAULT_EVENT_TYPE_PREFIX = "https://schemas.hookline.dev/secevent/";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JOSEObjectType SECEVENT = new JOSEObjectType(TYPE);

  private final String issuer;
  private final SigningKeys keys;
  private final String prefix;
  private final SetClaims shape;

  private SecurityEventTokenFormat(Builder b, String issuer, SigningKeys keys) {
    this.issuer = issuer;
    this.keys = keys;
    this.prefix = b.prefix;
    this.shape = b.shape;
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public WebhookFormat format() {
    return WebhookFormat.SECURITY_EVENT_TOKEN;
  }

  @Override
  public RenderedNotification render(Event event, Webhook webhook, Instant now) {
    return RenderedNotification.of(
        CONTENT_TYPE, token(event, webhook, now).getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Returns the compact serialisation of the token for one event to one webhook.
   *
   * @param event the event
   * @param webhook the webhook
   * @param now the time of issue
   * @return the signed token
   */
  public String token(Event event, Webhook webhook, Instant now) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(webhook, "webhook");
    Objects.requireNonNull(now, "now");
    // A host's SigningKeys may break its contract: say whose, not "key is null".
    @Nullable SigningKey found = keys.signingKey(now);
    if (found == null) {
      throw new IllegalStateException(
          "signingKeys " + keys.getClass().getName() + " returned no signing key for " + now);
    }
    SigningKey key = found;
    JWSHeader header =
        new JWSHeader.Builder(
                key.algorithm() == SigningAlgorithm.RS256 ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256)
            .keyID(key.keyId())
            .type(SECEVENT)
            .build();
    JWSObject jws = new JWSObject(header, new Payload(claims(event, webhook, now)));
    try {
      jws.sign(signer(key));
    } catch (JOSEException e) {
      // nimbus's messages name the algorithm or key type, never key material
      throw new IllegalStateException(
          "could not sign with key " + key.keyId() + ": " + e.getMessage(), e);
    }
    return jws.serialize();
  }

  private static JWSSigner signer(SigningKey key) throws JOSEException {
    if (key.algorithm() == SigningAlgorithm.ES256) {
      if (key.privateKey() instanceof ECPrivateKey ec) {
        return new ECDSASigner(ec);
      }
      // An HSM's (PKCS #11) key is opaque: no ECPrivateKey, so nimbus signs through the JCA, whose
      // provider for that key does the work. SigningKey.of checked the curve (P-256) and the pair.
      return new ECDSASigner(key.privateKey(), Curve.P_256);
    }
    return new RSASSASigner(key.privateKey());
  }

  private byte[] claims(Event event, Webhook webhook, Instant now) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("iss", issuer);
    root.put("iat", now.getEpochSecond());
    if (shape == SetClaims.AKAMAI_IDENTITY_CLOUD) {
      AkamaiClaims.write(root, event, webhook, prefix);
      return serialise(root, event);
    }
    root.put("jti", TokenIds.jti(event, webhook));
    root.put("aud", webhook.audience().orElse(webhook.uri().toString()));
    root.put("txn", event.id());
    root.put("toe", event.occurredAt().getEpochSecond());
    ObjectNode payload = root.putObject("events").putObject(prefix + event.type().wireName());
    Subject subject = event.subject();
    ObjectNode s = payload.putObject("subject");
    s.put("user_id", subject.userId());
    subject.appId().ifPresent(a -> s.put("app_id", a));
    subject.tenant().ifPresent(t -> s.put("tenant", t));
    if (!event.changedAttributes().isEmpty()) {
      ArrayNode changed = payload.putArray("changed");
      event.changedAttributes().forEach(changed::add);
    }
    payload.set("data", event.data());
    return serialise(root, event);
  }

  private static byte[] serialise(ObjectNode root, Event event) {
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("could not serialise event " + event.id(), e);
    }
  }

  /**
   * Reads RFC 8935's {@code err} from a 400 answer's {@code {"err","description"}} body, also when
   * the body is cut short after {@code err} (the dispatcher keeps only its start).
   *
   * @param status the status
   * @param body the start of the body
   * @return the error code, if the answer is a 400 carrying one
   */
  @Override
  public Optional<String> errorCode(int status, String body) {
    if (status != 400 || body.isBlank()) {
      return Optional.empty();
    }
    // The body is the start the dispatcher kept (maxResponseBytes): a long description can cut
    // the document short, so the top-level members are read one by one up to err, which comes
    // first in RFC 8935's examples, rather than the whole document.
    try (JsonParser p = MAPPER.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("err".equals(name)) {
          return value == JsonToken.VALUE_STRING ? Optional.of(p.getText()) : Optional.empty();
        }
        p.skipChildren();
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // not JSON, or cut before err ended: the status alone is recorded
    }
  }

  @Override
  public String toString() {
    return "SecurityEventTokenFormat[iss=" + issuer + ", keys=" + keys + "]";
  }

  /** Builds a {@link SecurityEventTokenFormat}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String issuer;
    private @Nullable SigningKeys keys;
    private String prefix = DEFAULT_EVENT_TYPE_PREFIX;
    private SetClaims shape = SetClaims.HOOKLINE;

    private Builder() {}

    /**
     * Sets the {@code iss} claim, usually the sender's https URL. Required.
     *
     * @param issuer the issuer
     * @return this builder
     */
    public Builder issuer(String issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    /**
     * Sets where signing keys come from. Required.
     *
     * @param keys the keys
     * @return this builder
     */
    public Builder signingKeys(SigningKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /**
     * Sets the prefix of event type URIs: the member of {@code events} is this prefix followed by
     * the type's wire name ({@code user.created}); in the {@link SetClaims#AKAMAI_IDENTITY_CLOUD}
     * shape, for the types Akamai has no name for. Default {@link #DEFAULT_EVENT_TYPE_PREFIX}.
     *
     * @param prefix an absolute URI prefix ({@code https://...} or {@code urn:...})
     * @return this builder
     */
    public Builder eventTypePrefix(String prefix) {
      this.prefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * Sets the shape of the claims: {@link SetClaims#HOOKLINE} (the default) or {@link
     * SetClaims#AKAMAI_IDENTITY_CLOUD} for listeners written for Akamai Identity Cloud Webhooks v3.
     * Both are signed, sent and verified alike; {@code SecurityEventTokenVerifier} reads either.
     *
     * @param shape the shape
     * @return this builder
     */
    public Builder claims(SetClaims shape) {
      this.shape = Objects.requireNonNull(shape, "shape");
      return this;
    }

    /**
     * Builds the format.
     *
     * @return the format
     * @throws IllegalStateException if the issuer or the keys are missing
     * @throws IllegalArgumentException if the issuer is blank, has leading or trailing whitespace
     *     or a control character, or the prefix is not an absolute URI
     */
    public SecurityEventTokenFormat build() {
      String iss = issuer;
      SigningKeys k = keys;
      if (iss == null || k == null) {
        throw new IllegalStateException(
            "SecurityEventTokenFormat needs issuer(...) and signingKeys(...)");
      }
      if (iss.isBlank()) {
        throw new IllegalArgumentException("issuer must not be blank");
      }
      // Receivers compare iss exactly: a line break read from a file would fail every token.
      String problem = untrimmed(iss);
      if (problem != null) {
        throw new IllegalArgumentException(
            "issuer has "
                + problem
                + "; receivers compare it exactly and would refuse every token (a line break"
                + " read from a file or an environment variable?)");
      }
      try {
        if (!new URI(prefix + "x").isAbsolute()) {
          throw new IllegalArgumentException("eventTypePrefix must start an absolute URI");
        }
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("eventTypePrefix must start an absolute URI", e);
      }
      return new SecurityEventTokenFormat(this, iss, k);
    }

    /** What is wrong with a claim value's characters, or null: surrounding whitespace, controls. */
    private static @Nullable String untrimmed(String value) {
      if (!value.equals(value.strip())) {
        return "leading or trailing whitespace";
      }
      for (int i = 0; i < value.length(); i++) {
        if (Character.isISOControl(value.charAt(i))) {
          return "a control character at position " + (i + 1) + " of " + value.length();
        }
      }
      return null;
    }
  }
}
