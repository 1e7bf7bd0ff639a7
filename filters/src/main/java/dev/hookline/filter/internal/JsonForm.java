package dev.hookline.filter.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.hookline.InvalidFilterException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON form, in the style of Convoy's filters:
 *
 * <pre>
 * {"type": "user.updated", "$changed": ["email", "password"]}
 * {"$or": [{"subject.app_id": {"$in": ["a", "b"]}}, {"data.plan": {"$ne": "free"}}]}
 * </pre>
 *
 * An object's members must all hold (several members are an implicit {@code $and}); a field with a
 * plain value means {@code $eq}; a field with an object of operators applies each. Errors say where
 * (as a JSON pointer) and what was expected. Thread-safe.
 */
public final class JsonForm {
  /** Longest JSON text accepted by {@link #parse(String)}. */
  public static final int MAX_JSON_LENGTH = 4 * Limits.MAX_TEXT_LENGTH;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  static {
    MAPPER
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(4 * Limits.MAX_DEPTH + 4)
                .maxNumberLength(Limits.MAX_NUMBER_LENGTH)
                .maxStringLength(MAX_JSON_LENGTH)
                .build());
  }

  private static final String OPERATORS =
      "$eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $exists, $startsWith, $regex";

  private JsonForm() {}

  /**
   * Parses JSON text and reads the filter.
   *
   * @throws InvalidFilterException with line and column for malformed JSON, or a JSON pointer in
   *     the message for a malformed filter
   */
  public static Node parse(String json) {
    if (json.length() > MAX_JSON_LENGTH) {
      throw Problem.of(
          "JSON filter is "
              + json.length()
              + " characters long; at most "
              + MAX_JSON_LENGTH
              + " allowed");
    }
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new InvalidFilterException(
          "malformed JSON: " + e.getOriginalMessage(),
          loc == null ? 0 : Math.max(loc.getLineNr(), 0),
          loc == null ? 0 : Math.max(loc.getColumnNr(), 0));
    } catch (NumberFormatException e) {
      // Jackson's reading of a number whose exponent does not fit an int (1e21474836470), with no
      // location; not a JsonProcessingException
      throw Problem.of(
          "malformed JSON: a number's exponent is out of range; numbers in a filter have at most"
              + " 40 significant digits times a power of ten within 10^±1000");
    }
    if (tree == null || tree.isMissingNode()) {
      throw Problem.of(
          "JSON filter is empty; expected an object such as {\"type\": \"user.created\"}");
    }
    return read(tree);
  }

  /** Reads a filter from a JSON tree. */
  public static Node read(JsonNode json) {
    return filter(json, "", 1);
  }

  private static Node filter(JsonNode json, String at, int depth) {
    if (depth > Limits.MAX_DEPTH) {
      throw error(at, "filter nests deeper than " + Limits.MAX_DEPTH + " levels");
    }
    if (!json.isObject()) {
      throw error(at, "expected an object (a filter) but found " + describe(json));
    }
    if (json.isEmpty()) {
      throw error(
          at,
          "expected at least one member: a field such as \"data.plan\", or $and, $or, $not,"
              + " $changed");
    }
    List<Node> parts = new ArrayList<>();
    for (Map.Entry<String, JsonNode> m : json.properties()) {
      String key = m.getKey();
      JsonNode value = m.getValue();
      String here = at + "/" + escape(key);
      switch (key) {
        case "$and", "$or" -> {
          if (!value.isArray() || value.isEmpty()) {
            throw error(here, key + " needs a non-empty array of filters, not " + describe(value));
          }
          List<Node> children = new ArrayList<>();
          for (int i = 0; i < value.size(); i++) {
            children.add(filter(value.get(i), here + "/" + i, depth + 1));
          }
          parts.add(
              build(
                  here, () -> key.equals("$and") ? Junction.and(children) : Junction.or(children)));
        }
        case "$not" -> {
          Node operand = filter(value, here, depth + 1);
          parts.add(build(here, () -> Not.of(operand)));
        }
        case "$const" -> {
          if (!value.isBoolean()) {
            throw error(here, "$const takes true or false, not " + describe(value));
          }
          parts.add(Constant.of(value.booleanValue()));
        }
        case "$changed" -> {
          if (!value.isArray() || value.isEmpty()) {
            throw error(
                here,
                "$changed needs a non-empty array of attribute names, not " + describe(value));
          }
          List<String> attributes = new ArrayList<>();
          for (JsonNode a : value) {
            if (!a.isTextual()) {
              throw error(here, "$changed lists attribute names (strings), not " + describe(a));
            }
            attributes.add(a.textValue());
          }
          parts.add(build(here, () -> Changed.of(attributes)));
        }
        default -> {
          if (key.startsWith("$")) {
            throw error(
                here,
                "unknown operator "
                    + Problem.clip(key)
                    + " here; expected $and, $or, $not, $changed, $const or a field such as"
                    + " \"data.plan\"");
          }
          FieldPath path = build(here, () -> FieldPath.parse(key));
          parts.addAll(field(path, value, here));
        }
      }
    }
    Node result = build(at, () -> Junction.and(parts));
    if (depth == 1) {
      checkTextLength(at, result);
    }
    return result;
  }

  private static List<Node> field(FieldPath path, JsonNode value, String at) {
    if (!value.isObject()) {
      Literal v = Literal.fromJson(value);
      if (v == null) {
        throw error(
            at,
            "expected a value (string, number, boolean, null) or an object of operators ("
                + OPERATORS
                + "), not "
                + describe(value)
                + (value.isArray() ? "; use {\"$in\": [...]} for a list" : ""));
      }
      return List.of(build(at, () -> Compare.of(path, Op.EQ, List.of(v))));
    }
    if (value.isEmpty()) {
      throw error(at, "expected at least one operator (" + OPERATORS + ")");
    }
    List<Node> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> m : value.properties()) {
      String key = m.getKey();
      JsonNode operand = m.getValue();
      String here = at + "/" + escape(key);
      if (key.equals("$exists")) {
        if (!operand.isBoolean()) {
          throw error(here, "$exists takes true or false, not " + describe(operand));
        }
        Exists e = Exists.of(path);
        out.add(operand.booleanValue() ? e : Not.of(e));
        continue;
      }
      Op op = Op.fromJson(key);
      if (op == null) {
        throw error(
            here, "unknown operator " + Problem.clip(key) + "; expected one of " + OPERATORS);
      }
      List<Literal> values = new ArrayList<>();
      if (op.takesList()) {
        if (!operand.isArray()) {
          throw error(here, key + " takes an array of values, not " + describe(operand));
        }
        for (int i = 0; i < operand.size(); i++) {
          values.add(literal(operand.get(i), here + "/" + i));
        }
      } else {
        values.add(literal(operand, here));
      }
      out.add(build(here, () -> Compare.of(path, op, values)));
    }
    return out;
  }

  private static Literal literal(JsonNode node, String at) {
    Literal v = build(at, () -> Literal.fromJson(node));
    if (v == null) {
      throw error(at, "expected a string, number, boolean or null, not " + describe(node));
    }
    return v;
  }

  private static void checkTextLength(String at, Node node) {
    int length = node.text().length();
    if (length > Limits.MAX_TEXT_LENGTH) {
      throw error(
          at,
          "filter is "
              + length
              + " characters long in text form; at most "
              + Limits.MAX_TEXT_LENGTH
              + " allowed");
    }
  }

  private static <T> T build(String at, java.util.function.Supplier<T> s) {
    try {
      return s.get();
    } catch (InvalidFilterException e) {
      throw error(at, e.problem());
    }
  }

  private static InvalidFilterException error(String at, String problem) {
    return Problem.of("at " + (at.isEmpty() ? "/" : at) + ": " + problem);
  }

  /**
   * A key as a JSON pointer's reference token, for messages: escaped, and clipped as other quoted
   * input ({@link Problem#clip}), so that a long key or one holding a line break does not reach the
   * message whole.
   */
  private static String escape(String key) {
    return Problem.clip(key.replace("~", "~0").replace("/", "~1"));
  }

  private static String describe(JsonNode n) {
    if (n.isTextual()) {
      return "the string " + Problem.quote(n.textValue());
    }
    return switch (n.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case NUMBER -> "the number " + n.asText();
      case BOOLEAN -> n.asText();
      case NULL -> "null";
      default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
