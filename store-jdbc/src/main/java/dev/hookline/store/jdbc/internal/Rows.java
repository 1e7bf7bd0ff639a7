package dev.hookline.store.jdbc.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Attempt;
import dev.hookline.Delivery;
import dev.hookline.DeliveryState;
import dev.hookline.ErrorKind;
import dev.hookline.Event;
import dev.hookline.EventType;
import dev.hookline.Secret;
import dev.hookline.SecretCipherException;
import dev.hookline.SigningSecret;
import dev.hookline.Subject;
import dev.hookline.Webhook;
import dev.hookline.WebhookFormat;
import dev.hookline.WebhookStatus;
import dev.hookline.internal.StoredEvents;
import dev.hookline.internal.UnreadableWebhook;
import dev.hookline.spi.Lease;
import dev.hookline.spi.SecretCipher;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Maps between domain values and rows: JSON for attempts, signing secrets and event types,
 * timestamps, and whole webhooks and deliveries. Thread-safe (the mapper is configured once).
 */
public final class Rows {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The columns of a delivery joined with its event, as {@link #delivery} reads them. */
  public static final String DELIVERY_COLUMNS =
      "d.id, d.webhook_id, d.state, d.attempts, d.next_attempt_at, d.created_at, d.updated_at,"
          + " d.lease_owner, d.lease_token, d.lease_expires_at, d.publish_context,"
          + " e.id AS event_id, e.type,"
          + " e.type_display_name, e.type_subscribable, e.occurred_at, e.subject_user_id,"
          + " e.subject_app_id, e.subject_tenant, e.data, e.changed_attributes";

  private Rows() {}

  // ---- time ----

  /**
   * Returns the instant at the database's precision: PostgreSQL keeps microseconds.
   *
   * @param t an instant
   * @return {@code t} truncated to microseconds
   */
  public static Instant micros(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS);
  }

  /**
   * Returns a {@code timestamptz} parameter value.
   *
   * @param t an instant
   * @return the value, truncated to microseconds
   */
  public static OffsetDateTime ts(Instant t) {
    return OffsetDateTime.ofInstant(micros(t), ZoneOffset.UTC);
  }

  /** The latest instant a {@code timestamptz} holds (294276 AD); no stored time is later. */
  private static final Instant LATEST_STORABLE = Instant.parse("+294276-12-31T23:59:59.999999Z");

  /** The earliest instant a {@code timestamptz} holds (4714 BC); no stored time is earlier. */
  private static final Instant EARLIEST_STORABLE = Instant.parse("-4713-11-24T00:00:00Z");

  /**
   * Returns a {@code timestamptz} parameter {@code p} for which {@code created_at <= p} holds of
   * exactly the stored times at or before {@code t}: stored times are whole microseconds, so a
   * finer {@code t} is truncated, and a {@code t} beyond what PostgreSQL holds becomes {@code
   * -infinity} or {@code infinity}.
   *
   * @param t the bound, inclusive
   * @return the parameter value
   */
  public static OffsetDateTime atOrBefore(Instant t) {
    if (t.isAfter(LATEST_STORABLE)) {
      return OffsetDateTime.MAX; // the driver sends infinity
    }
    if (t.isBefore(EARLIEST_STORABLE)) {
      return OffsetDateTime.MIN; // the driver sends -infinity
    }
    return OffsetDateTime.ofInstant(micros(t), ZoneOffset.UTC);
  }

  /**
   * Returns a {@code timestamptz} parameter for a bound that stored times are compared with ({@code
   * >= t} or {@code < t}), giving the answer the exact instant gives: stored times are whole
   * microseconds, so a finer {@code t} is rounded up (truncating it made {@code created_at < t}
   * miss a row created in the microsecond just before {@code t}, and {@code >= t} take it), and a
   * {@code t} beyond what PostgreSQL holds ({@link Instant#MIN}, {@link Instant#MAX}) becomes
   * {@code -infinity} or {@code infinity} instead of failing.
   *
   * @param t the bound
   * @return the parameter value
   */
  public static OffsetDateTime bound(Instant t) {
    if (t.isAfter(LATEST_STORABLE)) {
      return OffsetDateTime.MAX; // the driver sends infinity
    }
    if (t.isBefore(EARLIEST_STORABLE)) {
      return OffsetDateTime.MIN; // the driver sends -infinity
    }
    Instant down = micros(t);
    return OffsetDateTime.ofInstant(
        down.equals(t) ? down : down.plus(1, ChronoUnit.MICROS), ZoneOffset.UTC);
  }

