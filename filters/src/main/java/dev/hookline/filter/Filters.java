package dev.hookline.filter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hookline.EventType;
import dev.hookline.InvalidFilterException;
import dev.hookline.filter.internal.Changed;
import dev.hookline.filter.internal.Compare;
import dev.hookline.filter.internal.FieldPath;
import dev.hookline.filter.internal.JsonForm;
import dev.hookline.filter.internal.Junction;
import dev.hookline.filter.internal.Limits;
import dev.hookline.filter.internal.Literal;
import dev.hookline.filter.internal.Node;
import dev.hookline.filter.internal.Not;
import dev.hookline.filter.internal.Op;
import dev.hookline.filter.internal.Parser;
import dev.hookline.spi.FilterCompiler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Entry point of the filter language: Java factories, the text parser and the {@link
 * FilterCompiler} to hand to {@code WebhookRegistry.builder().filterCompiler(...)}.
 *
 * <pre>{@code
 * Filter f = Filters.type("user.updated").and(Filters.changed("email", "password"));
 * Filter g = Filters.field("subject.app_id").in("app1", "app2");
 * Filter h = Filters.type("user.*").and(Filters.not(Filters.type("user.logged_in")));
 * Filter same = Filters.parse("type == \"user.updated\" and changed(\"email\", \"password\")");
 * }</pre>
 *
 * <p>Every factory validates its input and throws {@link dev.hookline.InvalidFilterException}
 * saying what is wrong. Thread-safe (stateless).
 */
public final class Filters {
  /** Longest filter text accepted, in characters. */
  public static final int MAX_TEXT_LENGTH = Limits.MAX_TEXT_LENGTH;

  /** Deepest nesting of and/or/not accepted. */
  public static final int MAX_DEPTH = Limits.MAX_DEPTH;

  private Filters() {}

  /**
   * Returns the compiler for filter text, for the registry and the {@link SubscriptionIndex}. It
   * parses the text, checks it against the webhook's subscribed types and returns a {@link Filter}.
   * Thread-safe.
   *
   * @return the compiler
   */
  public static FilterCompiler compiler() {
    return TextCompiler.INSTANCE;
  }

  /**
   * Parses the text form, without checking event types against a subscription.
   *
   * @param text such as {@code type == "user.updated" and changed("email")}
   * @return the filter
   * @throws dev.hookline.InvalidFilterException with line, column and what was expected
   */
  public static Filter parse(String text) {
    return new Filter(Parser.parse(Objects.requireNonNull(text, "text")).node());
  }

  /**
   * Reads the JSON form (Convoy-style operators: {@code $eq $ne $in $nin $gt $gte $lt $lte $exists
   * $regex $startsWith $and $or $not $changed}), for example {@code {"type": "user.updated",
   * "$changed": ["email"]}}. Members of one object must all hold; a plain value means {@code $eq}.
   *
   * @param json a JSON object
   * @return the filter
   * @throws dev.hookline.InvalidFilterException naming the JSON pointer of the problem
   */
  public static Filter fromJson(JsonNode json) {
    return new Filter(JsonForm.read(Objects.requireNonNull(json, "json")));
  }

  /**
   * Parses JSON text and reads the JSON form, as {@link #fromJson(JsonNode)}.
   *
   * @param json JSON text of at most four times {@link #MAX_TEXT_LENGTH} characters
   * @return the filter
   * @throws dev.hookline.InvalidFilterException with line and column for malformed JSON, or the
   *     JSON pointer of the problem
   */
  public static Filter parseJson(String json) {
    return new Filter(JsonForm.parse(Objects.requireNonNull(json, "json")));
  }

