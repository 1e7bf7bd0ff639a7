package dev.hookline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.hookline.internal.StoredEvents;
import dev.hookline.spi.IdGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Something that happened to a user, to be sent to every webhook that subscribes to it.
 *
 * <p>The {@link #id()} is the listener's idempotency key: it is stable across retries and
 * redeliveries and travels as the {@code webhook-id} header.
 *
 * <p>Immutable and thread-safe, provided nobody changes {@link #data()}: it returns the event's own
 * tree (a copy of what the builder was given), not a copy per call, since it is read on every
 * routing decision. Hookline never changes it; callers must not either, neither by a cast nor by
 * {@link JsonNode}'s own methods that add to a tree ({@code withObject}, {@code withArray}), as
 * many threads read it and a notification body written from it is cached.
 */
public final class Event {

  /**
   * The deepest data an event read back from a Store may hold: what a Store could write and read
   * before the {@link #MAX_DATA_DEPTH} rule (Jackson's default limit), so that such a row is still
   * delivered (or fails and is purged) instead of being skipped at every claim.
   */
  private static final int STORED_MAX_DATA_DEPTH = 1000;

  static {
    // An event a Store wrote before the depth rule (or under a larger one) still reads back.
    StoredEvents.install(b -> b.build(STORED_MAX_DATA_DEPTH));
  }

  /** Most attributes one event may list as changed. */
  public static final int MAX_CHANGED_ATTRIBUTES = 100;

  private final String id;
  private final EventType type;
  private final Instant occurredAt;
  private final Subject subject;
  private final ObjectNode data;
  private final Set<String> changedAttributes;

  private Event(Builder b, String id, Instant occurredAt, Subject subject, ObjectNode data) {
    this.id = id;
    this.type = b.type;
    this.occurredAt = occurredAt;
    this.subject = subject;
    this.data = data;
    this.changedAttributes = Collections.unmodifiableSet(new TreeSet<>(b.changedAttributes));
  }

  /**
   * Whether {@code s} is 1 to 100 characters of {@code A-Z a-z 0-9 _ -} (and {@code .} when {@code
   * dots}): the rule for event ids and attribute names, checked without a regex (it runs for every
   * event published).
   */
  private static boolean isToken(String s, boolean dots) {
    int n = s.length();
    if (n < 1 || n > 100) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-'
              || (dots && c == '.');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Starts an event of the given type.
   *
   * @param type the event type
   * @return a new builder
   */
  public static Builder builder(EventType type) {
    return new Builder(Objects.requireNonNull(type, "type"));
  }

  /**
   * Returns the event id: unique, URL-safe, stable across retries and redeliveries.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * Returns the event type.
   *
   * @return the type
   */
  public EventType type() {
    return type;
  }

  /**
   * Returns when the event happened.
   *
   * @return the time
   */
  public Instant occurredAt() {
    return occurredAt;
  }

  /**
   * Returns whom the event is about.
   *
   * @return the subject
   */
  public Subject subject() {
    return subject;
  }

  /**
   * Returns the event's payload, a JSON object: the event's own tree, which must not be changed
   * (see the class description).
   *
   * @return the data
   */
  public JsonNode data() {
    return data;
  }

  /**
   * Returns which profile attributes changed (for {@code user.updated}), sorted; empty otherwise.
   *
   * @return the changed attribute names
   */
  public Set<String> changedAttributes() {
    return changedAttributes;
  }

  /**
   * Returns a builder holding this event's values (including its id), to derive a changed copy.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(type).id(id).occurredAt(occurredAt).subject(subject).data(data);
    b.changedAttributes.addAll(changedAttributes);
    return b;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Event e
        && id.equals(e.id)
        && type.equals(e.type)
        && occurredAt.equals(e.occurredAt)
        && subject.equals(e.subject)
        && data.equals(e.data)
        && changedAttributes.equals(e.changedAttributes);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }

  @Override
  public String toString() {
    return "Event[id=" + id + ", type=" + type + ", occurredAt=" + occurredAt + "]";
  }

  /**
   * Builds an {@link Event}; {@link #build()} validates every field and reports all problems at
   * once. Not thread-safe.
   */
  public static final class Builder {
    private final EventType type;
    private @Nullable String id;
    private @Nullable Instant occurredAt;
    private @Nullable Subject subject;
    private ObjectNode data = JsonNodeFactory.instance.objectNode();
    private final Set<String> changedAttributes = new TreeSet<>();
    private IdGenerator ids = IdGenerator.secureRandom();

    private Builder(EventType type) {
      this.type = type;
    }

    /**
     * Sets the id. Leave unset to have one generated; set it when the host application already has
     * a stable id for the change, so that publishing twice is recognisably the same event.
     *
     * <p>An id names one event across every tenant: while the Store keeps an event, publishing a
     * different one under its id is refused ({@link EventConflictException}). Ids that the host
     * makes unique per tenant only must be made unique across tenants, for example by prefixing the
     * tenant.
     *
     * @param id 1 to 100 characters from {@code A-Z a-z 0-9 _ -}
     * @return this builder
     */
    public Builder id(String id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    /**
     * Sets the generator used when no id is set.
     *
     * @param ids the generator
     * @return this builder
     */
    public Builder idGenerator(IdGenerator ids) {
      this.ids = Objects.requireNonNull(ids, "ids");
      return this;
    }

    /**
     * Sets when the event happened. Required.
     *
     * @param occurredAt the time
     * @return this builder
     */
    public Builder occurredAt(Instant occurredAt) {
      this.occurredAt = Objects.requireNonNull(occurredAt, "occurredAt");
      return this;
    }

    /**
     * Sets whom the event is about. Required.
     *
     * @param subject the subject
     * @return this builder
     */
    public Builder subject(Subject subject) {
      this.subject = Objects.requireNonNull(subject, "subject");
      return this;
    }

    /**
     * Sets the subject to a user alone.
     *
     * @param userId the user's id
     * @return this builder
     */
    public Builder user(String userId) {
      return subject(Subject.user(userId));
    }

    /**
     * Sets the payload; it is copied on {@link #build()}, so later changes to {@code data} do not
     * reach the event. Byte arrays in it become the base64 text they are written as; Java objects
     * in it (POJO nodes, raw values) are refused on {@link #build()}: they are not JSON; so are NaN
     * and the infinities, which JSON has no number for, and object keys longer than JSON parsers
     * read by default (50,000 bytes of UTF-8).
     *
     * @param data a JSON object
     * @return this builder
     */
    public Builder data(JsonNode data) {
      Objects.requireNonNull(data, "data");
      if (!data.isObject()) {
        throw new IllegalArgumentException(
            "event data must be a JSON object, not " + data.getNodeType());
      }
      this.data = (ObjectNode) data;
      return this;
    }

    /**
     * Adds attributes that changed (for {@code user.updated}), such as {@code email}.
     *
     * @param attributes attribute names
     * @return this builder
     */
    public Builder changed(String... attributes) {
      return changed(List.of(attributes));
    }

    /**
     * Adds attributes that changed.
     *
     * @param attributes attribute names
     * @return this builder
     */
    public Builder changed(Collection<String> attributes) {
      for (String a : new ArrayList<>(attributes)) {
        changedAttributes.add(Objects.requireNonNull(a, "attribute"));
      }
      return this;
    }

    /**
     * Validates and builds the event.
     *
     * @return the event
     * @throws EventValidationException listing every field that is missing or malformed
     */
    public Event build() {
      return build(MAX_DATA_DEPTH);
    }

    /**
     * Builds the event with data up to {@code maxDepth} levels deep: {@link #MAX_DATA_DEPTH} for a
     * new event, more for one a Store reads back ({@link StoredEvents}).
     */
    private Event build(int maxDepth) {
      List<Violation> violations = new ArrayList<>();
      String eventId = id != null ? id : ids.next("evt");
      if (!isToken(eventId, false)) {
        violations.add(
            new Violation("id", "is not a valid event id", "1 to 100 characters A-Z a-z 0-9 _ -"));
      }
      if (occurredAt == null) {
        violations.add(new Violation("occurredAt", "is required", OCCURRED_AT_RANGE));
      } else if (occurredAt.isBefore(EARLIEST) || occurredAt.isAfter(LATEST)) {
        violations.add(
            new Violation(
                "occurredAt", "is " + occurredAt + ", outside years 1 to 9999", OCCURRED_AT_RANGE));
      }
      if (subject == null) {
        violations.add(new Violation("subject", "is required", "a subject with a user id"));
      } else {
        checkSubjectPart("subject.user_id", subject.userId(), violations);
        subject.appId().ifPresent(a -> checkSubjectPart("subject.app_id", a, violations));
        subject.tenant().ifPresent(t -> checkSubjectPart("subject.tenant", t, violations));
      }
      if (changedAttributes.size() > MAX_CHANGED_ATTRIBUTES) {
        violations.add(
            new Violation(
                "changedAttributes",
                "lists " + changedAttributes.size() + " attributes",
                "at most " + MAX_CHANGED_ATTRIBUTES));
      }
      for (String a : changedAttributes) {
        if (!isToken(a, true)) {
          violations.add(
              new Violation(
                  "changedAttributes",
                  "holds a malformed attribute name",
                  "1 to 100 characters A-Z a-z 0-9 _ . -"));
          break;
        }
      }
      ObjectNode copied = copyData(data, maxDepth, violations);
      if (!violations.isEmpty() || occurredAt == null || subject == null || copied == null) {
        throw new EventValidationException(violations);
      }
      return new Event(this, eventId, occurredAt, subject, copied);
    }
  }

  /**
   * A copy of {@code node} that shares nothing mutable with the caller: objects and arrays are
   * copied, bytes become the base64 text they are written as, and a Java object held in the tree (a
   * POJO node, a raw value) is refused, reported once with its JSON pointer: it is not JSON, its
   * written form is whatever its class makes of it, and the copy would still share it.
   */
  private static @Nullable ObjectNode copyData(
      ObjectNode data, int maxDepth, List<Violation> violations) {
    ObjectNode copy = (ObjectNode) copy(data, 1, maxDepth);
    if (copy == null) {
      String[] problem = Objects.requireNonNull(problemAt(data, "", 1, maxDepth));
      String at = problem[0];
      if (at.length() > 100) {
        // not inside a surrogate pair of a key: half of one is no text
        at = at.substring(0, Character.isHighSurrogate(at.charAt(99)) ? 99 : 100) + "...";
      }
      violations.add(dataViolation(problem[1], at, maxDepth));
    }
    return copy;
  }

  /** The violation for an unusable leaf of the given kind ({@link #unusable}) at a JSON pointer. */
  private static Violation dataViolation(String kind, String at, int maxDepth) {
    return switch (kind) {
      case "number" ->
          new Violation(
              "data",
              "holds a number longer than " + MAX_NUMBER_CHARS + " characters at " + at,
              "numbers of at most "
                  + MAX_NUMBER_CHARS
                  + " characters, which JSON parsers read (Jackson's default limit)");
      case "depth" ->
          new Violation(
              "data",
              "nests objects and arrays deeper than " + maxDepth + " levels at " + at,
              "at most "
                  + maxDepth
                  + " levels, so that every notification format (a body puts the data one to"
                  + " three levels down) stays within what JSON parsers read (Jackson's default"
                  + " limit: 1,000)");
      case "exponent" ->
          new Violation(
              "data",
              "holds a number whose exponent is beyond 2147483647 at " + at,
              "numbers whose exponent as written is at most 2147483647 (1E+2147483647), which"
                  + " JSON parsers read back");
      case "nonfinite" ->
          new Violation(
              "data",
              "holds NaN or an infinity at " + at + ", which JSON has no number for",
              "finite numbers only (RFC 8259, section 6); send null or a string for a value that"
                  + " is missing or unbounded");
      case "keylength" ->
          new Violation(
              "data",
              "holds an object key longer than "
                  + MAX_KEY_BYTES
                  + " bytes in UTF-8 in the object at "
                  + (at.isEmpty() ? "/" : at),
              "object keys of at most "
                  + MAX_KEY_BYTES
                  + " bytes in UTF-8, which JSON parsers read (Jackson's default limit)");
      case "surrogate", "key" ->
          new Violation(
              "data",
              "holds an unpaired UTF-16 surrogate in "
                  + (kind.equals("key") ? "a key of the object" : "the string")
                  + " at "
                  + (at.isEmpty() ? "/" : at),
              "Unicode text: a surrogate only as half of a pair");
      default ->
          new Violation(
              "data",
              "holds a Java object, not a JSON value, at " + at,
              "JSON values only: objects, arrays, strings, numbers, booleans and null");
    };
  }

  /**
   * The longest number data may hold, in characters as written: what Jackson reads by default
   * ({@code StreamReadConstraints}), so what a listener's parser, and the PostgreSQL store reading
   * the event back for a claim, can read.
   */
  private static final int MAX_NUMBER_CHARS = 1000;

  /**
   * The longest object key data may hold, in bytes of UTF-8: what Jackson reads by default ({@code
   * StreamReadConstraints}, counted in bytes when it reads bytes), so what a listener's parser of
   * the body or of a Security Event Token's claims, and the PostgreSQL store reading the event back
   * for a claim, can read.
   */
  private static final int MAX_KEY_BYTES = 50_000;

  /**
   * The deepest nesting of objects and arrays data may hold, the data object itself being level 1:
   * the notification body puts the data one level down and a Security Event Token three, and
   * Jackson (a listener's, and the one that writes the body) handles at most 1,000 levels by
   * default; 900 leaves room for any format. Also bounds the recursion of the copy.
   */
  private static final int MAX_DATA_DEPTH = 900;

  /**
   * Whether a leaf cannot go into an event: a Java object, a number too long to read back, NaN or
   * an infinity (which Jackson writes as a string), or text with an unpaired surrogate.
   */
  private static @Nullable String unusable(JsonNode node) {
    if (node.isPojo() || node.isMissingNode()) {
      return "object";
    }
    if (node.isTextual() && unpairedSurrogateAt(node.textValue()) >= 0) {
      return "surrogate";
    }
    if ((node.isBigInteger() || node.isBigDecimal()) && node.asText().length() > MAX_NUMBER_CHARS) {
      return "number";
    }
    // Written as d.dddE+n with n = precision - 1 - scale, which for a scale near Integer.MIN_VALUE
    // is beyond int: neither BigDecimal nor Jackson reads that back (a stored row could not be).
    if (node.isBigDecimal()
        && (long) node.decimalValue().precision() - 1 - node.decimalValue().scale()
            > Integer.MAX_VALUE) {
      return "exponent";
    }
    if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
      return "nonfinite";
    }
    return null;
  }

  /** The copy, or null if the tree holds something {@link #unusable}. */
  private static @Nullable JsonNode copy(JsonNode node, int depth, int maxDepth) {
    if (node.isContainerNode() && depth > maxDepth) {
      return null;
    }
    if (node.isObject()) {
      ObjectNode copy = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (unpairedSurrogateAt(e.getKey()) >= 0 || keyTooLong(e.getKey())) {
          return null;
        }
        JsonNode value = copy(e.getValue(), depth + 1, maxDepth);
        if (value == null) {
          return null;
        }
        copy.set(e.getKey(), value);
      }
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JsonNodeFactory.instance.arrayNode(node.size());
      for (JsonNode element : node) {
        JsonNode value = copy(element, depth + 1, maxDepth);
        if (value == null) {
          return null;
        }
        copy.add(value);
      }
      return copy;
    }
    if (node.isBinary()) {
      return TextNode.valueOf(
          Base64.getEncoder().encodeToString(((BinaryNode) node).binaryValue()));
    }
    if (unusable(node) != null) {
      return null;
    }
    return node; // text, numbers, booleans, null: immutable
  }

  /** The JSON pointer of the first unusable leaf in the tree and why, or null if none. */
  private static String @Nullable [] problemAt(
      JsonNode node, String path, int depth, int maxDepth) {
    if (node.isContainerNode() && depth > maxDepth) {
      return new String[] {path, "depth"};
    }
    String why = unusable(node);
    if (why != null) {
      return new String[] {path, why};
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (unpairedSurrogateAt(e.getKey()) >= 0) {
          return new String[] {path, "key"};
        }
        if (keyTooLong(e.getKey())) {
          return new String[] {path, "keylength"};
        }
        String[] at =
            problemAt(e.getValue(), path + "/" + pointerToken(e.getKey()), depth + 1, maxDepth);
        if (at != null) {
          return at;
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String[] at = problemAt(node.get(i), path + "/" + i, depth + 1, maxDepth);
        if (at != null) {
          return at;
        }
      }
    }
    return null;
  }

  /** A JSON pointer reference token (RFC 6901): {@code ~} and {@code /} escaped. */
  private static String pointerToken(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  /** A subject's id: 1 to 256 characters, saying which rule it breaks. */
  private static void checkSubjectPart(String field, String value, List<Violation> violations) {
    if (value.isBlank()) {
      violations.add(new Violation(field, "must not be blank", "1 to 256 characters"));
    } else if (value.length() > 256) {
      violations.add(
          new Violation(field, "is " + value.length() + " characters long", "1 to 256 characters"));
    } else if (unpairedSurrogateAt(value) >= 0) {
      violations.add(
          new Violation(
              field,
              "holds an unpaired UTF-16 surrogate at position " + (unpairedSurrogateAt(value) + 1),
              "1 to 256 Unicode characters"));
    }
  }

  /**
   * The earliest and latest times an event may carry: years 1 to 9999, what the notification body's
   * {@code yyyy-MM-dd...} timestamp and PostgreSQL's {@code timestamptz} both hold.
   */
  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

  private static final String OCCURRED_AT_RANGE =
      "an instant from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z";

  /** Whether an object key is longer than {@link #MAX_KEY_BYTES} in UTF-8. */
  private static boolean keyTooLong(String key) {
    if (key.length() <= MAX_KEY_BYTES / 3) {
      return false; // at most 3 bytes per char: a surrogate pair is 4 bytes for 2 chars
    }
    long bytes = 0;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes > MAX_KEY_BYTES;
  }

  /**
   * The index of the first UTF-16 surrogate in {@code s} that is not half of a pair, or -1: such a
   * string is no Unicode text (PostgreSQL's driver stores it as '?', strict JSON parsers refuse
   * it).
   */
  private static int unpairedSurrogateAt(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return i;
      }
      if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }
}