  /**
   * Formats instants as {@code timestamptz} text parameters, each distinct one once: the deliveries
   * of a batch share their times, and {@link Instant#toString()} measured as a visible share of an
   * enqueue. One per statement being built; not thread-safe.
   */
  public static final class Timestamps {
    private @Nullable Instant last;
    private String text = "";

    /**
     * Returns the instant as ISO-8601 text.
     *
     * @param t the instant
     * @return {@code t.toString()}
     */
    public String text(Instant t) {
      if (!t.equals(last)) {
        text = t.toString();
        last = t;
      }
      return text;
    }
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    if (t == null) {
      throw new SQLException("column " + column + " is unexpectedly null", "XX000");
    }
    return t.toInstant();
  }

  private static Optional<Instant> optionalInstant(ResultSet rs, String column)
      throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? Optional.empty() : Optional.of(t.toInstant());
  }

  // ---- JSON ----

  /**
   * Serialises an event's data.
   *
   * @param data a JSON object
   * @return its text
   */
  public static String json(JsonNode data) {
    try {
      return JSON.writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("event data cannot be serialised as JSON", e);
    }
  }

  /**
   * Reads floating-point numbers as decimals: a double would round a number with more than 17
   * significant digits (an amount of 12345678901234567.89) and turn one beyond its range (1e400)
   * into Infinity, which the notification body writes as the string "Infinity". A claim reading the
   * row (another instance, after a restart) would send those instead of the published numbers.
   */
  private static final ObjectMapper DATA_JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  /**
   * Parses stored event data: each floating-point number a double holds as written (which is what
   * it was published as, mostly) is read as that double, as before; any other keeps its exact
   * decimal value.
   */
  static JsonNode parseData(String text) throws SQLException {
    try {
      return doublesWhereExact(DATA_JSON.readTree(text));
    } catch (JsonProcessingException e) {
      throw new SQLException("stored event data is not valid JSON", "XX000", e);
    }
  }

  private static JsonNode doublesWhereExact(JsonNode node) {
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      for (Map.Entry<String, JsonNode> e : o.properties()) {
        JsonNode v = e.getValue();
        if (v.isContainerNode() || v.isBigDecimal()) {
          e.setValue(doublesWhereExact(v));
        }
      }
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = (ArrayNode) node;
      for (int i = 0; i < a.size(); i++) {
        JsonNode v = a.get(i);
        if (v.isContainerNode() || v.isBigDecimal()) {
          a.set(i, doublesWhereExact(v));
        }
      }
      return a;
    }
    if (node.isBigDecimal()) {
      BigDecimal exact = node.decimalValue();
      double d = exact.doubleValue();
      if (Double.isFinite(d) && new BigDecimal(Double.toString(d)).compareTo(exact) == 0) {
        return DoubleNode.valueOf(d);
      }
    }
    return node;
  }

  private static JsonNode parse(String text, String what) throws SQLException {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new SQLException("stored " + what + " is not valid JSON", "XX000", e);
    }
  }

  /**
   * Serialises one attempt as a one-element JSON array, to append to a delivery's attempts.
   *
   * @param a the attempt
   * @return the JSON text
   */
  public static String attemptArray(Attempt a) {
    // Streamed, not built as a tree: one per outcome, and the tree was about a quarter of the
    // outcome path's own JFR samples in a burst (no end-to-end change measurable). The fields,
    // their order and their escaping are exactly
    // what the tree wrote (RowsTest compares the two).
    StringWriter out = new StringWriter(96 + a.responseBody().length() + a.detail().length());
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      g.writeStartArray();
      g.writeStartObject();
      g.writeNumberField("number", a.number());
      g.writeStringField("started_at", a.startedAt().toString());
      g.writeStringField("duration", a.duration().toString());
      if (a.statusCode().isPresent()) {
        g.writeNumberField("status", a.statusCode().getAsInt());
      }
      if (a.error().isPresent()) {
        g.writeStringField("error", a.error().get().name());
      }
      g.writeStringField("response_body", withoutNul(a.responseBody()));
      g.writeStringField("detail", withoutNul(a.detail()));
      g.writeEndObject();
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException("writing an attempt as JSON", e); // a StringWriter: never
    }
    return out.toString();
  }

  /**
   * The text with each U+0000 replaced by U+FFFD: PostgreSQL's jsonb refuses {@code \u0000}, and an
   * endpoint's answer may hold one (a binary or compressed body); refused, it failed the whole
   * grouped outcome write it was in, and its delivery could never be recorded.
   */
  static String withoutNul(String text) {
    return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
  }

  private static List<Attempt> attempts(String text) throws SQLException {
    if (text.equals("[]")) {
      return List.of(); // every first attempt's row: no parse
    }
    List<Attempt> out = new ArrayList<>();
    for (JsonNode o : parse(text, "attempts")) {
      out.add(
          new Attempt(
              o.path("number").asInt(),
              Instant.parse(o.path("started_at").asText()),
              Duration.parse(o.path("duration").asText()),
              o.hasNonNull("status")
                  ? OptionalInt.of(o.get("status").asInt())
                  : OptionalInt.empty(),
              o.hasNonNull("error")
                  ? Optional.of(ErrorKind.valueOf(o.get("error").asText()))
                  : Optional.empty(),
              o.path("response_body").asText(""),
              o.path("detail").asText("")));
    }
    return out;
  }

  // ---- secrets ----

  /**
   * Returns the context a webhook's API key is encrypted under ({@code
   * "<webhookId>:api_key:<uri>"}), so that its ciphertext cannot be moved to another webhook or
   * column, and is never sent anywhere but the URI it was stored with: someone who can write to the
   * database but has no key cannot point the {@code uri} column elsewhere and have the key sent
   * there (the webhook then fails to read instead).
   *
   * @param webhookId the owning webhook (ids contain no {@code :})
   * @param uri the webhook's URI
   * @return the context
   */
  public static String apiKeyContext(String webhookId, URI uri) {
    return webhookId + ":api_key:" + uri;
  }

  /**
   * Returns the context a webhook's signing secrets are encrypted under ({@code
   * "<webhookId>:signing_secret:<uri>"}), bound like {@link #apiKeyContext}.
   *
   * @param webhookId the owning webhook
   * @param uri the webhook's URI
   * @return the context
   */
  public static String signingSecretContext(String webhookId, URI uri) {
    return webhookId + ":signing_secret:" + uri;
  }

  /**
   * Encrypts a webhook's API key for the {@code api_key_enc} column, bound to the webhook.
   *
   * @param webhook the webhook
   * @param cipher encrypts the key
   * @return the column value
   */
  public static String apiKey(Webhook webhook, SecretCipher cipher) {
    return cipher.encrypt(webhook.apiKey().reveal(), apiKeyContext(webhook.id(), webhook.uri()));
  }

  /**
   * Serialises a webhook's signing secrets with each secret encrypted and bound to the webhook.
   *
   * @param webhook the webhook
   * @param cipher encrypts each secret value
   * @return JSON text for the {@code signing_secrets} column
   */
  public static String signingSecrets(Webhook webhook, SecretCipher cipher) {
    String context = signingSecretContext(webhook.id(), webhook.uri());
    ArrayNode arr = JSON.createArrayNode();
    for (SigningSecret s : webhook.signingSecrets()) {
      ObjectNode o = arr.addObject();
      o.put("secret_enc", cipher.encrypt(s.secret().reveal(), context));
      o.put("created_at", s.createdAt().toString());
      s.expiresAt().ifPresent(t -> o.put("expires_at", t.toString()));
    }
    return json(arr);
  }

  private static List<SigningSecret> signingSecrets(
      String webhookId, URI uri, String text, SecretCipher cipher) throws SQLException {
    String context = signingSecretContext(webhookId, uri);
    List<SigningSecret> out = new ArrayList<>();
    int index = 0;
    for (JsonNode o : parse(text, "signing secrets")) {
      out.add(
          new SigningSecret(
              decrypt(
                  cipher,
                  o.path("secret_enc").asText(),
                  context,
                  webhookId,
                  "signing_secrets[" + index + "].secret_enc"),
              Instant.parse(o.path("created_at").asText()),
              o.hasNonNull("expires_at")
                  ? Optional.of(Instant.parse(o.get("expires_at").asText()))
                  : Optional.empty()));
      index++;
    }
    return out;
  }

  /**
   * The key headers of a webhook row's stored secrets: each value's text up to and including its
   * last {@code ':'} ({@code "v2:<keyId>:"} for {@code AesGcmSecretCipher}; empty for a cipher
   * whose values hold no colon). Never a secret: a header precedes the encrypted body.
   *
   * @param rs positioned on a webhook row
   * @return the headers of its API key and signing secrets; those it could read
   */
  public static Set<String> keyHeaders(ResultSet rs) {
    Set<String> out = new HashSet<>();
    try {
      out.add(keyHeader(rs.getString("api_key_enc")));
      for (JsonNode o : parse(rs.getString("signing_secrets"), "signing secrets")) {
        out.add(keyHeader(o.path("secret_enc").asText()));
      }
    } catch (SQLException | RuntimeException e) {
      // a row that cannot even be read this far fails (or is left out) for that reason anyway
    }
    return out;
  }

  private static String keyHeader(@Nullable String value) {
    return value == null ? "" : value.substring(0, value.lastIndexOf(':') + 1);
  }

  /** Decrypts one stored secret; a failure names the webhook and the column (never the value). */
  private static Secret decrypt(
      SecretCipher cipher, String ciphertext, String context, String webhookId, String column) {
    try {
      return Secret.of(cipher.decrypt(ciphertext, context));
    } catch (SecretCipherException e) {
      throw new SecretCipherException(
          e.reason(), "Webhook '" + webhookId + "', column " + column + ": " + e.getMessage(), e);
    }
  }

  /**
   * Serialises event types with their display names and subscribability, so that a webhook reads
   * back with the same types even if the application's catalogue is not at hand.
   *
   * @param types the types
   * @return JSON text for the {@code event_types} column
   */
  public static String eventTypes(Collection<EventType> types) {
    ArrayNode arr = JSON.createArrayNode();
    for (EventType t : types) {
      arr.addObject()
          .put("name", t.wireName())
          .put("display_name", t.displayName())
          .put("subscribable", t.subscribable());
    }
    return json(arr);
  }

  private static Set<EventType> eventTypes(String text) throws SQLException {
    Set<EventType> out = new LinkedHashSet<>();
    for (JsonNode o : parse(text, "event types")) {
      out.add(
          eventType(
              o.path("name").asText(),
              o.path("display_name").asText(),
              o.path("subscribable").asBoolean(true)));
    }
    return out;
  }

  private static EventType eventType(String name, String displayName, boolean subscribable) {
    return subscribable
        ? EventType.of(name, displayName)
        : EventType.unsupported(name, displayName);
  }

  // ---- rows ----

  /**
   * Reads a webhook row, decrypting its secrets under the contexts of the row's id and URI.
   *
   * @param rs positioned on a row of {@code webhooks}
   * @param cipher decrypts the secrets
   * @return the webhook
   * @throws SQLException if a column cannot be read; with SQLState {@link #UNREADABLE_ROW}, naming
   *     the webhook (never a value), if the row's values cannot be read back
   * @throws SecretCipherException if a secret cannot be decrypted, including one copied from
   *     another webhook or column; the message names the webhook and the column, and the row's id
   *     and tenant are attached ({@link UnreadableWebhook}) so that the admin API can delete it
   */
  public static Webhook webhook(ResultSet rs, SecretCipher cipher) throws SQLException {
    try {
      return readWebhook(rs, cipher);
    } catch (SecretCipherException e) {
      throw UnreadableWebhook.attach(
          e, rs.getString("id"), Optional.ofNullable(rs.getString("tenant")));
    } catch (SQLException e) {
      if (!isRowData(e)) {
        throw e; // the connection or the driver failed, not the row's data
      }
      throw unreadable("stored webhook " + rs.getString("id"), UNREADABLE_ROW, e, e);
    } catch (RuntimeException e) {
      // A time, an enum constant or a URI this library cannot read (a row edited by hand or
      // written by another tool): the message can quote the row's values, so only the class is
      // named, and the cause is not kept.
      throw unreadable("stored webhook " + rs.getString("id"), UNREADABLE_ROW, e, null);
    }
  }

  private static Webhook readWebhook(ResultSet rs, SecretCipher cipher) throws SQLException {
    String id = rs.getString("id");
    URI uri = URI.create(rs.getString("uri"));
    return new Webhook(
        id,
        Optional.ofNullable(rs.getString("tenant")),
        rs.getString("name"),
        rs.getString("description"),
        uri,
        decrypt(cipher, rs.getString("api_key_enc"), apiKeyContext(id, uri), id, "api_key_enc"),
        eventTypes(rs.getString("event_types")),
        Optional.ofNullable(rs.getString("filter")),
        WebhookFormat.valueOf(rs.getString("format")),
        Optional.ofNullable(rs.getString("audience")),
        WebhookStatus.valueOf(rs.getString("status")),
        rs.getBoolean("enabled"),
        Optional.ofNullable(rs.getString("status_reason")),
        signingSecrets(id, uri, rs.getString("signing_secrets"), cipher),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        rs.getLong("version"));
  }

  /**
   * Reads a delivery joined with its event ({@link #DELIVERY_COLUMNS}).
   *
   * @param rs positioned on a row
   * @return the delivery
   * @throws SQLException if a column cannot be read
   */
  public static Delivery delivery(ResultSet rs) throws SQLException {
    return delivery(rs, null);
  }

  /**
   * Reads a delivery row joined with its event, as {@link #delivery(ResultSet)}, sharing one {@link
   * Event} among the rows of the same event: a claim of an event fanned out to many webhooks parses
   * its data once, and the dispatcher (whose body cache is keyed by the event object) writes its
   * notification body once.
   *
   * @param rs the row
   * @param events the events read so far from this result set, by id; added to
   * @return the delivery
   * @throws SQLException if a column cannot be read
   */
  public static Delivery delivery(ResultSet rs, @Nullable Map<String, Event> events)
      throws SQLException {
    return delivery(rs, events, null);
  }

  /**
   * Reads a delivery row joined with its event, as {@link #delivery(ResultSet, Map)}, taking the
   * event from {@code known} when the row was written from one of its events.
   *
   * @param rs the row
   * @param events the events read so far from this result set, by id; added to
   * @param known events this store wrote, or null
   * @return the delivery
   * @throws SQLException if a column cannot be read
   */
  public static Delivery delivery(
      ResultSet rs, @Nullable Map<String, Event> events, @Nullable KnownEvents known)
      throws SQLException {
    try {
      return readDelivery(rs, events, known);
    } catch (SQLException e) {
      if (!isRowData(e)) {
        throw e; // the connection or the driver failed, not the row's data
      }
      throw unreadable(deliveryOf(rs), e.getSQLState(), e, e);
    } catch (RuntimeException e) {
      // Jackson's NumberFormatException for a number it cannot read back (1E+2147483648), an
      // enum constant or a time this library does not know: the message can quote the row's
      // data, so only the class is named, and the cause is not kept.
      throw unreadable(deliveryOf(rs), UNREADABLE_ROW, e, null);
    }
  }

  /** The SQLState of a row this library cannot read back (XX000, internal_error). */
  public static final String UNREADABLE_ROW = "XX000";

  /**
   * Whether a failure to read a row is the row's data: an unreadable row ({@link #UNREADABLE_ROW})
   * or a conversion the driver refused (class 22), not the connection or the driver.
   *
   * @param e the failure
   * @return true if it is the row's data
   */
  public static boolean isRowData(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.equals(UNREADABLE_ROW) || state.startsWith("22"));
  }

  private static String deliveryOf(ResultSet rs) throws SQLException {
    return "stored delivery " + rs.getString("id") + " of event " + rs.getString("event_id");
  }

  /**
   * A failure naming the row ({@code row}: "stored webhook wh_…", "stored delivery dlv_… of event
   * evt_…") and the class of what failed; never the row's values (the failure's own message can
   * quote them).
   */
  private static SQLException unreadable(
      String row, String state, Exception failure, @Nullable Throwable cause) {
    return new SQLException(
        row + " cannot be read by this Hookline (" + failure.getClass().getName() + ")",
        state,
        cause);
  }

  private static Delivery readDelivery(
      ResultSet rs, @Nullable Map<String, Event> events, @Nullable KnownEvents known)
      throws SQLException {
    String id = rs.getString("id");
    DeliveryState state = DeliveryState.valueOf(rs.getString("state"));
    Optional<Lease> lease = Optional.empty();
    String owner = rs.getString("lease_owner");
    long token = rs.getLong("lease_token");
    boolean hasToken = !rs.wasNull();
    Optional<Instant> expires = optionalInstant(rs, "lease_expires_at");
    if (state == DeliveryState.IN_FLIGHT && owner != null && hasToken && expires.isPresent()) {
      lease = Optional.of(new Lease(id, owner, token, expires.get()));
    }
    Event event;
    if (events == null) {
      event = event(rs, known);
    } else {
      String eventId = rs.getString("event_id");
      Event seen = events.get(eventId);
      if (seen == null) {
        seen = event(rs, known);
        events.put(eventId, seen);
      }
      event = seen;
    }
    return new Delivery(
        id,
        rs.getString("webhook_id"),
        event,
        state,
        attempts(rs.getString("attempts")),
        optionalInstant(rs, "next_attempt_at"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        lease,
        Optional.ofNullable(rs.getString("publish_context")));
  }

  /**
   * Reads a stored event from a row of {@link Sql#storedEvents}.
   *
   * @param rs positioned on a row
   * @return the event
   * @throws SQLException if a column cannot be read
   * @throws RuntimeException if the row holds what this library cannot build an event from
   */
  public static Event storedEvent(ResultSet rs) throws SQLException {
    return event(rs, null);
  }

  private static Event event(ResultSet rs, @Nullable KnownEvents known) throws SQLException {
    Event written = known == null ? null : known.match(rs);
    if (written != null) {
      return written;
    }
    JsonNode data = parseData(rs.getString("data"));
    Subject subject =
        new Subject(
            rs.getString("subject_user_id"),
            Optional.ofNullable(rs.getString("subject_app_id")),
            Optional.ofNullable(rs.getString("subject_tenant")));
    // Built as a stored event: data written under an earlier, looser rule still reads back.
    return StoredEvents.build(
        Event.builder(
                eventType(
                    rs.getString("type"),
                    rs.getString("type_display_name"),
                    rs.getBoolean("type_subscribable")))
            .id(rs.getString("event_id"))
            .occurredAt(instant(rs, "occurred_at"))
            .subject(subject)
            .data(data)
            .changed(textArray(rs.getArray("changed_attributes"))));
  }

  static List<String> textArray(@Nullable Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    try {
      Object[] values = (Object[]) array.getArray();
      List<String> out = new ArrayList<>(values.length);
      for (Object v : values) {
        out.add(String.valueOf(v));
      }
      return out;
    } finally {
      array.free();
    }
  }

  /**
   * Serialises a list of strings as a JSON array, for array parameters that {@code unnest} spreads
   * over rows.
   *
   * @param values the strings
   * @return the JSON text
   */
  public static String jsonArray(Collection<String> values) {
    ArrayNode arr = JSON.createArrayNode();
    values.forEach(arr::add);
    return json(arr);
  }
}