  /**
   * Matches events whose type is one of the names or wildcards ({@code user.*} matches every type
   * whose wire name starts with {@code user.}).
   *
   * @param typesOrWildcards one or more event type names or wildcards
   * @return the filter
   */
  public static Filter type(String... typesOrWildcards) {
    if (typesOrWildcards.length == 0) {
      throw new dev.hookline.InvalidFilterException(
          "type(...) needs at least one event type or wildcard", 0, 0);
    }
    List<Literal> values = new ArrayList<>();
    for (String t : typesOrWildcards) {
      values.add(Literal.of(Objects.requireNonNull(t, "type")));
    }
    return new Filter(
        Compare.of(FieldPath.of(FieldPath.Root.TYPE), values.size() == 1 ? Op.EQ : Op.IN, values));
  }

  /**
   * Matches events of one of the types.
   *
   * @param types one or more event types
   * @return the filter
   */
  public static Filter type(EventType... types) {
    String[] names = new String[types.length];
    for (int i = 0; i < types.length; i++) {
      names[i] = Objects.requireNonNull(types[i], "type").wireName();
    }
    return type(names);
  }

  /**
   * Matches events whose {@code changedAttributes} contain any of the attributes.
   *
   * @param attributes one or more attribute names, such as {@code email}
   * @return the filter
   */
  public static Filter changed(String... attributes) {
    List<String> names = new ArrayList<>(Objects.requireNonNull(attributes, "attributes").length);
    for (String a : attributes) {
      names.add(Objects.requireNonNull(a, "attribute"));
    }
    return new Filter(Changed.of(names));
  }

  /**
   * Names a field to build a condition on: {@code type}, {@code subject.user_id}, {@code
   * subject.app_id}, {@code subject.tenant}, {@code occurred_at}, or {@code data.<path>} with keys
   * and indexes such as {@code data.items[0].name} or {@code data["first-name"]}.
   *
   * @param path the field path
   * @return the field
   * @throws dev.hookline.InvalidFilterException if the path is malformed
   */
  public static Field field(String path) {
    return new Field(FieldPath.parse(Objects.requireNonNull(path, "path")));
  }

  /**
   * Matches when {@code filter} does not.
   *
   * @param filter the filter to negate
   * @return the negation
   */
  public static Filter not(Filter filter) {
    return new Filter(Not.of(Objects.requireNonNull(filter, "filter").node()));
  }

  /**
   * Matches when every filter matches.
   *
   * @param filters one or more filters
   * @return the conjunction
   */
  public static Filter allOf(Filter... filters) {
    return new Filter(Junction.and(nodes(filters)));
  }

  /**
   * Matches when any filter matches.
   *
   * @param filters one or more filters
   * @return the disjunction
   */
  public static Filter anyOf(Filter... filters) {
    return new Filter(Junction.or(nodes(filters)));
  }

  private static List<Node> nodes(Filter... filters) {
    List<Node> out = new ArrayList<>(filters.length);
    for (Filter f : filters) {
      out.add(Objects.requireNonNull(f, "filter").node());
    }
    return out;
  }

  /** The text-syntax {@link FilterCompiler}. Thread-safe (stateless). */
  private static final class TextCompiler implements FilterCompiler {
    static final TextCompiler INSTANCE = new TextCompiler();

    private TextCompiler() {}

    @Override
    public Filter compile(String text, Set<EventType> subscribedTypes) {
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(subscribedTypes, "subscribedTypes");
      Parser.Result result = Parser.parse(text);
      for (Parser.TypeRef ref : result.typeRefs()) {
        boolean covered = false;
        for (EventType t : subscribedTypes) {
          covered |= Compare.typePatternMatches(ref.pattern(), t.wireName());
        }
        if (!covered) {
          Set<String> names = new TreeSet<>();
          subscribedTypes.forEach(t -> names.add(t.wireName()));
          throw new InvalidFilterException(
              (ref.pattern().endsWith(".*")
                      ? "type wildcard \"" + ref.pattern() + "\" matches none of"
                      : "filter names event type \"" + ref.pattern() + "\", which is not one of")
                  + " the webhook's subscribed event types ("
                  + String.join(", ", names)
                  + "); subscribe to it or remove it from the filter",
              ref.line(),
              ref.column());
        }
      }
      return new Filter(result.node());
    }

    @Override
    public String toString() {
      return "Filters.compiler()";
    }
  }
}
